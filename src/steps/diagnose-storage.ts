// The stored credential could not be read: keychain item missing, keychain unavailable, wrong passphrase.
import { initCommand, type Diagnosis, type DiagnosisContext } from './diagnosis.ts';

export function diagnoseStorage(error: unknown, ctx: DiagnosisContext): Diagnosis | undefined {
  if (!(error instanceof Error)) return undefined;
  const recover = ctx.profile
    ? `Re-run ${initCommand(ctx)} (it reuses the app and stores a new secret), or mint one with dynauth rotate-secret --profile ${ctx.profile}.`
    : 'Run dynauth init to set it up again.';
  const hint = (error as { hint?: unknown }).hint;
  switch (error.name) {
    case 'KeychainItemMissing':
      return { code: 'keychain-missing', cause: `The keychain item holding the credential${ctx.profile ? ` of profile "${ctx.profile}"` : ''} is gone: ${error.message}`, fix: recover, auth: false };
    case 'StoredConnectionMissing':
      return { code: 'keychain-missing', cause: error.message, fix: recover, auth: false };
    case 'KeychainUnavailableError':
      return { code: 'keychain-unavailable', cause: `The keychain could not be read: ${error.message}`, fix: typeof hint === 'string' ? hint : 'Unlock or start the OS keychain, then run again.', auth: false };
    case 'DecryptionFailedError':
      return {
        code: 'keychain-undecryptable',
        cause: `The stored credential could not be decrypted: the passphrase is wrong (or the item was damaged).`,
        fix: `Give the passphrase used when it was stored (DYNAUTH_PASSPHRASE, or --passphrase to be asked); if it is lost: ${recover}`,
        auth: false,
      };
    case 'PassphraseRequiredError':
      return { code: 'passphrase-required', cause: error.message, fix: 'Give the passphrase with DYNAUTH_PASSPHRASE, or --passphrase in a terminal to be asked.', auth: false };
    case 'SecretFileStoreError':
      return { code: 'file-store', cause: error.message, fix: typeof hint === 'string' ? hint : recover, auth: false };
    default:
      return undefined;
  }
}

/** The profile exists but the store holds no (usable) credential for it. */
export class StoredConnectionMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoredConnectionMissing';
  }
}
