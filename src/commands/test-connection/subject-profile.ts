// The setup under test, read from a profile and its keychain item.
import { MissingInputError, UsageError } from '../../cli/errors.ts';
import type { Cloud } from '../../clouds.ts';
import type { Deps } from '../../deps.ts';
import type { Profile } from '../../profiles/profile.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import { parseConnectionString } from '../../secrets/connection-string.ts';
import { StoredConnectionMissing } from '../../steps/diagnose-storage.ts';
import { openStorage } from '../../steps/open-storage.ts';
import type { ConnectionSubject } from '../../steps/test-connection.ts';
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

/** The credential store, opened with the passphrase these profiles need (asked in a terminal). */
export async function openStorageFor(
  deps: Pick<Deps, 'env' | 'platform' | 'homedir' | 'canPrompt' | 'prompter' | 'redactor'>,
  profiles: Profile[],
  flags: Pick<TestConnectionFlags, 'store' | 'passphrase' | 'usePassphrase'>,
): Promise<Storage> {
  return openStorage(deps, { store: flags.store, passphrase: await passphraseFor(deps, profiles, flags) });
}

export function assertSameCloud(profile: Profile, cloud: Cloud): void {
  if (profile.cloud === cloud.name) return;
  throw new UsageError(`Profile "${profile.name}" was set up in the ${profile.cloud} cloud, not ${cloud.name}.`, {
    hint: profile.cloud === 'custom' ? 'Pass the same --cloud-config as when it was set up.' : `Pass --cloud ${profile.cloud}.`,
  });
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
  const needed = profiles.some((p) => p.keychain.passphrase) || flags.store === 'file' || flags.usePassphrase;
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
