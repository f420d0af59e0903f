// Owner-only files and directories (0600 / 0700), replaced atomically with temp file + rename.
// Windows ignores POSIX modes; there the user's profile directory ACLs apply.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

export async function ensurePrivateDir(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: DIR_MODE });
  if (process.platform === 'win32') return;
  const { mode } = await stat(directory);
  if ((mode & 0o077) !== 0) await chmod(directory, DIR_MODE);
}

export async function writePrivateFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await ensurePrivateDir(dirname(file));
  await writeOwnerOnlyFile(file, data);
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
    if (failure.path === temp) throw Object.assign(new Error(`${failure.code}: cannot write ${file}`), { code: failure.code, syscall: failure.syscall, path: file, cause: error });
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
