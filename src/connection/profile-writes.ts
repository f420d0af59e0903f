// Writing a profile file: every write keeps what an earlier run or another dynauth recorded.
import { UsageError } from '../cli/errors.ts';
import type { Profile } from '../profiles/profile.ts';
import type { ProfileStore } from '../profiles/profile-store.ts';
import type { Storage } from './storage.ts';

export type ProfileDraft = Omit<Profile, 'version' | 'createdOn' | 'updatedOn' | 'keychain'>;

/**
 * Records a new credential at once: on a complete profile of the same app only its credential
 * changes, so an interrupted re-run never leaves a profile with its other facts blanked.
 */
export async function writeCredentialFacts(storage: Storage, draft: ProfileDraft, now: Date): Promise<void> {
  const previous = await storage.profiles.read(draft.name).catch(() => undefined);
  if (previous && previous.clientId === draft.clientId) {
    await storage.profiles.write({
      ...previous,
      credential: draft.credential,
      keychain: storage.vault.keychainReference(draft.name),
      updatedOn: now.toISOString(),
    });
  } else {
    await writeProfile(storage, draft, now);
  }
}

export async function writeProfile(storage: Storage, draft: ProfileDraft, now: Date): Promise<Profile> {
  const previous = await storage.profiles.read(draft.name).catch(() => undefined);
  const profile: Profile = {
    ...previous,
    ...draft,
    version: 1,
    keychain: storage.vault.keychainReference(draft.name),
    createdOn: previous?.createdOn ?? now.toISOString(),
    updatedOn: now.toISOString(),
  };
  await storage.profiles.write(profile);
  return profile;
}

/** A profile belongs to one app: init never silently repoints it at another. */
export async function assertProfilesFree(storage: Storage, profileNames: string[], appId: string | undefined): Promise<void> {
  for (const name of profileNames) {
    const existing = await storage.profiles.read(name).catch(() => undefined);
    if (!existing || existing.clientId === appId) continue;
    throw new UsageError(`Profile "${name}" already belongs to the app "${existing.appDisplayName}" (client id ${existing.clientId}).`, {
      hint: `Pick another --profile, use --app-name "${existing.appDisplayName}" to update it, or remove ${storage.profiles.fileFor(name)} if that app is gone.`,
      code: 'profile-taken',
    });
  }
}

/** Records a successful test; re-reads first, since another dynauth may have changed the profile meanwhile. */
export async function recordSuccess(profiles: ProfileStore, profile: Profile, now: Date): Promise<void> {
  const latest = (await profiles.read(profile.name)) ?? profile;
  await profiles.write({ ...latest, lastSuccessfulTest: now.toISOString(), updatedOn: now.toISOString() });
}
