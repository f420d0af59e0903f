// A file operation that never returns (a hung network mount, a FUSE file system nobody serves)
// must cost a time-out, not the run: a scheduled job that hangs is an outage.
import { DynauthError } from '../cli/errors.ts';

/** Generous for one open, write, fsync or rename of a few KB on a slow disk; said in the README. */
export const FILE_OPERATION_TIMEOUT_MS = 10_000;

export class FileSystemTimeoutError extends DynauthError {
  constructor(action: string, path: string, ms: number) {
    super(`The file system did not answer within ${ms / 1000} s while ${action} ${path}.`, {
      hint: 'It may be a hung network mount or a special file system (such as /proc). Use a local directory you own (DYNAUTH_CONFIG_DIR), then run the command again.',
      code: 'file-system-timeout',
    });
    this.name = 'FileSystemTimeoutError';
  }
}

/** `operation`, or a FileSystemTimeoutError once `ms` have passed without it settling. */
export async function withinFileTimeLimit<T>(
  operation: Promise<T>,
  action: string,
  path: string,
  ms = FILE_OPERATION_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FileSystemTimeoutError(action, path, ms)), ms);
  });
  try {
    return await Promise.race([operation, expired]);
  } finally {
    clearTimeout(timer);
  }
}
