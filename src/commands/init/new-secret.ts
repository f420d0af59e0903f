// A client secret is valid on the app from the moment addPassword answers, but is saved a moment
// later: a run killed in between, or whose keychain failed, leaves a valid secret nobody holds.
// Before minting, init records a marker beside the profiles ("<profile>.new-secret") and names the
// secret with it ("dynauth 2026-01-31 init 1a2b3c4d"); a re-run removes every secret carrying a
// recorded marker except the one it keeps. The record goes once the profiles are written.
import { randomBytes } from 'node:crypto';
import { ApiError } from '../../clients/api-error.ts';
import type { Application, GraphApi } from '../../clients/graph.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import { markedBy, removeCredential } from '../../connection/app-credentials.ts';

interface SecretRecord {
  applicationObjectId: string;
  marker: string;
  startedOn: string;
}

const KIND = 'new-secret';

/** The marker the next secret of `app` is named with, recorded for every profile first (an earlier run's, if any). */
export async function recordSecretMarker(profiles: ProfileStore, profileNames: string[], app: Application, now: Date): Promise<string> {
  const recorded = (await readRecords(profiles, profileNames)).find((record) => record.applicationObjectId === app.id);
  const record: SecretRecord = recorded ?? {
    applicationObjectId: app.id,
    marker: randomBytes(4).toString('hex'),
    startedOn: now.toISOString(),
  };
  await profiles.writeRecord(profileNames, KIND, record);
  return record.marker;
}

/**
 * Removes the secrets an interrupted init of these profiles made on `app` and never saved: those
 * carrying a recorded marker, except `keep` (the one the keychain holds). Returns their key ids.
 */
export async function removeStraySecrets(
  graph: GraphApi,
  profiles: ProfileStore,
  profileNames: string[],
  app: Application,
  keep: string | undefined,
): Promise<string[]> {
  const markers = (await readRecords(profiles, profileNames))
    .filter((record) => record.applicationObjectId === app.id)
    .map((record) => record.marker);
  if (!markers.length) return [];
  const current = await graph.getApplication(app.id).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return app; // not replicated yet: what discovery saw
    throw error;
  });
  const strays = [...new Set(markers)]
    .flatMap((marker) => markedBy(current, marker, 'init'))
    .filter((key) => key.type === 'secret' && key.keyId !== keep);
  for (const key of strays) await removeCredential(graph, app.id, 'secret', key.keyId);
  return strays.map((key) => key.keyId);
}

export function forgetSecretMarker(profiles: ProfileStore, profileNames: string[]): Promise<void> {
  return profiles.deleteRecords(profileNames, KIND);
}

async function readRecords(profiles: ProfileStore, profileNames: string[]): Promise<SecretRecord[]> {
  const records: SecretRecord[] = [];
  for (const name of profileNames) {
    const data = await profiles.readRecord(name, KIND); // none, or unreadable: nothing recorded to clean up
    if (typeof data?.['applicationObjectId'] === 'string' && typeof data['marker'] === 'string' && typeof data['startedOn'] === 'string')
      records.push(data as unknown as SecretRecord);
  }
  return records;
}
