import { ExitCode } from '../../cli/errors.ts';
import type { Deps } from '../../deps.ts';
import { accessTokenFor } from '../../connection/access-token.ts';
import { openStorageFor } from '../../connection/profile-storages.ts';
import { assertSameCloud, chooseProfile } from '../../connection/select-profile.ts';
import { openProfiles } from '../../connection/storage.ts';
import { diagnosedError, diagnosisContextFor } from '../../steps/diagnosed-error.ts';
import { assertNotToTerminal } from '../../steps/secret-output.ts';
import { parseTokenFlags } from './flags.ts';

/** `dynauth token`: one fresh access token on stdout, the result asked for by name. */
export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const flags = parseTokenFlags(options, deps.env);
  // Before anything is redeemed: a token is not written to a screen unless asked for.
  assertNotToTerminal(deps, flags.showSecret, 'an access token', `dynauth token${flags.profile ? ` --profile ${flags.profile}` : ''}`);
  const cloud = await deps.cloud();
  const profiles = await openProfiles(deps);
  const profile = await chooseProfile(deps, profiles, flags.profile, 'Run dynauth init first.');
  assertSameCloud(profile, cloud);
  const ctx = diagnosisContextFor(deps, cloud, profile, 30_000);
  let token: Awaited<ReturnType<typeof accessTokenFor>>;
  try {
    const storage = await openStorageFor(deps, profile, flags);
    token = await accessTokenFor(deps, cloud, storage, profile, flags.scopes.length ? flags.scopes : undefined);
  } catch (error) {
    throw diagnosedError(error, ctx, deps.clock.now());
  }
  const json = {
    accessToken: token.accessToken,
    expiresOn: token.expiresOn.toISOString(),
    scope: token.scopes.join(' '),
    profile: profile.name,
    tokenType: token.tokenType,
  };
  deps.ui.result(json, () => token.accessToken, { isRequestedSecret: true });
  return ExitCode.ok;
}
