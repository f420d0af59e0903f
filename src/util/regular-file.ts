// Reading a file a user named (a flag, an environment variable, a file in the config directory):
// only a regular file of sane size. A FIFO put there would block the read until someone writes to
// it, and /dev/zero or /dev/urandom never end; neither is waited on.
import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { UsageError } from '../cli/errors.ts';
import { withinFileTimeLimit } from './file-time-limit.ts';

/** A certificate with its key and chain is a few KB of PEM. */
export const MAX_PEM_FILE_BYTES = 256 * 1024;

/** Why a file was not read: not a regular file, or larger than the caller allows. */
export class NotReadableFileError extends Error {
  readonly path: string;
  readonly reason: 'not-regular' | 'too-large';

  constructor(path: string, reason: NotReadableFileError['reason'], message: string) {
    super(message);
    this.name = 'NotReadableFileError';
    this.path = path;
    this.reason = reason;
  }
}

/**
 * The whole file, if it is a regular file of at most `maxBytes`; otherwise a NotReadableFileError
 * (the file system's own errors, such as ENOENT, pass through). Bounded in time as well.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  return withinFileTimeLimit(readBounded(path, maxBytes), 'reading', path);
}

async function readBounded(path: string, maxBytes: number): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer (no effect on a file).
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NotReadableFileError(path, 'not-regular', `${path} is ${kindOf(info)}, not a regular file`);
    if (info.size > maxBytes)
      throw new NotReadableFileError(path, 'too-large', `${path} is ${info.size} bytes, more than the ${maxBytes} expected`);
    // One byte more than allowed tells a file that grew while it was read.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      ({ bytesRead: read } = await handle.read(buffer, length, buffer.length - length, length));
    }
    if (length > maxBytes) throw new NotReadableFileError(path, 'too-large', `${path} is more than the ${maxBytes} bytes expected`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

export function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'something other than a file';
}

/**
 * The text of a file a flag or variable named (`label`: "--certificate", "cloud config", …); every
 * reason it cannot be read is a one-line usage error (exit 2), except a file system that hangs
 * (FileSystemTimeoutError, exit 1).
 */
export async function readNamedFile(path: string, label: string, maxBytes: number): Promise<string> {
  try {
    return (await readRegularFile(path, maxBytes)).toString('utf8');
  } catch (error) {
    if (error instanceof NotReadableFileError) {
      throw new UsageError(`Cannot read ${label} ${error.message}.`, { code: `file-${error.reason}` });
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw error;
    throw new UsageError(`Cannot read ${label} ${path} (${code}).`, { code: `file-${code.toLowerCase()}` });
  }
}
