import { DEFAULT_KEYCHAIN_SERVICE } from '../../secrets/vault.ts';
// What `status` knows about each profile from local state alone.
import { join } from 'node:path';
import type { Deps } from '../../deps.ts';
import type { Profile } from '../../profiles/profile.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import { daysLeft } from '../../steps/test-connection-expiry.ts';
import type { ConnectionReport } from '../../steps/test-connection.ts';

export interface StatusRow {
  profile: string;
  environment: { url: string; displayName?: string } | undefined;
  app: { displayName: string; clientId: string } | undefined;
  tenantId: string | undefined;
  credential: { type: string; keyId: string; expiresOn: string; daysLeft: number } | undefined;
  lastSuccessfulTest: string | undefined;
  keychainItem: 'present' | 'missing' | 'unknown';
  /** Credentials a rotation replaced that stay valid until `rotate-secret --finish`. */
  pendingRevocation?: Array<{ type: string; keyId: string; expiresOn: string; replacedOn: string }>;
  /** The profile file could not be read. */
  problem?: string;
  check?: ConnectionReport;
}

export async function readRows(deps: Pick<Deps, 'env' | 'platform' | 'clock'>, profiles: ProfileStore, store: 'keychain' | 'file'): Promise<Array<{ row: StatusRow; profile?: Profile }>> {
  const present = await itemPresence(deps, profiles.directory, store);
  const now = deps.clock.now();
  return Promise.all(
    (await profiles.list()).map(async (name) => {
      let profile: Profile | undefined;
      try {
        profile = await profiles.read(name);
      } catch (error) {
        const problem = error instanceof Error ? error.message : String(error);
        return { row: { profile: name, environment: undefined, app: undefined, tenantId: undefined, credential: undefined, lastSuccessfulTest: undefined, keychainItem: 'unknown', problem } };
      }
      const p = profile!;
      const row: StatusRow = {
        profile: name,
        environment: { url: p.environment.url, displayName: p.environment.displayName },
        app: { displayName: p.appDisplayName, clientId: p.clientId },
        tenantId: p.tenantId,
        credential: { type: p.credential.type, keyId: p.credential.keyId, expiresOn: p.credential.expiresOn, daysLeft: daysLeft(p.credential.expiresOn, now) },
        lastSuccessfulTest: p.lastSuccessfulTest,
        keychainItem: await present(p.keychain.account),
        ...(p.pendingRevocation?.length ? { pendingRevocation: p.pendingRevocation } : {}),
      };
      return { row, profile: p };
    }),
  );
}

/** Whether a profile's item exists, without decrypting it (so without any passphrase). */
async function itemPresence(deps: Pick<Deps, 'env' | 'platform'>, profilesDir: string, store: 'keychain' | 'file'): Promise<(account: string) => Promise<StatusRow['keychainItem']>> {
  const secrets =
    store === 'file'
      ? (await import('../../secrets/file-store.ts')).createFileStore(join(profilesDir, 'encrypted'))
      : (await import('../../secrets/keyring-store.ts')).createKeyringStore(deps.env.DYNAUTH_KEYCHAIN_SERVICE || DEFAULT_KEYCHAIN_SERVICE, { platform: deps.platform });
  return async (account) => {
    try {
      return (await secrets.get(account)) === undefined ? 'missing' : 'present';
    } catch {
      return 'unknown';
    }
  };
}

