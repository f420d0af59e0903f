// Revoking the credentials a rotation replaced, one at a time: removed on the app first, then
// dropped from the profile, so a cut-short run leaves at worst an entry whose key is already gone.
import { DynauthError } from '../cli/errors.ts';
import type { GraphApi } from '../clients/graph.ts';
import { hasKeyCredential, type KeyedProfile, type Profile } from '../profiles/profile.ts';
import type { ProfileStore } from '../profiles/profile-store.ts';
import { onApp, removeCredential } from '../connection/app-credentials.ts';
import { assertMintedByDynauth } from './rotate-ownership.ts';

export type PendingEntry = NonNullable<Profile['pendingRevocation']>[number];

export interface Revocation {
  profile: KeyedProfile;
  revoked: string[];
  /** Still in use by another profile of the same app, so only dropped from this one. */
  keptForOthers: string[];
  /** Due, but the admin answered No at the confirmation: still pending. */
  declined: string[];
}

export async function revokePending(
  graph: GraphApi,
  profiles: ProfileStore,
  profile: KeyedProfile,
  due: (entry: PendingEntry) => boolean,
  now: Date,
  /** Asked once before anything still valid is removed; false keeps them all pending. */
  confirm: (entries: PendingEntry[]) => Promise<boolean> = async () => true,
): Promise<Revocation> {
  const result: Revocation = { profile, revoked: [], keptForOthers: [], declined: [] };
  const { inUse, unreadable } = await keysInUseByOthers(profiles, profile);
  const app = profile.pendingRevocation?.length ? await graph.getApplication(profile.applicationObjectId) : undefined;
  const gone = (entry: PendingEntry) => app !== undefined && !onApp(app, entry.keyId); // revoked by a run cut short, or by hand
  const handled = (profile.pendingRevocation ?? []).filter(
    (entry) => entry.keyId !== profile.credential.keyId && (gone(entry) || due(entry)),
  );
  const toRemove = handled.filter((entry) => !gone(entry) && !inUse.has(entry.keyId));
  if (toRemove.length && unreadable.length) throw unknownUse(profile, toRemove, unreadable);
  if (app)
    assertMintedByDynauth(
      app,
      profile,
      toRemove.map((entry) => entry.keyId),
    );
  const confirmed = toRemove.length === 0 || (await confirm(toRemove));
  for (const entry of handled) {
    let keep = false;
    if (gone(entry)) result.revoked.push(entry.keyId);
    else if (inUse.has(entry.keyId)) result.keptForOthers.push(entry.keyId);
    else if (!confirmed) {
      result.declined.push(entry.keyId);
      keep = true;
    } else {
      await removeCredential(graph, profile.applicationObjectId, entry.type, entry.keyId);
      result.revoked.push(entry.keyId);
    }
    const reread = await profiles.read(profile.name);
    const latest = reread && hasKeyCredential(reread) ? reread : result.profile;
    // Declined: kept pending as an ordinary entry, so a later run neither asks again nor skips rotating.
    const pendingRevocation = (latest.pendingRevocation ?? []).flatMap((e) =>
      e.keyId !== entry.keyId ? [e] : !keep ? [] : [{ type: e.type, keyId: e.keyId, expiresOn: e.expiresOn, replacedOn: e.replacedOn }],
    );
    result.profile = { ...latest, pendingRevocation, updatedOn: now.toISOString() };
    await profiles.write(result.profile);
  }
  return result;
}

/** Keys other profiles of the app use; a profile that cannot be read might use any of them. */
async function keysInUseByOthers(
  profiles: ProfileStore,
  profile: Profile,
): Promise<{ inUse: Set<string>; unreadable: Array<{ name: string; reason: string }> }> {
  const used = new Set<string>();
  const unreadable: Array<{ name: string; reason: string }> = [];
  for (const name of await profiles.list()) {
    if (name === profile.name) continue;
    let other: Profile | undefined;
    try {
      other = await profiles.read(name);
    } catch (error) {
      unreadable.push({ name, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    if (other?.applicationObjectId !== profile.applicationObjectId) continue;
    if (other.credential) used.add(other.credential.keyId);
    if (other.rotation) {
      used.add(other.rotation.replaces.keyId);
      if (other.rotation.next) used.add(other.rotation.next.keyId);
    }
  }
  return { inUse: used, unreadable };
}

function unknownUse(profile: Profile, entries: PendingEntry[], unreadable: Array<{ name: string; reason: string }>): DynauthError {
  const keys = entries.map((entry) => entry.keyId).join(', ');
  const names = unreadable.map((u) => `"${u.name}"`).join(', ');
  return new DynauthError(
    `Not revoking ${keys}: profile ${names} cannot be read, so dynauth cannot tell whether ${unreadable.length === 1 ? 'it uses' : 'they use'} ${entries.length === 1 ? 'that credential' : 'those credentials'} (${unreadable.map((u) => u.reason).join('; ')}). Nothing was revoked.`,
    {
      hint: `Fix or delete ${unreadable.length === 1 ? 'that profile file' : 'those profile files'}, then run dynauth rotate-secret --finish --profile ${profile.name}.`,
      code: 'profile-unreadable',
    },
  );
}
