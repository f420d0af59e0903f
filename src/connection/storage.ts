// Where connections live: the profile files (non-secret facts) and, beside them, the sealed store
// that holds each profile's credential (the OS keychain, or encrypted files with --store file).
import { join } from 'node:path';
import type { Deps } from '../deps.ts';
import type { CredentialStore, Profile } from '../profiles/profile.ts';
import type { ProfileStore } from '../profiles/profile-store.ts';
import type { Vault } from '../secrets/vault.ts';

export interface Storage {
  vault: Vault;
  profiles: ProfileStore;
  /** Proves the store takes writes and readies its sealing key: run while the admin signs in. */
  prepareToSave(): Promise<void>;
}

export interface StorageChoice {
  store: CredentialStore;
  passphrase: string | undefined;
}

type PathDeps = Pick<Deps, 'env' | 'platform' | 'homedir'>;

/** The profile files alone (no store opened): what listing and choosing a profile needs. */
export async function openProfiles(deps: PathDeps): Promise<ProfileStore> {
  const [{ ProfileStore }, { resolveProfilesDir }] = await Promise.all([
    import('../profiles/profile-store.ts'),
    import('../profiles/paths.ts'),
  ]);
  return new ProfileStore(resolveProfilesDir({ env: deps.env, homedir: deps.homedir, platform: deps.platform }));
}

/**
 * Where a profile's credential is kept: what the profile records. One written before dynauth recorded
 * it: the encrypted file store when its item is there (only a passphrase profile can be in it), else
 * `fallback` (--store) for a passphrase profile, else the OS keychain.
 */
export async function storeOfProfile(deps: PathDeps, profile: Profile, fallback: CredentialStore): Promise<CredentialStore> {
  if (profile.keychain.store) return profile.keychain.store;
  if (!profile.keychain.passphrase) return 'keychain';
  const [{ createFileStore }, { resolveProfilesDir }] = await Promise.all([
    import('../secrets/file-store.ts'),
    import('../profiles/paths.ts'),
  ]);
  const files = createFileStore(join(resolveProfilesDir({ env: deps.env, homedir: deps.homedir, platform: deps.platform }), 'encrypted'));
  const inFiles = await files.get(profile.keychain.account).then(
    (item) => item !== undefined,
    () => false,
  );
  return inFiles ? 'file' : fallback;
}

/**
 * The encrypted connection store (OS keychain, or an encrypted file store the user chose) and
 * the profile files beside it. DYNAUTH_KEYCHAIN_SERVICE keeps the sandbox's items apart.
 */
export async function openStorage(deps: PathDeps & Partial<Pick<Deps, 'redactor'>>, choice: StorageChoice): Promise<Storage> {
  const [
    { Vault, DEFAULT_KEYCHAIN_SERVICE },
    { createKeyringStore },
    { createFileStore },
    { ProfileStore },
    { resolveProfilesDir },
    { ensurePrivateDir },
    { probeConfigDir },
  ] = await Promise.all([
    import('../secrets/vault.ts'),
    import('../secrets/keyring-store.ts'),
    import('../secrets/file-store.ts'),
    import('../profiles/profile-store.ts'),
    import('../profiles/paths.ts'),
    import('../secrets/private-files.ts'),
    import('../profiles/config-dir-probe.ts'),
  ]);
  const service = deps.env.DYNAUTH_KEYCHAIN_SERVICE || DEFAULT_KEYCHAIN_SERVICE;
  const profilesDir = resolveProfilesDir({ env: deps.env, homedir: deps.homedir, platform: deps.platform });
  const store =
    choice.store === 'file' ? createFileStore(join(profilesDir, 'encrypted')) : createKeyringStore(service, { platform: deps.platform });
  const vault = new Vault(store, {
    service,
    passphrase: choice.passphrase,
    onSecret: deps.redactor && ((secret) => deps.redactor!.add(secret)),
  });
  return {
    vault,
    profiles: new ProfileStore(profilesDir),
    // A throwaway item written and removed finds an unusable keychain before anything remote is created.
    prepareToSave: async () => {
      // The profile directory too: one that others can write is refused before anything remote exists.
      // Proved usable first, every step within a time limit (a hung mount, a path under /proc).
      await probeConfigDir(profilesDir);
      await ensurePrivateDir(profilesDir);
      await store.set('dynauth:probe', new Uint8Array([1]));
      await store.delete('dynauth:probe');
      await vault.prepareToSeal();
    },
  };
}
