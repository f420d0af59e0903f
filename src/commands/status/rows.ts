import { DEFAULT_KEYCHAIN_SERVICE } from '../../secrets/vault.ts';
// What `status` knows about each profile from local state alone.
import { join } from 'node:path';
import { DynauthError } from '../../cli/errors.ts';
import type { Deps } from '../../deps.ts';
import type { CredentialStore, Profile } from '../../profiles/profile.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import type { SecretStore } from '../../secrets/secret-store.ts';
import { storeOfProfile } from '../../connection/storage.ts';
import { idleDaysLeft } from '../../steps/test-connection-delegated.ts';
import { daysLeft } from '../../steps/test-connection-expiry.ts';
import { isStale } from '../../steps/deliver-destinations.ts';
import type { ConnectionReport } from '../../steps/connection-report.ts';

export interface StatusRow {
  profile: string;
  environment: { url: string; displayName?: string } | undefined;
  app: { displayName: string; clientId: string } | undefined;
  tenantId: string | undefined;
  credential: { type: string; keyId: string; expiresOn: string; daysLeft: number } | undefined;
  lastSuccessfulTest: string | undefined;
  /** none: a federated profile, which has nothing to keep. */
  keychainItem: 'present' | 'missing' | 'unknown' | 'none';
  /** Where the credential is kept: the OS keychain or the encrypted file store (--store file). */
  store?: CredentialStore;
  /** A delegated profile: whom it acts as, and its refresh token's health (Entra ends one after 90 days unused). */
  delegated?: {
    publicClient: boolean;
    user?: string;
    refreshToken: { lastRedeemedOn?: string; daysLeft?: number };
  };
  /** A federated profile: the issuers and subjects whose tokens sign the app in (no secret exists). */
  federation?: Array<{ name: string; issuer: string; subject: string }>;
  /** Where the credential is delivered (--push), the key each last received, and whether that is the current one. */
  destinations?: Array<{ spec: string; lastKeyId?: string; lastDeliveredOn?: string; stale: boolean }>;
  /** Credentials a rotation replaced that stay valid until `rotate-secret --finish`. */
  pendingRevocation?: Array<{ type: string; keyId: string; expiresOn: string; replacedOn: string }>;
  /** The profile file could not be read. */
  problem?: string;
  /** The problem's stable code, the one every command's --json gives for it (profile-tampered, unsafe-location, …). */
  problemCode?: string;
  check?: ConnectionReport;
}

/** `store` (--store) is only for profiles written before each recorded its own store. */
export async function readRows(
  deps: Pick<Deps, 'env' | 'platform' | 'homedir' | 'clock'>,
  profiles: ProfileStore,
  store: CredentialStore,
): Promise<Array<{ row: StatusRow; profile?: Profile }>> {
  const present = itemPresence(deps, profiles.directory);
  const now = deps.clock.now();
  return Promise.all(
    (await profiles.list()).map(async (name) => {
      let profile: Profile | undefined;
      try {
        profile = await profiles.read(name);
      } catch (error) {
        const problem = error instanceof Error ? error.message : String(error);
        const problemCode = error instanceof DynauthError ? error.code : 'unexpected';
        return {
          row: {
            profile: name,
            environment: undefined,
            app: undefined,
            tenantId: undefined,
            credential: undefined,
            lastSuccessfulTest: undefined,
            keychainItem: 'unknown',
            problem,
            problemCode,
          },
        };
      }
      const p = profile!;
      const kept = await storeOfProfile(deps, p, store);
      const row: StatusRow = {
        profile: name,
        environment: { url: p.environment.url, displayName: p.environment.displayName },
        app: { displayName: p.appDisplayName, clientId: p.clientId },
        tenantId: p.tenantId,
        credential: p.credential && {
          type: p.credential.type,
          keyId: p.credential.keyId,
          expiresOn: p.credential.expiresOn,
          daysLeft: daysLeft(p.credential.expiresOn, now),
        },
        lastSuccessfulTest: p.lastSuccessfulTest,
        keychainItem: await itemsPresent(present, kept, p),
        ...(p.flow === 'delegated' ? { delegated: delegatedHealth(p, now) } : {}),
        ...(p.federation?.length ? { federation: p.federation.map(({ name, issuer, subject }) => ({ name, issuer, subject })) } : {}),
        store: kept,
        ...(p.pendingRevocation?.length ? { pendingRevocation: p.pendingRevocation } : {}),
        ...(p.destinations?.length ? { destinations: p.destinations.map((d) => ({ ...d, stale: isStale(p, d) })) } : {}),
      };
      return { row, profile: p };
    }),
  );
}

/** A delegated profile's items: its refresh token, and the client secret unless it is a public client. */
async function itemsPresent(
  present: (store: CredentialStore, account: string) => Promise<StatusRow['keychainItem']>,
  store: CredentialStore,
  p: Profile,
): Promise<StatusRow['keychainItem']> {
  if (p.federation?.length && !p.credential) return 'none';
  if (p.flow !== 'delegated') return present(store, p.keychain.account);
  const accounts = [`${p.keychain.account}#refresh`, ...(p.delegated?.publicClient ? [] : [p.keychain.account])];
  const states = await Promise.all(accounts.map((account) => present(store, account)));
  return states.includes('missing') ? 'missing' : states.includes('unknown') ? 'unknown' : 'present';
}

function delegatedHealth(p: Profile, now: Date): NonNullable<StatusRow['delegated']> {
  const last = p.delegated?.refreshToken?.lastRedeemedOn;
  return {
    publicClient: p.delegated?.publicClient ?? false,
    ...(p.delegated?.user ? { user: p.delegated.user.userPrincipalName } : {}),
    refreshToken: last ? { lastRedeemedOn: last, daysLeft: idleDaysLeft(last, now) } : {},
  };
}

/**
 * Whether a profile's item exists in its store, without decrypting it (so without any passphrase).
 * A store is opened only if some profile uses it: the keychain is not touched for file-store profiles.
 */
function itemPresence(
  deps: Pick<Deps, 'env' | 'platform'>,
  profilesDir: string,
): (store: CredentialStore, account: string) => Promise<StatusRow['keychainItem']> {
  const opened = new Map<CredentialStore, Promise<SecretStore>>();
  const open = async (store: CredentialStore): Promise<SecretStore> =>
    store === 'file'
      ? (await import('../../secrets/file-store.ts')).createFileStore(join(profilesDir, 'encrypted'))
      : (await import('../../secrets/keyring-store.ts')).createKeyringStore(deps.env.DYNAUTH_KEYCHAIN_SERVICE || DEFAULT_KEYCHAIN_SERVICE, {
          platform: deps.platform,
        });
  return async (store, account) => {
    if (!opened.has(store)) opened.set(store, open(store));
    try {
      return (await (await opened.get(store)!).get(account)) === undefined ? 'missing' : 'present';
    } catch {
      return 'unknown';
    }
  };
}
