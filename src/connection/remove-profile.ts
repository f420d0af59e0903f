// Removing a profile from this machine: its sealed items (current, next and refresh slots), the
// records runs keep beside it, and its file last, so that a run cut short anywhere leaves the
// profile in place for a re-run to finish. Deleting an item needs no key, so a passphrase profile
// is removed without its passphrase.
import type { Deps } from '../deps.ts';
import type { Profile } from '../profiles/profile.ts';
import type { ProfileStore } from '../profiles/profile-store.ts';
import type { ConnectionSlot } from '../secrets/vault.ts';
import { openStorage, storeOfProfile } from './storage.ts';

/** What init keeps beside a profile while it works (commands/init/recent-app.ts, new-secret.ts). */
const RECORD_KINDS = ['new-app', 'new-secret'];
const SLOTS: ConnectionSlot[] = ['refresh', 'next', 'current'];
/** Stands in for the passphrase of a passphrase-sealed store: deleting an item never derives its key. */
const DELETE_ONLY = 'dynauth:delete-only';

export interface LocalRemoval {
  /** The sealed items that were there and are gone. */
  itemsDeleted: number;
  profileFile: string;
}

export async function removeProfileLocally(
  deps: Pick<Deps, 'env' | 'platform' | 'homedir'>,
  profiles: ProfileStore,
  profile: Profile,
  fallbackStore: 'keychain' | 'file',
): Promise<LocalRemoval> {
  const store = await storeOfProfile(deps, profile, fallbackStore);
  const storage = await openStorage(deps, { store, passphrase: store === 'file' || profile.keychain.passphrase ? DELETE_ONLY : undefined });
  let itemsDeleted = 0;
  try {
    for (const slot of SLOTS) if (await storage.vault.deleteSlot(profile.name, slot)) itemsDeleted++;
  } finally {
    storage.vault.release();
  }
  for (const kind of RECORD_KINDS) await profiles.deleteRecords([profile.name], kind);
  const profileFile = profiles.fileFor(profile.name);
  await profiles.delete(profile.name);
  return { itemsDeleted, profileFile };
}

/** The other profiles set up for the same app registration (init makes one per environment). */
export async function profilesSharingApp(profiles: ProfileStore, profile: Profile): Promise<{ sharing: string[]; unreadable: string[] }> {
  const sharing: string[] = [];
  const unreadable: string[] = [];
  for (const name of await profiles.list()) {
    if (name === profile.name) continue;
    const other = await profiles.read(name).catch(() => null);
    if (other === null) unreadable.push(name);
    else if (other && (other.applicationObjectId === profile.applicationObjectId || other.clientId === profile.clientId))
      sharing.push(name);
  }
  return { sharing, unreadable };
}
