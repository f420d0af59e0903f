import { lstat, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanSandboxKeychain } from './keychain.ts';

export const SANDBOX_DIR_PREFIX = 'dynauth-sandbox-';
const MARKER = 'sandbox.json';

interface Marker {
  pid: number;
  service: string;
}

/** Records which process owns a sandbox directory and its keychain service. */
export async function markSandbox(directory: string, marker: Marker): Promise<void> {
  await writeFile(join(directory, MARKER), JSON.stringify(marker), { mode: 0o600 });
}

/**
 * A sandbox stopped by SIGKILL (or a crash) cannot clean up after itself: the next one removes
 * its directory and keychain items. Only this user's directories whose marker names a process
 * that has ended are touched; one without a marker may be a sandbox starting right now.
 */
export async function removeAbandonedSandboxes(tmp: string, isRunning: (pid: number) => boolean = processIsRunning): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(tmp).catch(() => [] as string[])) {
    if (!name.startsWith(SANDBOX_DIR_PREFIX)) continue;
    const directory = join(tmp, name);
    const stats = await lstat(directory).catch(() => undefined);
    if (!stats?.isDirectory() || (process.getuid && stats.uid !== process.getuid())) continue;
    const marker = await readMarker(directory);
    if (!marker || isRunning(marker.pid)) continue;
    try {
      await cleanSandboxKeychain(marker.service, join(directory, 'profiles'));
      await rm(directory, { recursive: true, force: true });
      removed.push(directory);
    } catch {
      // left for a later sandbox; starting this one matters more
    }
  }
  return removed;
}

async function readMarker(directory: string): Promise<Marker | undefined> {
  try {
    const marker = JSON.parse(await readFile(join(directory, MARKER), 'utf8')) as Partial<Marker>;
    if (!Number.isInteger(marker.pid) || typeof marker.service !== 'string' || !/^dynauth-sandbox-[0-9a-f]+$/.test(marker.service))
      return undefined;
    return marker as Marker;
  } catch {
    return undefined;
  }
}

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}
