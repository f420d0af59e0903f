// An app registration made moments ago may be missing from Graph's lists for seconds or minutes
// (Entra's eventual consistency), so a re-run right after an interrupted one would not find it by
// name and would make a second. The run that creates an app records it beside the profile at once;
// a re-run that finds no app by that name looks the recorded one up by id, waiting out its 404s.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Application, GraphApi } from '../../clients/graph.ts';
import { isNotFound, writePrivateFileAtomic } from '../../secrets/private-files.ts';
import { appNotYetVisible, whileReplicating } from '../../steps/replication.ts';
import type { PollWaiting } from '../../util/poll.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';
import { readRegularFile } from '../../util/regular-file.ts';

/** How long after its creation a recorded app is still looked for (replication has taken minutes). */
const RECENT_MS = 15 * 60_000;

interface Record {
  objectId: string;
  appId: string;
  displayName: string;
  createdOn: string;
}

const fileFor = (profiles: ProfileStore, profile: string) => join(profiles.directory, `${profile}.new-app`);

export async function rememberNewApp(profiles: ProfileStore, profileNames: string[], app: Application, now: Date): Promise<void> {
  const record: Record = { objectId: app.id, appId: app.appId, displayName: app.displayName, createdOn: now.toISOString() };
  for (const name of profileNames) await writePrivateFileAtomic(fileFor(profiles, name), `${JSON.stringify(record)}\n`);
}

export async function forgetNewApp(profiles: ProfileStore, profileNames: string[]): Promise<void> {
  for (const name of profileNames) {
    await unlink(fileFor(profiles, name)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}

/** The app an interrupted run made for one of these profiles moments ago, named `appName`, if Graph has it. */
export async function findRecentApp(
  profiles: ProfileStore,
  profileNames: string[],
  appName: string,
  graph: Pick<GraphApi, 'getApplication'>,
  waiting: PollWaiting,
): Promise<Application | undefined> {
  const now = waiting.clock.now().getTime();
  for (const name of profileNames) {
    const record = await readRecord(profiles, name);
    const age = record ? now - Date.parse(record.createdOn) : Infinity;
    if (!record || record.displayName !== appName || !(age >= 0 && age < RECENT_MS)) continue;
    const patience = { ...waiting, timeoutMs: Math.min(waiting.timeoutMs, RECENT_MS - age) };
    try {
      return await whileReplicating(
        () => graph.getApplication(record.objectId),
        appNotYetVisible,
        patience,
        'Entra to publish the app the interrupted run made',
      );
    } catch (error) {
      // Still unknown after all that time: deleted by hand, or never replicated; a new one is made.
      if ((error as { code?: string }).code === 'replication-timeout') continue;
      throw error;
    }
  }
  return undefined;
}

async function readRecord(profiles: ProfileStore, profile: string): Promise<Record | undefined> {
  try {
    const data = JSON.parse((await readRegularFile(fileFor(profiles, profile), 64 * 1024)).toString('utf8')) as Partial<Record>;
    const fields = [data.objectId, data.appId, data.displayName, data.createdOn];
    return fields.every((field) => typeof field === 'string') ? (data as Record) : undefined;
  } catch {
    return undefined; // no record, or an unreadable one (a FIFO put there is not waited on): nothing to look for
  }
}
