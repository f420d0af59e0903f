import { UsageError } from '../../cli/errors.ts';
import type { Storage } from '../../connection/storage.ts';
import type { InitFlags } from './flags.ts';
import type { InitAnswers } from './model.ts';

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

/** A profile keeps its flow: an app-user profile is never turned into a delegated one by a re-run, nor the reverse. */
export async function assertFlowKept(storage: Storage, answers: Pick<InitAnswers, 'flow' | 'targets'>): Promise<void> {
  for (const { profile: name } of answers.targets) {
    const existing = await storage.profiles.read(name).catch(() => undefined);
    const flow = existing?.flow ?? 'app-user';
    if (!existing || flow === answers.flow) continue;
    throw new UsageError(
      `Profile "${name}" is ${flow === 'delegated' ? 'a delegated setup' : 'an app-user setup'}; this run sets up ${answers.flow === 'delegated' ? 'a delegated one' : 'an app-user one'}.`,
      {
        hint: `Give another --profile${answers.flow === 'delegated' ? ' (and --app-name)' : ''}, or --flow ${flow} to update this one.`,
        code: 'profile-taken',
      },
    );
  }
}
