// Which profile a command works on, and whether it may be used in this cloud.
import { DynauthError, MissingInputError, UsageError } from '../cli/errors.ts';
import { describeDataverseHosts, isDataverseHost, type Cloud } from '../clouds.ts';
import type { Deps } from '../deps.ts';
import type { Profile } from '../profiles/profile.ts';
import type { ProfileStore } from '../profiles/profile-store.ts';

/** The named profile, the only one, or the one chosen in a terminal; an unknown name lists the known ones. */
export async function chooseProfile(
  deps: Pick<Deps, 'canPrompt' | 'prompter'>,
  profiles: ProfileStore,
  wanted: string | undefined,
  noneHint = 'Run dynauth init, or test a setup made by hand: --environment <url> --tenant <id|domain> --client-id <id> --client-secret-stdin.',
): Promise<Profile> {
  const names = await profiles.list();
  if (wanted !== undefined) {
    const profile = await profiles.read(wanted);
    const known = names.length ? `known: ${names.join(', ')}` : 'there are none yet: run dynauth init';
    if (!profile) throw new UsageError(`No profile "${wanted}" (${known}).`, { code: 'unknown-profile' });
    return profile;
  }
  if (!names.length) {
    throw new UsageError('No profiles yet.', { hint: noneHint, code: 'no-profiles' });
  }
  if (names.length > 1 && !deps.canPrompt) throw new MissingInputError([`--profile <name> (one of: ${names.join(', ')})`]);
  const name =
    names.length === 1
      ? names[0]!
      : await deps.prompter.select({ message: 'Which profile?', choices: names.map((n) => ({ name: n, value: n })) });
  return (await profiles.read(name))!;
}

/**
 * Without a terminal, the --profile a command would have to ask for (several profiles, none named),
 * so that a usage error can list it beside the command's other missing flags.
 */
export async function missingProfileFlag(
  deps: Pick<Deps, 'canPrompt'>,
  profiles: ProfileStore,
  wanted: string | undefined,
): Promise<string[]> {
  if (wanted !== undefined || deps.canPrompt) return [];
  const names = await profiles.list();
  return names.length > 1 ? [`--profile <name> (one of: ${names.join(', ')})`] : [];
}

/** Every profile that can be read (rotate-secret --all). */
export async function readAllProfiles(profiles: ProfileStore): Promise<Profile[]> {
  const found: Profile[] = [];
  for (const name of await profiles.list()) {
    const profile = await profiles.read(name);
    if (profile) found.push(profile);
  }
  return found;
}

/** The profile belongs to this cloud, and (a custom cloud's profile is checked only here) its URL too. */
export function assertSameCloud(profile: Profile, cloud: Cloud): void {
  if (profile.cloud !== cloud.name) {
    throw new UsageError(`Profile "${profile.name}" was set up in the ${profile.cloud} cloud, not ${cloud.name}.`, {
      hint: profile.cloud === 'custom' ? 'Pass the same --cloud-config as when it was set up.' : `Pass --cloud ${profile.cloud}.`,
    });
  }
  const host = new URL(profile.environment.url).hostname;
  if (isDataverseHost(cloud, host)) return;
  // Never a token for a host the cloud does not own: a file that names one was edited.
  throw new DynauthError(
    `Profile "${profile.name}": its environment ${host} is not a Dataverse host of the ${cloud.name} cloud (${describeDataverseHosts(cloud)}), which dynauth never records: the file was edited, and is not used.`,
    {
      hint: `If you did not edit it yourself, treat it as tampered with: delete it and run dynauth init --profile ${profile.name} again.`,
      code: 'profile-tampered',
    },
  );
}
