import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../cli/errors.ts';

/** A file a flag asks for is checked before anything is done: its directory exists and can be written. */
export function assertWritableFile(path: string, flag: string): void {
  const directory = dirname(resolve(path));
  const kind = (target: string) => {
    try {
      return statSync(target).isDirectory() ? 'directory' : 'file';
    } catch {
      return undefined;
    }
  };
  if (kind(directory) !== 'directory') throw new UsageError(`${flag} ${path}: there is no directory ${directory}.`, { code: 'output-directory-missing' });
  if (kind(path) === 'directory') throw new UsageError(`${flag} ${path} is a directory; give a file name.`, { code: 'output-is-directory' });
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: the directory ${directory} cannot be written.`, { code: 'output-directory-not-writable' });
  }
}
