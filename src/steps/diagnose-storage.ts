// The stored credential or its profile could not be read: the error's own code (the same one every
// command's --json gives), with the cause and fix in the terms of the connection being tested.
import { DynauthError } from '../cli/errors.ts';
import { ProfileFileError } from '../profiles/errors.ts';
import {
  DecryptionFailedError,
  KeychainItemMissing,
  KeychainUnavailableError,
  PassphraseRequiredError,
  SecretFileStoreError,
  StoredConnectionMissing,
} from '../secrets/errors.ts';
import { UnsafeLocationError } from '../secrets/private-files.ts';
import { initCommand, type Diagnosis, type DiagnosisContext } from './diagnosis.ts';

export function diagnoseStorage(error: unknown, ctx: DiagnosisContext): Diagnosis | undefined {
  if (!(error instanceof DynauthError)) return undefined;
  const recover = ctx.profile
    ? `Re-run ${initCommand(ctx)} (it reuses the app and stores a new secret), or mint one with dynauth rotate-secret --profile ${ctx.profile}.`
    : 'Run dynauth init to set it up again.';
  const diagnosis = (cause: string, fix: string): Diagnosis => ({ code: error.code, cause, fix, auth: false });
  if (error instanceof KeychainItemMissing)
    return diagnosis(
      `The keychain item holding the credential${ctx.profile ? ` of profile "${ctx.profile}"` : ''} is gone: ${error.message}`,
      recover,
    );
  if (error instanceof StoredConnectionMissing) return diagnosis(error.message, recover);
  if (error instanceof KeychainUnavailableError) return diagnosis(`The keychain could not be read: ${error.message}`, error.hint);
  if (error instanceof DecryptionFailedError) {
    return diagnosis(
      `The stored credential could not be decrypted: the passphrase is wrong (or the item was damaged).`,
      `Give the passphrase used when it was stored (DYNAUTH_PASSPHRASE, or --passphrase to be asked); if it is lost: ${recover}`,
    );
  }
  if (error instanceof PassphraseRequiredError)
    return diagnosis(error.message, 'Give the passphrase with DYNAUTH_PASSPHRASE, or --passphrase in a terminal to be asked.');
  if (error instanceof SecretFileStoreError || error instanceof ProfileFileError || error instanceof UnsafeLocationError)
    return diagnosis(error.message, error.hint);
  return undefined;
}
