// Opening the store of each chosen profile, sealed the way that profile records.
import { MissingInputError } from '../cli/errors.ts';
import type { Deps } from '../deps.ts';
import type { CredentialStore, Profile } from '../profiles/profile.ts';
import { openStorage, storeOfProfile, type Storage } from './storage.ts';

type StorageDeps = Pick<Deps, 'env' | 'platform' | 'homedir' | 'canPrompt' | 'prompter' | 'redactor'>;

export interface StorageFlags {
  /** --store: decides only for profiles written before each recorded its own store. */
  store: CredentialStore;
  /** DYNAUTH_PASSPHRASE; asked in a terminal when a profile needs one and it is not given. */
  passphrase: string | undefined;
}

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

async function passphraseFor(
  deps: Pick<Deps, 'canPrompt' | 'prompter'>,
  profiles: Profile[],
  flags: StorageFlags,
): Promise<string | undefined> {
  const needed = profiles.some((p) => p.keychain.passphrase);
  if (!needed || flags.passphrase) return flags.passphrase;
  const names = profiles.map((p) => p.name).join(', ');
  if (!deps.canPrompt)
    throw new MissingInputError([`DYNAUTH_PASSPHRASE (the stored credential of ${names} is encrypted with a passphrase)`]);
  return deps.prompter.password({ message: `Passphrase that encrypts the stored credential of ${names}` });
}
