// SecretStore over one file per account in an owner-only directory, for machines without an
// OS keychain (`--store file`). The files hold what the Vault gives them: sealed envelopes.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { SecretFileStoreError } from './errors.ts';
import { isNotFound, UnsafeLocationError, writePrivateFileAtomic } from './private-files.ts';
import type { SecretStore } from './secret-store.ts';
import { FileSystemTimeoutError } from '../util/file-time-limit.ts';
import { NotReadableFileError, readRegularFile } from '../util/regular-file.ts';

/** A sealed connection string with a certificate's private key is a few KB. */
const MAX_SEALED_BYTES = 1024 * 1024;

export function createFileStore(directory: string): SecretStore {
  // Hex file names: safe on every file system, case-insensitive ones and Windows device names included.
  const fileFor = (account: string) => join(directory, `${Buffer.from(account, 'utf8').toString('hex')}.sealed`);
  const fail = (action: string, account: string, cause: unknown) =>
    new SecretFileStoreError(
      `Could not ${action} the credential file for "${account}" in ${directory} (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`,
      'Check that the directory exists, belongs to you and is writable, or choose another --store.',
      cause,
    );

  return {
    description: `encrypted files in ${directory}`,
    kind: 'file',
    async get(account) {
      try {
        return new Uint8Array(await readRegularFile(fileFor(account), MAX_SEALED_BYTES));
      } catch (error) {
        if (isNotFound(error)) return undefined;
        if (error instanceof FileSystemTimeoutError) throw error;
        if (error instanceof NotReadableFileError) {
          throw new SecretFileStoreError(
            `Could not read the credential file for "${account}": ${error.message}.`,
            'Remove that file and run dynauth init for the profile again.',
            error,
          );
        }
        throw fail('read', account, error);
      }
    },
    async set(account, value) {
      try {
        await writePrivateFileAtomic(fileFor(account), value);
      } catch (error) {
        if (error instanceof UnsafeLocationError || error instanceof FileSystemTimeoutError) throw error;
        throw fail('write', account, error);
      }
    },
    async delete(account) {
      try {
        await unlink(fileFor(account));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw fail('delete', account, error);
      }
    },
  };
}
