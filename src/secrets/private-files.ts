// Owner-only files and directories (0600 / 0700), replaced atomically with temp file + rename.
// Windows ignores POSIX modes; there the user's profile directory ACLs apply.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DynauthError } from '../cli/errors.ts';
import { withinFileTimeLimit } from '../util/file-time-limit.ts';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** A directory or file another user could have written: what it holds cannot be trusted. */
export class UnsafeLocationError extends DynauthError {
  declare readonly hint: string;

  constructor(message: string, hint: string) {
    super(message, { hint, code: 'unsafe-location' });
    this.name = 'UnsafeLocationError';
  }
}

/**
 * Creates the directory 0700 if it is missing. One that exists keeps its mode (it may be shared,
 * such as /tmp): it is refused if another user could write to it, never chmod'ed.
 */
export async function ensurePrivateDir(directory: string): Promise<void> {
  // mkdir applies the mode (less the umask, which only removes bits) to each directory it creates.
  const created = await mkdir(directory, { recursive: true, mode: DIR_MODE });
  if (created === undefined) await assertPrivateDir(directory);
}

/** Refuses a directory that another user owns or could write to; a missing one is fine. */
export async function assertPrivateDir(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  let info: Stats;
  try {
    info = await stat(directory);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  const reason = untrustedBecause(info);
  if (reason) {
    throw new UnsafeLocationError(
      `Refusing to use ${directory}: ${reason}, so the profiles and credentials in it could have been planted or swapped.`,
      `Use a directory only you can write: point DYNAUTH_CONFIG_DIR at a path that does not exist yet (dynauth creates it with mode 0700), or, if the directory is yours alone, run chmod go-w ${directory}.`,
    );
  }
}

/** Why a file or directory cannot be trusted (another owner, or writable by group or others), or undefined. */
export function untrustedBecause(info: Stats): string | undefined {
  if (process.platform === 'win32') return undefined;
  const uid = process.getuid?.();
  // root-owned is trusted as ssh's StrictModes does: root could change anything anyway.
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) return `it belongs to another user (uid ${info.uid})`;
  const mode = `mode ${(info.mode & 0o7777).toString(8).padStart(4, '0')}`;
  if (info.mode & 0o002) return `every user can write to it (${mode})`;
  if (info.mode & 0o020) return `its group can write to it (${mode})`;
  return undefined;
}

export async function writePrivateFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  // Within a time limit: a file system that never answers must fail the run, not hang it.
  await withinFileTimeLimit(
    (async () => {
      await ensurePrivateDir(dirname(file));
      await writeOwnerOnlyFile(file, data);
    })(),
    'writing',
    file,
  );
}

/**
 * Writes a 0600 file through a fresh temp file and a rename, so it is never readable by others,
 * even when it replaces an existing 0644 file or a symlink; the directory is left as it is.
 */
export async function writeOwnerOnlyFile(file: string, data: Uint8Array | string): Promise<void> {
  const directory = dirname(file);
  const temp = join(directory, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', FILE_MODE);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    // The temp file's name means nothing to the user: the error names the file they asked for.
    const failure = error as NodeJS.ErrnoException;
    if (failure.path === temp)
      throw Object.assign(new Error(`${failure.code}: cannot write ${file}`), {
        code: failure.code,
        syscall: failure.syscall,
        path: file,
        cause: error,
      });
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
