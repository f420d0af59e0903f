// A profile's credential in the store: saved one way by init and rotation alike (the connection
// string, a certificate's private key, the key id, sealed together), and read back one way.
import type { Application } from '../clients/graph.ts';
import type { Profile } from '../profiles/profile.ts';
import { parseConnectionString } from '../secrets/connection-string.ts';
import type { ConnectionSlot } from '../secrets/vault.ts';
import { connectionStringFor, credentialFrom, type StoredCredential } from './credential.ts';
import type { Storage } from './storage.ts';

/** Where a credential is used: a profile and its environment. */
export interface CredentialTarget {
  profile: string;
  url: string;
}

/**
 * Seals the credential as the profile's connection ("next" while a rotation proves it). A
 * certificate's public part is not in the item: the profile records it.
 */
export async function storeCredential(
  storage: Storage,
  target: CredentialTarget,
  clientId: string,
  credential: StoredCredential,
  slot: ConnectionSlot = 'current',
): Promise<void> {
  const privateKeyPem = credential.kind === 'certificate' ? credential.privateKeyPem : undefined;
  await storage.vault.saveConnection(target.profile, connectionStringFor(target.url, clientId, credential), {
    slot,
    privateKeyPem,
    keyId: credential.keyId,
  });
}

/**
 * The profile's stored connection, and the credential in it as the profile records it: undefined
 * when there is no item; `credential` undefined when the item holds another kind of credential.
 */
export async function readCredential(
  storage: Storage,
  profile: Profile,
): Promise<{ connectionString: string; credential: StoredCredential | undefined } | undefined> {
  const stored = await storage.vault.loadConnection(profile.name);
  if (!stored) return undefined;
  const credential = profile.credential ? credentialFrom(stored, profile.credential) : undefined;
  return { connectionString: stored.connectionString, credential };
}

/** The targets whose item does not hold this credential yet (e.g. an added environment). */
export async function targetsLacking<T extends CredentialTarget>(
  storage: Storage,
  targets: T[],
  clientId: string,
  credential: StoredCredential,
): Promise<T[]> {
  const lacking: T[] = [];
  for (const target of targets) {
    const stored = await storage.vault.loadConnection(target.profile).catch(() => undefined);
    if (stored?.connectionString !== connectionStringFor(target.url, clientId, credential)) lacking.push(target);
  }
  return lacking;
}

/**
 * The credential a previous run stored for this profile, if it belongs to this app and Entra
 * still lists it unexpired; otherwise a new one is made. Which key it is comes from the item
 * itself (sealed with the secret), so a run cut short before writing the profile is no loss;
 * items from before dynauth recorded it there fall back on the profile's record.
 */
export async function lookupStoredCredential(
  storage: Storage,
  profileName: string,
  app: Application,
  now: Date,
): Promise<StoredCredential | undefined> {
  const profile = await storage.profiles.read(profileName).catch(() => undefined);
  const stored = await storage.vault.loadConnection(profileName).catch(() => undefined);
  if (!stored) return undefined;
  const fields = parseConnectionString(stored.connectionString);
  if (fields.clientId.toLowerCase() !== app.appId.toLowerCase()) return undefined;
  const keyId = stored.keyId ?? (profile?.clientId === app.appId ? profile.credential?.keyId : undefined);
  const onApp = [...app.passwordCredentials, ...app.keyCredentials].find((key) => key.keyId === keyId);
  if (!keyId || !onApp?.endDateTime || Date.parse(onApp.endDateTime) <= now.getTime()) return undefined;
  const expiresOn = onApp.endDateTime;
  if (fields.clientSecret) return credentialFrom(stored, { type: 'secret', keyId, expiresOn });
  if (profile?.credential?.keyId === keyId && profile.credential.type === 'certificate')
    return credentialFrom(stored, { ...profile.credential, expiresOn });
  return undefined;
}
