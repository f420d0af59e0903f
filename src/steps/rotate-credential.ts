// One profile's rotation as a resumable sequence. The profile's `rotation` record and the vault's
// "next" slot say how far an earlier run got; every step is safe to repeat.
import { randomBytes } from 'node:crypto';
import { DynauthError } from '../cli/errors.ts';
import type { GraphApi } from '../clients/graph.ts';
import type { Cloud } from '../clouds.ts';
import { addKeyCredential, keyCredentialFor, markedBy, onApp, removeCredential } from '../connection/app-credentials.ts';
import { appSecretOf, credentialFrom, factsOf, type CredentialFacts, type StoredCredential } from '../connection/credential.ts';
import { mintCertificate, mintSecret } from '../connection/mint.ts';
import type { Storage } from '../connection/storage.ts';
import { storeCredential } from '../connection/stored-credential.ts';
import type { Deps } from '../deps.ts';
import { utcMinute } from '../util/utc-time.ts';
import type { KeyedProfile, Profile } from '../profiles/profile.ts';
import type { StoredConnection } from '../secrets/vault.ts';
import type { PollWaiting } from '../util/poll.ts';
import { ROTATION_HINTS, secretRefusal } from './credential-policy.ts';
import { proveDelegatedSecret } from './rotate-delegated.ts';
import { verifyNewConnection } from './verify-connection.ts';

export interface RotationContext {
  deps: Pick<Deps, 'http' | 'clock' | 'cancellation' | 'ui'>;
  cloud: Cloud;
  graph: GraphApi;
  storage: Storage;
  waiting: PollWaiting;
  /** --revoke-old: the replaced credential is marked so that a re-run cut short before revoking it finishes the job. */
  revokeOld?: boolean;
}

export interface Rotated {
  profile: KeyedProfile;
  resumed: boolean;
  connectionString: string;
}

type Rotation = NonNullable<Profile['rotation']>;

export async function assertStoredCredential(storage: Storage, profile: KeyedProfile): Promise<void> {
  if (await storage.vault.hasConnection(profile.name)) return;
  throw new DynauthError(
    `No stored credential for profile "${profile.name}" in ${storage.vault.description}, so there is nothing to rotate.`,
    {
      hint: `Run dynauth init --profile ${profile.name} again: it reuses the app and mints a new secret.`,
      code: 'keychain-missing',
    },
  );
}

/** Finishes a rotation an earlier run left; returns undefined when none was under way. */
export async function resumeRotation(ctx: RotationContext, profile: KeyedProfile): Promise<Rotated | undefined> {
  const rotation = profile.rotation;
  if (!rotation) return undefined;
  ctx.deps.ui.step(`Finishing the rotation of ${profile.name} started ${utcMinute(rotation.startedOn)}…`);
  const app = await ctx.graph.getApplication(profile.applicationObjectId);
  const next = rotation.next;
  const switched = next !== undefined && profile.credential.keyId === next.keyId;
  const stored = await ctx.storage.vault.loadConnection(profile.name, 'next');
  const usable = next !== undefined && (switched || (stored !== undefined && (next.type === 'certificate' || onApp(app, next.keyId))));
  if (!usable) {
    await discard(ctx, profile, rotation);
    return undefined;
  }
  if (!switched && next.type === 'certificate') await addKeyCredential(ctx.graph, app, rotationKey(next, rotation.marker));
  if (!switched) profile = await prove(ctx, profile, next, stored!);
  return {
    profile: await switchTo(ctx, profile, rotation, next),
    resumed: true,
    connectionString: (stored ?? (await ctx.storage.vault.loadConnection(profile.name)))!.connectionString,
  };
}

/** Adds a new credential, stores it, proves it, switches the profile to it; the old one is left for revocation. */
export async function rotate(ctx: RotationContext, profile: KeyedProfile, lifetimeDays: number): Promise<Rotated> {
  const now = ctx.deps.clock.now();
  const rotation: Rotation = {
    marker: randomBytes(4).toString('hex'),
    startedOn: now.toISOString(),
    replaces: { type: profile.credential.type, keyId: profile.credential.keyId, expiresOn: profile.credential.expiresOn },
  };
  await ctx.storage.prepareToSave(); // a store that refuses writes is found before anything is added on the app
  profile = await save(ctx, { ...profile, rotation });
  const app = await ctx.graph.getApplication(profile.applicationObjectId);
  const label = `dynauth ${now.toISOString().slice(0, 10)} rotation ${rotation.marker}`;
  let next: CredentialFacts;
  if (profile.credential.type === 'secret') {
    next = await ctx.deps.cancellation.critical(async () => {
      const refused = async (error: unknown) => {
        await removeMarked(ctx, profile, rotation).catch(() => undefined); // an answer lost after the secret was made
        return secretRefusal(error, lifetimeDays, ROTATION_HINTS(profile.name)) ?? error;
      };
      const credential = await mintSecret(
        ctx.graph,
        app,
        { displayName: label, lifetimeDays, now },
        (minted) => storeNext(ctx, profile, minted),
        refused,
      );
      const facts = factsOf(credential, lifetimeDays, now);
      profile = await save(ctx, { ...profile, rotation: { ...rotation, next: facts } });
      return facts;
    });
  } else {
    const { credential } = mintCertificate(profile.appDisplayName, lifetimeDays, now);
    await storeNext(ctx, profile, credential);
    next = factsOf(credential, lifetimeDays, now);
    profile = await save(ctx, { ...profile, rotation: { ...rotation, next } });
    await addKeyCredential(ctx.graph, app, rotationKey(next, rotation.marker));
  }
  ctx.deps.ui.success(
    `New ${next.type === 'secret' ? 'client secret' : 'certificate'} added and saved to ${ctx.storage.vault.description}`,
  );
  const stored = (await ctx.storage.vault.loadConnection(profile.name, 'next'))!;
  profile = await prove(ctx, profile, next, stored);
  return { profile: await switchTo(ctx, profile, profile.rotation!, next), resumed: false, connectionString: stored.connectionString };
}

async function storeNext(ctx: RotationContext, profile: KeyedProfile, credential: StoredCredential): Promise<void> {
  await storeCredential(ctx.storage, { profile: profile.name, url: profile.environment.url }, profile.clientId, credential, 'next');
}

/** Proves the new credential as the integration uses it; returns the profile as the proof left it. */
async function prove(ctx: RotationContext, profile: KeyedProfile, next: CredentialFacts, stored: StoredConnection): Promise<KeyedProfile> {
  const credential = credentialFrom(stored, next);
  if (!credential)
    throw new DynauthError(
      `The rotated credential of profile "${profile.name}" in ${ctx.storage.vault.description} is not the ${next.type} the profile records.`,
    );
  // A delegated app has no application user: its secret is proved by redeeming the user's refresh token with it.
  if (profile.flow === 'delegated') return proveDelegatedSecret(ctx, profile, credential);
  const secret = appSecretOf(credential);
  const verified = await verifyNewConnection(
    ctx.deps,
    ctx.cloud,
    { tenantId: profile.tenantId, clientId: profile.clientId, secret, environmentUrl: profile.environment.url, expectedPrivileges: [] },
    ctx.waiting,
  );
  ctx.deps.ui.success(`New credential works: WhoAmI answered as user ${verified.whoAmI.UserId}`);
  return profile;
}

/** Profile first, then the keychain: whichever step is cut short, the rotation record says what is left. */
async function switchTo(ctx: RotationContext, profile: KeyedProfile, rotation: Rotation, next: CredentialFacts): Promise<KeyedProfile> {
  if (profile.credential.keyId !== next.keyId) profile = await save(ctx, { ...profile, credential: next });
  if (await ctx.storage.vault.hasConnection(profile.name, 'next')) await ctx.storage.vault.promote(profile.name);
  const pending = (profile.pendingRevocation ?? []).filter((entry) => entry.keyId !== rotation.replaces.keyId);
  const { rotation: _done, ...rest } = profile;
  const replaced = {
    ...rotation.replaces,
    replacedOn: ctx.deps.clock.now().toISOString(),
    ...(ctx.revokeOld ? { revokeRequested: true } : {}),
  };
  return save(ctx, { ...rest, pendingRevocation: [...pending, replaced] });
}

/** Undoes a rotation that never stored its credential: what it added on the app is removed. */
async function discard(ctx: RotationContext, profile: KeyedProfile, rotation: Rotation): Promise<void> {
  await removeMarked(ctx, profile, rotation);
  if (rotation.next && (await mayRemoveNext(ctx, profile, rotation, rotation.next.keyId))) {
    await removeCredential(ctx.graph, profile.applicationObjectId, rotation.next.type, rotation.next.keyId);
  }
  await ctx.storage.vault.deleteSlot(profile.name, 'next');
  const { rotation: _undone, ...rest } = profile;
  await save(ctx, rest);
  ctx.deps.ui.info(`The interrupted rotation of ${profile.name} had not stored its credential; what it added on the app was removed.`);
}

async function removeMarked(ctx: RotationContext, profile: KeyedProfile, rotation: Rotation): Promise<void> {
  const app = await ctx.graph.getApplication(profile.applicationObjectId);
  for (const key of markedBy(app, rotation.marker)) {
    if (key.keyId !== profile.credential.keyId) await removeCredential(ctx.graph, app.id, key.type, key.keyId);
  }
}

/**
 * The recorded next key is removed only if it is this rotation's (its marker) or not listed yet (a
 * read lagging behind the addPassword): never another key an edited profile names, nor the current one.
 */
async function mayRemoveNext(ctx: RotationContext, profile: KeyedProfile, rotation: Rotation, keyId: string): Promise<boolean> {
  if (keyId === profile.credential.keyId) return false;
  const app = await ctx.graph.getApplication(profile.applicationObjectId);
  return !onApp(app, keyId) || markedBy(app, rotation.marker).some((key) => key.keyId === keyId);
}

async function save(ctx: RotationContext, profile: KeyedProfile): Promise<KeyedProfile> {
  const updated = { ...profile, updatedOn: ctx.deps.clock.now().toISOString() };
  await ctx.storage.profiles.write(updated);
  return updated;
}

/** The rotation's certificate as it goes on the app; its public part comes from the profile, so a resumed run can add it. */
function rotationKey(next: CredentialFacts, marker: string) {
  return keyCredentialFor({ ...next, certificatePem: next.certificatePem! }, `dynauth ${next.createdOn.slice(0, 10)} rotation ${marker}`);
}
