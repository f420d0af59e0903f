import { UsageError } from '../../cli/errors.ts';
import { parseConnectionString, formatConnectionString } from '../../secrets/connection-string.ts';
import type { Vault } from '../../secrets/vault.ts';
import type { Application } from '../../clients/graph.ts';
import type { Profile } from '../../profiles/profile.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import type { InitAnswers, StoredCredential } from './model.ts';

export interface Storage {
  vault: Vault;
  profiles: ProfileStore;
  /** Proves the store takes writes and readies its sealing key: run while the admin signs in. */
  prepareToSave(): Promise<void>;
}

export function connectionStringFor(url: string, clientId: string, credential: StoredCredential): string {
  return credential.secret.kind === 'secret'
    ? formatConnectionString({ authType: 'ClientSecret', url, clientId, clientSecret: credential.secret.clientSecret })
    : formatConnectionString({ authType: 'Certificate', url, clientId, thumbprint: credential.thumbprint! });
}

/** Saves the credential for every target profile: the keychain item first, then the profile's facts. */
export async function saveCredential(storage: Storage, targets: InitAnswers['targets'], app: Application, credential: StoredCredential): Promise<void> {
  for (const target of targets) {
    const privateKeyPem = credential.secret.kind === 'certificate' ? credential.secret.pem : undefined;
    await storage.vault.saveConnection(target.profile, connectionStringFor(target.url, app.appId, credential), { privateKeyPem, keyId: credential.keyId });
  }
}

/** The targets whose keychain item does not hold this credential yet (e.g. an added environment). */
export async function targetsLacking(storage: Storage, targets: InitAnswers['targets'], app: Application, credential: StoredCredential): Promise<InitAnswers['targets']> {
  const lacking: InitAnswers['targets'] = [];
  for (const target of targets) {
    const stored = await storage.vault.loadConnection(target.profile).catch(() => undefined);
    if (stored?.connectionString !== connectionStringFor(target.url, app.appId, credential)) lacking.push(target);
  }
  return lacking;
}

/**
 * The credential a previous run stored for this profile, if it belongs to this app and Entra
 * still lists it unexpired; otherwise a new one is made. Which key it is comes from the keychain
 * item itself (sealed with the secret), so a run cut short before writing the profile is no loss;
 * items from before dynauth recorded it there fall back on the profile's record.
 */
export async function lookupStoredCredential(storage: Storage, profileName: string, app: Application, now: Date): Promise<StoredCredential | undefined> {
  const profile = await storage.profiles.read(profileName).catch(() => undefined);
  const stored = await storage.vault.loadConnection(profileName).catch(() => undefined);
  if (!stored) return undefined;
  const fields = parseConnectionString(stored.connectionString);
  if (fields.clientId.toLowerCase() !== app.appId.toLowerCase()) return undefined;
  const keyId = stored.keyId ?? (profile?.clientId === app.appId ? profile.credential.keyId : undefined);
  const onApp = [...app.passwordCredentials, ...app.keyCredentials].find((key) => key.keyId === keyId);
  if (!keyId || !onApp?.endDateTime || Date.parse(onApp.endDateTime) <= now.getTime()) return undefined;
  if (fields.clientSecret) {
    return { secret: { kind: 'secret', clientSecret: fields.clientSecret }, keyId, expiresOn: onApp.endDateTime };
  }
  if (profile?.credential.keyId === keyId && profile.credential.type === 'certificate' && stored.privateKeyPem && profile.credential.certificatePem) {
    return {
      secret: { kind: 'certificate', pem: `${stored.privateKeyPem}${profile.credential.certificatePem}` },
      keyId: profile.credential.keyId,
      expiresOn: onApp.endDateTime,
      thumbprint: profile.credential.thumbprint,
      certificatePem: profile.credential.certificatePem,
    };
  }
  return undefined;
}

export type ProfileDraft = Omit<Profile, 'version' | 'createdOn' | 'updatedOn' | 'keychain'>;

/**
 * Records a new credential at once: on a complete profile of the same app only its credential
 * changes, so an interrupted re-run never leaves a profile with its other facts blanked.
 */
export async function writeCredentialFacts(storage: Storage, draft: ProfileDraft, now: Date): Promise<void> {
  const previous = await storage.profiles.read(draft.name).catch(() => undefined);
  if (previous && previous.clientId === draft.clientId) {
    await storage.profiles.write({ ...previous, credential: draft.credential, keychain: storage.vault.keychainReference(draft.name), updatedOn: now.toISOString() });
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
export async function assertProfilesFree(storage: Storage, answers: InitAnswers, appId: string | undefined): Promise<void> {
  for (const target of answers.targets) {
    const existing = await storage.profiles.read(target.profile).catch(() => undefined);
    if (!existing || existing.clientId === appId) continue;
    throw new UsageError(`Profile "${target.profile}" already belongs to the app "${existing.appDisplayName}" (client id ${existing.clientId}).`, {
      hint: `Pick another --profile, use --app-name "${existing.appDisplayName}" to update it, or remove ${storage.profiles.fileFor(target.profile)} if that app is gone.`,
      code: 'profile-taken',
    });
  }
}
