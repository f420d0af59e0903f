// Before anything remote is made, the directory that will hold the profiles (and the encrypted
// file store) is proved usable: created if missing, and a small file written, synced and removed
// there, every step within a time limit. A secret minted on the app and then never recorded is
// what an unusable directory would otherwise cost.
import { randomBytes } from 'node:crypto';
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DynauthError } from '../cli/errors.ts';
import { withinFileTimeLimit } from '../util/file-time-limit.ts';
import { assertPrivateDir } from '../secrets/private-files.ts';

const DIR_MODE = 0o700;

export async function probeConfigDir(directory: string): Promise<void> {
  try {
    await withinFileTimeLimit(makeDirectories(directory), 'creating', directory);
    await withinFileTimeLimit(assertPrivateDir(directory), 'checking', directory);
    const probe = join(directory, `.dynauth-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
    await withinFileTimeLimit(writeAndRemove(probe), 'writing a test file in', directory);
  } catch (error) {
    // The file system's own refusals are said here; a time-out or an unsafe directory says itself.
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (typeof syscall !== 'string' || typeof code !== 'string') throw error;
    throw new DynauthError(`The profiles directory ${directory} cannot be used (${code}); nothing was changed.`, {
      hint: 'Point DYNAUTH_CONFIG_DIR at a directory you own and can write (or leave it unset), then run the command again.',
      code: `config-dir-${code.toLowerCase()}`,
      cause: error,
    });
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdir loops forever under /proc (each level's
 * ENOENT sends it back to the parent, which "exists"), so the missing levels are made here.
 */
async function makeDirectories(directory: string): Promise<void> {
  const missing: string[] = [];
  for (let path = directory; ; path = dirname(path)) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info !== undefined) {
      if (!info.isDirectory()) throw Object.assign(new Error(`${path} is not a directory`), { code: 'ENOTDIR', syscall: 'stat', path });
      break;
    }
    missing.unshift(path);
    if (dirname(path) === path) break;
  }
  for (const path of missing) {
    await mkdir(path, { mode: DIR_MODE }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

async function writeAndRemove(file: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile('dynauth');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await unlink(file);
}
