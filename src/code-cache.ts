// The published package's loader (bin/dynauth.js, before anything else of dist/): compiles the
// bundled CommonJS chunks with a V8 code cache of each, written at the end of the first successful
// run of a command and read by the later ones.
//
// Node's own compile cache (module.enableCompileCache) is taken when a module is compiled, before
// it runs, so it holds the top-level code only: every function is still parsed and compiled on
// its first call, in every run. A cache taken after the run holds the functions the run compiled
// too. It is kept per command, since each command runs different functions of the shared chunks,
// and per version of dynauth and Node.
//
// A cache is compiled code, and V8 checks it against the length of the source only. So each is
// named by a hash of its chunk's contents (a changed chunk never runs the old one's bytecode), and
// it is read and written only where nobody but the user (and root) can put or move a file. Nothing
// here may break a run: an unreadable, unwritable or refused cache just means compiling as usual.
import { Module } from 'node:module';
import { hash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants as fs,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, posix, sep, win32 } from 'node:path';
import { constants, Script } from 'node:vm';

/** The commands whose runs keep caches of their own; any other run shares "other". */
export const CACHED_COMMANDS = ['init', 'test-connection', 'status', 'rotate-secret', 'export', 'token', 'api', 'remove', 'sandbox'];
/** Caches of this many versions of dynauth and Node are kept (npx and nvm may alternate them). */
const VERSIONS_KEPT = 3;

interface LoadedChunk {
  chunk: string;
  file: string;
  script: Script;
  accepted: boolean;
}

export interface CodeCache {
  /** Each chunk loaded so far, and whether its cache was there and taken. */
  report(): Array<{ chunk: string; accepted: boolean }>;
  /** Writes the caches this run lacked; returns their chunks (none where the directory is not private). */
  save(): string[];
}

/** The parts of Node's CommonJS loader used here; they are not in its published types. */
interface CommonJsModule {
  exports: unknown;
  require(id: string): unknown;
}
interface CommonJsInternals {
  prototype: { _compile(this: CommonJsModule, content: string, filename: string, ...rest: unknown[]): unknown };
  _resolveFilename(request: string, parent: CommonJsModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: CommonJsModule): string[] | null;
  _cache: Record<string, unknown>;
  wrap(source: string): string;
}

/**
 * Compiles every `.cjs` file directly in `dist` through the caches in `dir`. `uid` is the user
 * whose directories count as private (the process's own; tests pass another).
 */
export function installCodeCache({ dist, dir, uid = process.getuid?.() }: { dist: string; dir: string; uid?: number }): CodeCache {
  const loader = Module as unknown as CommonJsInternals;
  const compile = loader.prototype._compile;
  const prefix = dist.endsWith(sep) ? dist : dist + sep;
  const loaded: LoadedChunk[] = [];
  let trusted: boolean | undefined;
  loader.prototype._compile = function compileWithCodeCache(this: CommonJsModule, content: string, filename: string, ...rest: unknown[]) {
    if (!filename.startsWith(prefix) || !filename.endsWith('.cjs') || filename.slice(prefix.length).includes(sep)) {
      return compile.call(this, content, filename, ...rest);
    }
    const file = join(dir, `${basename(filename)}.${hash('sha1', content)}`);
    trusted ??= isPrivatePath(dir, uid);
    const cachedData = trusted ? readPrivateFile(file, uid) : undefined;
    const script = new Script(loader.wrap(content), {
      filename,
      cachedData,
      importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    const require = Object.assign((id: string) => this.require(id), {
      resolve: Object.assign((request: string, options?: unknown) => loader._resolveFilename(request, this, false, options), {
        paths: (request: string) => loader._resolveLookupPaths(request, this),
      }),
      cache: loader._cache,
    });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const result = wrapper.call(this.exports, this.exports, require, this, filename, dirname(filename));
    loaded.push({ chunk: basename(filename), file, script, accepted: cachedData !== undefined && !script.cachedDataRejected });
    return result;
  };
  return {
    report: () => loaded.map(({ chunk, accepted }) => ({ chunk, accepted })),
    save() {
      const missing = loaded.filter((entry) => !entry.accepted);
      if (!missing.length) return [];
      try {
        // Nothing is created where it is not private already (e.g. root running with a user's HOME).
        const existing = deepestExisting(dir);
        if (!isPrivatePath(existing, uid)) return [];
        makeDirectories(existing, dir);
        if (!isPrivatePath(dir, uid)) return [];
        for (const entry of missing) writeAtomically(entry.file, entry.script.createCachedData());
        keepRecentVersions(dirname(dir), uid);
        return missing.map((entry) => entry.chunk);
      } catch {
        return [];
      }
    },
  };
}

export interface CodeCacheLocation {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** Asked only when needed: it throws for a user without a home directory. */
  homedir: () => string;
  /** dynauth's version. */
  version: string;
  /** The arguments of the run, which name the command and so its set of caches. */
  args: string[];
}

/** `<cache home>/dynauth/code-cache/<dynauth version>-node<version>-<arch>/<command>` */
export function codeCacheDir({ env, platform, homedir, version, args }: CodeCacheLocation): string {
  const { isAbsolute, join } = platform === 'win32' ? win32 : posix;
  const base =
    platform === 'win32'
      ? env.LOCALAPPDATA && isAbsolute(env.LOCALAPPDATA)
        ? env.LOCALAPPDATA
        : join(homedir(), 'AppData', 'Local')
      : platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)
          ? env.XDG_CACHE_HOME
          : join(homedir(), '.cache');
  const command = args.find((arg) => CACHED_COMMANDS.includes(arg)) ?? 'other';
  return join(base, 'dynauth', 'code-cache', `${version}-node${process.versions.node}-${process.arch}`, command);
}

export function defaultCodeCacheDir(version: string, args: string[]): string {
  return codeCacheDir({ env: process.env, platform: process.platform, homedir, version, args });
}

/**
 * Whether nobody but the user (and root) can change what lies at `path`: every directory from it
 * up to the root is the user's or root's and writable by nobody else, but for a root-owned sticky
 * directory such as /tmp, where others cannot move or remove what the user put there.
 */
function isPrivatePath(path: string, uid: number | undefined): boolean {
  if (uid === undefined) return true; // Windows: the user's profile directories are the user's own
  let current: string;
  try {
    current = realpathSync(path);
  } catch {
    return false;
  }
  for (;;) {
    let stats: Stats;
    try {
      stats = lstatSync(current);
    } catch {
      return false;
    }
    const owned = stats.uid === uid || stats.uid === 0;
    const othersMayWrite = (stats.mode & 0o022) !== 0;
    const stickyRootDirectory = stats.uid === 0 && (stats.mode & 0o1000) !== 0;
    if (!stats.isDirectory() || !owned || (othersMayWrite && !stickyRootDirectory)) return false;
    const parent = dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

function deepestExisting(path: string): string {
  for (let current = path; ; current = dirname(current)) {
    try {
      lstatSync(current);
      return current;
    } catch {
      if (dirname(current) === current) return current;
    }
  }
}

/**
 * Each missing directory below `existing`, one at a time: mkdirSync's recursive mode loops forever
 * under /proc (a Node bug), where a mistyped XDG_CACHE_HOME could point.
 */
function makeDirectories(existing: string, dir: string): void {
  const missing: string[] = [];
  for (let current = dir; current !== existing; current = dirname(current)) missing.unshift(current);
  for (const directory of missing) mkdirSync(directory, { mode: 0o700 });
}

/** A cache file, if it is a regular file (not a link) of the user's that nobody else may write. */
function readPrivateFile(file: string, uid: number | undefined): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, fs.O_RDONLY | (fs.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || (uid !== undefined && stats.uid !== uid) || (stats.mode & 0o022) !== 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function writeAtomically(file: string, data: Buffer): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, data, { mode: 0o600, flag: 'wx' });
  renameSync(temp, file);
}

/** Caches of versions of dynauth or Node no longer run are removed; the most recent few stay. */
function keepRecentVersions(versionDir: string, uid: number | undefined): void {
  const now = new Date();
  utimesSync(versionDir, now, now);
  const root = dirname(versionDir);
  const versions = readdirSync(root)
    .filter((name) => /^[\w.+-]+-node\d+\.\d+\.\d+-\w+$/.test(name))
    .map((name) => ({ path: join(root, name), stats: lstatSync(join(root, name)) }))
    .filter(({ stats }) => stats.isDirectory() && (uid === undefined || stats.uid === uid))
    .sort((a, b) => b.stats.mtimeMs - a.stats.mtimeMs);
  for (const { path } of versions.slice(VERSIONS_KEPT)) rmSync(path, { recursive: true, force: true });
}
