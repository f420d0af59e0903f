import { UsageError } from '../../cli/errors.ts';
import type { Storage } from '../../connection/storage.ts';
import type { InitFlags } from './flags.ts';

/**
 * `init --flow delegated --profile P` without --environment: P is an existing delegated profile
 * (its refresh token dead, say). Its environment and app are taken from it, so the run reuses the
 * app and signs the integration account in again.
 */
export async function delegatedProfileSelectors(storage: Storage, flags: InitFlags): Promise<Partial<InitFlags> | undefined> {
  if (flags.flow !== 'delegated' || flags.environments.length || !flags.profile) return undefined;
  const profile = await storage.profiles.read(flags.profile);
  if (!profile) {
    throw new UsageError(`No profile "${flags.profile}" to repair; to set up a new one, give --environment too.`, {
      code: 'missing-input',
    });
  }
  if (profile.flow !== 'delegated') {
    throw new UsageError(`Profile "${profile.name}" is an app-user setup, not a delegated one.`, {
      hint: 'Give another --profile for a delegated setup of the same environment.',
    });
  }
  return {
    environments: [profile.environment.url],
    appId: profile.clientId,
    appName: flags.appName ?? profile.appDisplayName,
    publicClient: flags.publicClient || profile.delegated?.publicClient === true,
    redirectUris: [...new Set([...(profile.delegated?.redirectUris ?? []), ...flags.redirectUris])],
  };
}
