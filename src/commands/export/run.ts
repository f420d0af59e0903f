import { writeOwnerOnlyFile } from '../../secrets/private-files.ts';
import { ExitCode, UsageError } from '../../cli/errors.ts';
import type { Deps } from '../../deps.ts';
import { assertWritableFile, writeOutputFile } from '../../util/output-file.ts';
import { chooseProfile, openProfiles, openStorageFor } from '../test-connection/subject-profile.ts';

/** `dynauth export`: the one command whose result is a secret, asked for by name. */
export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const profiles = await openProfiles(deps);
  const profile = await chooseProfile(deps, profiles, typeof options.profile === 'string' ? options.profile : undefined, 'Run dynauth init first.');
  const pemOut = typeof options.pemOut === 'string' ? options.pemOut : undefined;
  if (pemOut && profile.credential.type !== 'certificate') throw new UsageError(`--pem-out: profile "${profile.name}" uses a client secret, not a certificate.`);
  if (pemOut) assertWritableFile(pemOut, '--pem-out');
  const storage = await openStorageFor(deps, profile, {
    store: options.store === 'file' ? 'file' : 'keychain',
    usePassphrase: options.passphrase === true || Boolean(deps.env.DYNAUTH_PASSPHRASE),
    passphrase: deps.env.DYNAUTH_PASSPHRASE || undefined,
  });
  const stored = await storage.vault.loadConnection(profile.name);
  if (!stored) {
    throw new UsageError(`No stored credential for profile "${profile.name}" in ${storage.vault.description}.`, {
      hint: `Run dynauth init --profile ${profile.name} again (it reuses the app and mints a secret), or dynauth rotate-secret --profile ${profile.name}.`,
      code: 'keychain-missing',
    });
  }
  if (pemOut) {
    if (!stored.privateKeyPem || !profile.credential.certificatePem) throw new UsageError(`Profile "${profile.name}" holds no certificate key to write.`);
    await writeOutputFile(pemOut, `${stored.privateKeyPem}${profile.credential.certificatePem}`, '--pem-out', writeOwnerOnlyFile);
    deps.ui.success(`Certificate and private key written to ${pemOut} (mode 0600)`);
  }
  deps.ui.result({ profile: profile.name, connectionString: stored.connectionString }, () => stored.connectionString, { isRequestedSecret: true });
  return ExitCode.ok;
}
