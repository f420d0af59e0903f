// An app registration made moments ago may be missing from Graph's lists for seconds or minutes
// (Entra's eventual consistency), so a re-run right after an interrupted one would not find it by
// name and would make a second. The run that creates an app records it beside the profile at once;
// a re-run that finds no app by that name looks the recorded one up by id, waiting out its 404s.
import type { Application, GraphApi } from '../../clients/graph.ts';
import { appNotYetVisible, whileReplicating } from '../../steps/replication.ts';
import type { PollWaiting } from '../../util/poll.ts';
import type { ProfileStore } from '../../profiles/profile-store.ts';

/** How long after its creation a recorded app is still looked for (replication has taken minutes). */
const RECENT_MS = 15 * 60_000;

const KIND = 'new-app';

interface NewApp {
  objectId: string;
  appId: string;
  displayName: string;
  createdOn: string;
}

export async function rememberNewApp(profiles: ProfileStore, profileNames: string[], app: Application, now: Date): Promise<void> {
  const record: NewApp = { objectId: app.id, appId: app.appId, displayName: app.displayName, createdOn: now.toISOString() };
  await profiles.writeRecord(profileNames, KIND, record);
}

export function forgetNewApp(profiles: ProfileStore, profileNames: string[]): Promise<void> {
  return profiles.deleteRecords(profileNames, KIND);
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

async function readRecord(profiles: ProfileStore, profile: string): Promise<NewApp | undefined> {
  const data = await profiles.readRecord(profile, KIND);
  const fields = [data?.['objectId'], data?.['appId'], data?.['displayName'], data?.['createdOn']];
  return fields.every((field) => typeof field === 'string') ? (data as unknown as NewApp) : undefined;
}
