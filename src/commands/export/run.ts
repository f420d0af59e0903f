import { writeOwnerOnlyFile } from '../../secrets/private-files.ts';
import { ExitCode, UsageError } from '../../cli/errors.ts';
import type { Deps } from '../../deps.ts';
import { assertWritableFile, writeOutputFile } from '../../util/output-file.ts';
import { certificateFileOf } from '../../connection/credential.ts';
import { openStorageFor } from '../../connection/profile-storages.ts';
import { chooseProfile } from '../../connection/select-profile.ts';
import { openProfiles } from '../../connection/storage.ts';
import { readCredential } from '../../connection/stored-credential.ts';
import { parseExportFlags } from './flags.ts';

/** `dynauth export`: the one command whose result is a secret, asked for by name. */
export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const flags = parseExportFlags(options, deps.env);
  const profiles = await openProfiles(deps);
  const profile = await chooseProfile(deps, profiles, flags.profile, 'Run dynauth init first.');
  const { pemOut } = flags;
  if (pemOut && profile.credential?.type !== 'certificate')
    throw new UsageError(`--pem-out: profile "${profile.name}" has no certificate.`);
  if (pemOut) assertWritableFile(pemOut, '--pem-out');
  const storage = await openStorageFor(deps, profile, flags);
  const stored = await readCredential(storage, profile);
  if (!stored) {
    throw new UsageError(`No stored credential for profile "${profile.name}" in ${storage.vault.description}.`, {
      hint: `Run dynauth init --profile ${profile.name} again (it reuses the app and mints a secret), or dynauth rotate-secret --profile ${profile.name}.`,
      code: 'keychain-missing',
    });
  }
  if (pemOut) {
    if (stored.credential?.kind !== 'certificate') throw new UsageError(`Profile "${profile.name}" holds no certificate key to write.`);
    await writeOutputFile(pemOut, certificateFileOf(stored.credential), '--pem-out', writeOwnerOnlyFile);
    deps.ui.success(`Certificate and private key written to ${pemOut} (mode 0600)`);
  }
  deps.ui.result({ profile: profile.name, connectionString: stored.connectionString }, () => stored.connectionString, {
    isRequestedSecret: true,
  });
  return ExitCode.ok;
}
