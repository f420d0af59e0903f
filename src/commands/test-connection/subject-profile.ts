// The setup under test, read from a profile and its keychain item.
import { DynauthError, MissingInputError, UsageError } from '../../cli/errors.ts';
import { describeDataverseHosts, isDataverseHost, type Cloud } from '../../clouds.ts';
import type { Deps } from '../../deps.ts';
import type { Profile } from '../../profiles/profile.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import { parseConnectionString } from '../../secrets/connection-string.ts';
import { StoredConnectionMissing } from '../../steps/diagnose-storage.ts';
import { openStorage, storeOfProfile } from '../../steps/open-storage.ts';
import type { ConnectionSubject } from '../../steps/connection-report.ts';
import type { Storage } from '../init/store.ts';
import type { TestConnectionFlags } from './flags.ts';

export async function openProfiles(deps: Pick<Deps, 'env' | 'platform' | 'homedir'>): Promise<ProfileStore> {
  const [{ ProfileStore }, { resolveProfilesDir }] = await Promise.all([import('../../profiles/profile-store.ts'), import('../../profiles/paths.ts')]);
  return new ProfileStore(resolveProfilesDir({ env: deps.env, homedir: deps.homedir, platform: deps.platform }));
}

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
  const name = names.length === 1 ? names[0]! : await deps.prompter.select({ message: 'Which profile?', choices: names.map((n) => ({ name: n, value: n })) });
  return (await profiles.read(name))!;
}

type StorageDeps = Pick<Deps, 'env' | 'platform' | 'homedir' | 'canPrompt' | 'prompter' | 'redactor'>;
type StorageFlags = Pick<TestConnectionFlags, 'store' | 'passphrase' | 'usePassphrase'>;

export interface ProfileStorages {
  /** The store this profile's credential was saved in, sealed the way the profile records. */
  of(profile: Profile): Storage;
  /** Where the credentials are, for messages ("OS keychain (service …)", "encrypted files in …"). */
  description: string;
}

/** The credential store of one profile, opened with the passphrase it needs (asked in a terminal). */
export async function openStorageFor(deps: StorageDeps, profile: Profile, flags: StorageFlags): Promise<Storage> {
  return (await openStoragesFor(deps, [profile], flags)).of(profile);
}

/**
 * Each profile's own store (a keychain profile beside a --store file one), with its own sealing: a
 * passphrase only for the profiles that were stored with one, so a rotation keeps each as it was.
 * `--store` decides only for profiles written before the store was recorded.
 */
export async function openStoragesFor(deps: StorageDeps, profiles: Profile[], flags: StorageFlags): Promise<ProfileStorages> {
  const passphrase = await passphraseFor(deps, profiles, flags);
  const opened = new Map<string, Promise<Storage>>();
  const byProfile = new Map<string, Storage>();
  for (const profile of profiles) {
    const store = await storeOfProfile(deps, profile, flags.store);
    const sealing = profile.keychain.passphrase ? passphrase : undefined;
    const key = `${store}:${sealing === undefined ? 'data-key' : 'passphrase'}`;
    if (!opened.has(key)) opened.set(key, openStorage(deps, { store, passphrase: sealing }));
    byProfile.set(profile.name, await opened.get(key)!);
  }
  const descriptions = [...new Set([...byProfile.values()].map((storage) => storage.vault.description))];
  return {
    of(profile) {
      const storage = byProfile.get(profile.name);
      if (!storage) throw new Error(`The store of profile "${profile.name}" was not opened.`);
      return storage;
    },
    description: descriptions.join(' and ') || (flags.store === 'file' ? 'the encrypted file store' : 'the OS keychain'),
  };
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

export function profileSubject(profile: Profile, storage: Storage): ConnectionSubject {
  return {
    profile: profile.name,
    appName: profile.appDisplayName,
    tenant: profile.tenantId,
    clientId: profile.clientId,
    environmentUrl: profile.environment.url,
    credential: { type: profile.credential.type, keyId: profile.credential.keyId, thumbprint: profile.credential.thumbprint, expiresOn: profile.credential.expiresOn },
    expectedPrivileges: profile.expectedPrivileges,
    recordedRoles: profile.roles.map((role) => role.name),
    recordedApplicationUserId: profile.applicationUserId || undefined,
    async loadSecret() {
      const stored = await storage.vault.loadConnection(profile.name);
      if (!stored) throw new StoredConnectionMissing(`No stored credential for profile "${profile.name}" in ${storage.vault.description}.`);
      const fields = parseConnectionString(stored.connectionString);
      if (profile.credential.type === 'secret' && fields.clientSecret) return { kind: 'secret', clientSecret: fields.clientSecret };
      if (profile.credential.type === 'certificate' && stored.privateKeyPem && profile.credential.certificatePem) {
        return { kind: 'certificate', pem: `${stored.privateKeyPem}${profile.credential.certificatePem}` };
      }
      throw new StoredConnectionMissing(`The stored credential of profile "${profile.name}" is not the ${profile.credential.type} the profile records.`);
    },
  };
}

async function passphraseFor(
  deps: Pick<Deps, 'canPrompt' | 'prompter'>,
  profiles: Profile[],
  flags: Pick<TestConnectionFlags, 'store' | 'passphrase' | 'usePassphrase'>,
): Promise<string | undefined> {
  const needed = profiles.some((p) => p.keychain.passphrase);
  if (!needed || flags.passphrase) return flags.passphrase;
  const names = profiles.map((p) => p.name).join(', ');
  if (!deps.canPrompt) throw new MissingInputError([`DYNAUTH_PASSPHRASE (the stored credential of ${names} is encrypted with a passphrase)`]);
  return deps.prompter.password({ message: `Passphrase that encrypts the stored credential of ${names}` });
}

/** Records a successful test; re-reads first, since another dynauth may have changed the profile meanwhile. */
export async function recordSuccess(profiles: ProfileStore, profile: Profile, now: Date): Promise<void> {
  const latest = (await profiles.read(profile.name)) ?? profile;
  await profiles.write({ ...latest, lastSuccessfulTest: now.toISOString(), updatedOn: now.toISOString() });
}
