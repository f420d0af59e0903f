// One dynauth at a time per profile: two init or rotate-secret runs on one profile would each add a
// secret (or an app) and lose track of the other's. The lock is "<profile>.lock" beside the profile,
// naming its owner; it is made with link(2) from a complete temp file, so it never exists half
// written and only one run can make it. A lock whose owner has died (kill -9, power loss) is taken
// over; taking over is itself serialised by a short-lived "<profile>.lock.takeover" file.
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DynauthError } from '../cli/errors.ts';
import { ensurePrivateDir, isNotFound } from '../secrets/private-files.ts';
import { validateProfileName } from './profile-name.ts';

export interface LockOwner {
  pid: number;
  host: string;
  /** The process's start time (Linux), so that a pid reused by another process is not taken for the owner. */
  started?: string;
  command: string;
  since: string;
}

export interface ProfileLock {
  release(): Promise<void>;
}

/** A takeover guard older than this belongs to a run that died within its few milliseconds. */
const STALE_GUARD_MS = 10_000;
/** An unreadable lock younger than this may still be being written by the fallback (no hard links). */
const UNREADABLE_GRACE_MS = 5_000;
const ATTEMPTS = 5;

const held = new Map<string, string>();
let exitHookInstalled = false;

export class ProfileLockedError extends DynauthError {
  readonly owner: LockOwner | undefined;

  constructor(profile: string, file: string, owner: LockOwner | undefined) {
    const who = owner
      ? `dynauth ${owner.command} (pid ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}, since ${owner.since.slice(0, 19).replace('T', ' ')} UTC)`
      : 'another dynauth';
    super(`Profile "${profile}" is in use by ${who}; two runs at once could leave a second secret behind.`, {
      hint: `Wait for it to finish, then run this again. If no dynauth is running, delete ${file}.`,
      code: 'profile-locked',
    });
    this.name = 'ProfileLockedError';
    this.owner = owner;
  }
}

/** Locks every named profile (in name order), or none: a profile held by a live process throws ProfileLockedError. */
export async function lockProfiles(directory: string, names: string[], command: string, now: Date): Promise<ProfileLock> {
  await ensurePrivateDir(directory);
  const owner: LockOwner = { pid: process.pid, host: hostname(), ...startTimeOf(process.pid), command, since: now.toISOString() };
  const content = `${JSON.stringify(owner)}\n`;
  const taken: string[] = [];
  const release = async () => {
    for (const file of taken.splice(0)) await releaseFile(file, content);
  };
  try {
    for (const name of [...new Set(names)].sort()) {
      const file = join(directory, `${validateProfileName(name)}.lock`);
      await acquire(name, file, content);
      taken.push(file);
      held.set(file, content);
      installExitHook();
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

async function acquire(profile: string, file: string, content: string): Promise<void> {
  const temp = join(file, '..', `.${profile}.lock.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, content, { flag: 'wx', mode: 0o600 });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await createExclusive(temp, file, content)) return;
      const found = await readLock(file);
      if (found === undefined) continue; // released meanwhile: try again
      if (!(await isStale(file, found.owner))) throw new ProfileLockedError(profile, file, found.owner);
      await takeOver(file, found.text, temp);
    }
    throw new ProfileLockedError(profile, file, (await readLock(file))?.owner);
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** Makes `file` with the temp file's content unless it exists; false if it does. */
async function createExclusive(temp: string, file: string, content: string): Promise<boolean> {
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
  }
  // A file system without hard links: an exclusive create, written at once.
  try {
    await writeFile(file, content, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readLock(file: string): Promise<{ text: string; owner: LockOwner | undefined } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  return { text, owner: parseOwner(text) };
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const data = JSON.parse(text) as Partial<LockOwner>;
    if (
      !Number.isSafeInteger(data.pid) ||
      typeof data.host !== 'string' ||
      typeof data.command !== 'string' ||
      typeof data.since !== 'string'
    )
      return undefined;
    return data as LockOwner;
  } catch {
    return undefined;
  }
}

/** Whether the lock's owner is gone; a live pid whose start time differs is another process reusing it. */
async function isStale(file: string, owner: LockOwner | undefined): Promise<boolean> {
  if (!owner) {
    const age = await stat(file).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    return age > UNREADABLE_GRACE_MS;
  }
  if (owner.host !== hostname()) return false; // another machine sharing the directory: cannot tell
  if (owner.pid !== process.pid && !isAlive(owner.pid)) return true;
  const started = startTimeOf(owner.pid).started;
  return owner.started !== undefined && started !== undefined && started !== owner.started;
}

/** Removes the stale lock `staleText`, unless another run has replaced it meanwhile. */
async function takeOver(file: string, staleText: string, temp: string): Promise<void> {
  const guard = `${file}.takeover`;
  try {
    await link(temp, guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const age = await stat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > STALE_GUARD_MS) await unlink(guard).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 20)); // another run is taking over: let it finish
    return;
  }
  try {
    const current = await readFile(file, 'utf8').catch(() => undefined);
    if (current === staleText) await unlink(file).catch(() => {});
  } finally {
    await unlink(guard).catch(() => {});
  }
}

async function releaseFile(file: string, content: string): Promise<void> {
  held.delete(file);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) await unlink(file).catch(() => {});
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised name, which may hold spaces). */
function startTimeOf(pid: number): { started?: string } {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const started = text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
    return started ? { started } : {};
  } catch {
    return {};
  }
}

/** A command that ends through process.exit (Ctrl-C) still lets go of its locks. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [file, content] of held) {
      try {
        if (readFileSync(file, 'utf8') === content) unlinkSync(file);
      } catch {
        // gone already, or unreadable: nothing of ours to remove
      }
    }
  });
}
