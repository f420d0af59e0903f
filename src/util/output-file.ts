import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DynauthError, UsageError } from '../cli/errors.ts';
import { withinFileTimeLimit } from './file-time-limit.ts';
import { kindOf } from './regular-file.ts';

const WRITE_PROBLEMS: Record<string, string> = {
  ENOSPC: 'no space is left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file would be too large',
  EIO: 'the device reported an input/output error',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'the file system is read-only',
  ENOENT: 'its directory no longer exists',
  ENOTDIR: 'part of that path is a file, not a directory',
  EISDIR: 'it is a directory',
};

/**
 * A file a flag asks for is checked before anything is done: its directory exists and can be
 * written, and the name is free or a regular file. A device, FIFO or socket is refused: writing
 * "over" /dev/null would replace the device node with a file holding a private key, and a FIFO
 * blocks until someone reads it.
 */
export function assertWritableFile(path: string, flag: string): void {
  const directory = dirname(resolve(path));
  const stat = (target: string): Stats | undefined => {
    try {
      return statSync(target);
    } catch {
      return undefined;
    }
  };
  if (!stat(directory)?.isDirectory())
    throw new UsageError(`${flag} ${path}: there is no directory ${directory}.`, { code: 'output-directory-missing' });
  const existing = stat(path);
  if (existing?.isDirectory()) throw new UsageError(`${flag} ${path} is a directory; give a file name.`, { code: 'output-is-directory' });
  if (existing && !existing.isFile()) {
    throw new UsageError(`${flag} ${path} is ${kindOf(existing)}, not a regular file; give the name of a file to create or replace.`, {
      code: 'output-not-regular-file',
    });
  }
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: the directory ${directory} cannot be written.`, { code: 'output-directory-not-writable' });
  }
}

/**
 * Writes the file a flag named, by default in place (a regular file only: what took the name since
 * it was checked is refused, never blocked on); `write` writes it another way (owner-only for a
 * private key). A failure (a full disk, a lost directory) is an ordinary error naming the file, exit 1.
 */
export async function writeOutputFile(
  path: string,
  data: string | Uint8Array,
  flag: string,
  write: (path: string, data: string | Uint8Array) => Promise<void> = writeRegularFile,
): Promise<void> {
  try {
    await withinFileTimeLimit(write(path, data), 'writing', path);
  } catch (error) {
    if (error instanceof DynauthError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    throw new DynauthError(`Cannot write ${path} (${flag}): ${WRITE_PROBLEMS[code] ?? 'the system refused the write'} (${code}).`, {
      hint: 'Check the disk and the directory (free space, permissions), or choose another file, then run the command again.',
      code: `write-${code.toLowerCase()}`,
      cause: error,
    });
  }
}

async function writeRegularFile(path: string, data: string | Uint8Array): Promise<void> {
  // O_NONBLOCK: opening a FIFO put there meanwhile fails or returns at once instead of waiting for a reader.
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | (constants.O_NONBLOCK ?? 0), 0o644);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UsageError(`${path} is ${kindOf(stat)}, not a regular file.`, { code: 'output-not-regular-file' });
    await handle.truncate(0);
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}
