import { writeOwnerOnlyFile } from '../../secrets/private-files.ts';
import { ExitCode, UsageError } from '../../cli/errors.ts';
import { CLOUDS, isCloudName, type Cloud } from '../../clouds.ts';
import type { Deps } from '../../deps.ts';
import type { Profile } from '../../profiles/profile.ts';
import { assertWritableFile, writeOutputFile } from '../../util/output-file.ts';
import { exportFacts } from '../../connection/export-facts.ts';
import { openStorageFor } from '../../connection/profile-storages.ts';
import { assertSameCloud, chooseProfile } from '../../connection/select-profile.ts';
import { openProfiles } from '../../connection/storage.ts';
import { assertNotToTerminal } from '../../steps/secret-output.ts';
import { parseExportFlags } from './flags.ts';
import { connectionString, exportJson, holdsSecret, render } from './formats.ts';

/** `dynauth export`: the command whose result is a secret, asked for by name; --format picks its shape. */
export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const flags = parseExportFlags(options, deps.env);
  const profiles = await openProfiles(deps);
  const profile = await chooseProfile(deps, profiles, flags.profile, 'Run dynauth init first.');
  const { pemOut, out } = flags;
  if (pemOut && profile.credential?.type !== 'certificate')
    throw new UsageError(`--pem-out: profile "${profile.name}" has no certificate.`);
  if (pemOut) assertWritableFile(pemOut, '--pem-out');
  if (out) assertWritableFile(out, '--out');
  const format = deps.globals.json ? 'json' : flags.format;
  const cloud = await cloudOf(deps, profile, format !== 'connection-string');
  const facts = await exportFacts(cloud, await openStorageFor(deps, profile, flags), profile);
  if (format === 'connection-string' && connectionString(facts) === undefined) {
    throw new UsageError(`Profile "${profile.name}" signs in with federated credentials: it has no secret, so no connection string.`, {
      hint: `Its other fields: dynauth export --profile ${profile.name} --format fields (or env, json).`,
      code: 'no-connection-string',
    });
  }
  if (facts.kind === 'federated')
    deps.ui.warn(`Profile "${profile.name}" signs in with federated credentials: it has no secret; these are its other fields.`);
  if (facts.certificateFile && !pemOut && format === 'env')
    deps.ui.info(
      `Profile "${profile.name}" signs in with a certificate: --pem-out <file> writes its key and adds AZURE_CLIENT_CERTIFICATE_PATH.`,
    );
  if (!out && holdsSecret(format, facts))
    assertNotToTerminal(
      deps,
      flags.showSecret,
      `${describe(facts)}`,
      // The same command again, so that the pipe gets what was asked for (--format fields, not the connection string).
      `dynauth export --profile ${profile.name}${format === 'connection-string' || deps.globals.json ? '' : ` --format ${format}`}`,
    );
  if (pemOut) {
    if (!facts.certificateFile) throw new UsageError(`Profile "${profile.name}" holds no certificate key to write.`);
    await writeOutputFile(pemOut, facts.certificateFile, '--pem-out', writeOwnerOnlyFile);
    deps.ui.success(`Certificate and private key written to ${pemOut} (mode 0600)`);
  }
  const text = render(format, facts, { ...(pemOut ? { certificatePath: pemOut } : {}) });
  if (out) {
    await writeOutputFile(out, `${text}\n`, '--out', writeOwnerOnlyFile);
    deps.ui.success(`${format} of profile ${profile.name} written to ${out} (mode 0600)`);
    if (deps.globals.json) deps.ui.result({ ok: true, profile: profile.name, format: flags.format, out }, () => '');
    return ExitCode.ok;
  }
  deps.ui.result(exportJson(facts), () => text, { isRequestedSecret: true });
  return ExitCode.ok;
}

/**
 * The profile's own cloud: its endpoints are printed, and nothing is sent, so no --cloud is needed
 * for a national cloud's profile. A custom cloud's endpoints come from --cloud-config, checked
 * against the profile when they are printed.
 */
async function cloudOf(deps: Deps, profile: Profile, printsEndpoints: boolean): Promise<Cloud> {
  if (isCloudName(profile.cloud)) return CLOUDS[profile.cloud];
  const cloud = await deps.cloud();
  if (printsEndpoints) assertSameCloud(profile, cloud);
  return cloud;
}

function describe(facts: Awaited<ReturnType<typeof exportFacts>>): string {
  const parts = [facts.clientSecret !== undefined && 'a client secret', facts.refreshToken !== undefined && 'a refresh token'].filter(
    Boolean,
  );
  return parts.join(' and ');
}
