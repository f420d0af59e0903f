import { join } from 'node:path';
import type { Deps } from '../deps.ts';
import type { Storage } from '../commands/init/store.ts';

export interface StorageChoice {
  store: 'keychain' | 'file';
  passphrase: string | undefined;
}

/**
 * The encrypted connection store (OS keychain, or an encrypted file store the user chose) and
 * the profile files beside it. DYNAUTH_KEYCHAIN_SERVICE keeps the sandbox's items apart.
 */
export async function openStorage(deps: Pick<Deps, 'env' | 'platform' | 'homedir'> & Partial<Pick<Deps, 'redactor'>>, choice: StorageChoice): Promise<Storage> {
  const [{ Vault, DEFAULT_KEYCHAIN_SERVICE }, { createKeyringStore }, { createFileStore }, { ProfileStore }, { resolveProfilesDir }] = await Promise.all([
    import('../secrets/vault.ts'),
    import('../secrets/keyring-store.ts'),
    import('../secrets/file-store.ts'),
    import('../profiles/profile-store.ts'),
    import('../profiles/paths.ts'),
  ]);
  const service = deps.env.DYNAUTH_KEYCHAIN_SERVICE || DEFAULT_KEYCHAIN_SERVICE;
  const profilesDir = resolveProfilesDir({ env: deps.env, homedir: deps.homedir, platform: deps.platform });
  const store = choice.store === 'file' ? createFileStore(join(profilesDir, 'encrypted')) : createKeyringStore(service, { platform: deps.platform });
  const vault = new Vault(store, { service, passphrase: choice.passphrase, onSecret: deps.redactor && ((secret) => deps.redactor!.add(secret)) });
  return {
    vault,
    profiles: new ProfileStore(profilesDir),
    // A throwaway item written and removed finds an unusable keychain before anything remote is created.
    prepareToSave: async () => {
      await store.set('dynauth:probe', new Uint8Array([1]));
      await store.delete('dynauth:probe');
      await vault.prepareToSeal();
    },
  };
}
