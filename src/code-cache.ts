// The published package's loader (bin/dynauth.js, before anything else of dist/): compiles the
// bundled CommonJS chunks with a V8 code cache of each, written at the end of the first run of a
// command and read by the later ones.
//
// Node's own compile cache (module.enableCompileCache) is taken when a module is compiled, before
// it runs, so it holds the top-level code only: every function is still parsed and compiled on
// its first call, in every run. A cache taken after the run holds the functions the run compiled
// too. It is kept per command, since each command runs different functions of the shared chunks,
// and per version of dynauth and Node.
//
// V8 checks a cache against the length of the source only, so each cache is also named by a hash
// of its chunk's contents: a changed chunk never runs bytecode compiled from the old one. Nothing
// here may break a run: an unreadable, unwritable or refused cache just means compiling as usual.
import { Module } from 'node:module';
import { hash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, sep } from 'node:path';
import { constants, Script } from 'node:vm';

interface LoadedChunk {
  chunk: string;
  file: string;
  script: Script;
  accepted: boolean;
}

export interface CodeCache {
  /** Each chunk loaded so far, and whether its cache was there and taken. */
  report(): Array<{ chunk: string; accepted: boolean }>;
  /** Writes the caches this run lacked; returns their chunks (none when the directory is unwritable). */
  save(): string[];
}

/** The parts of Node's CommonJS loader used here; `_extensions` is not in its published types. */
interface CommonJsModule {
  exports: unknown;
  require(id: string): unknown;
}
interface CommonJsLoader {
  _extensions: Record<string, (module: CommonJsModule, filename: string) => void>;
  _resolveFilename(request: string, parent: CommonJsModule, isMain: boolean, options?: unknown): string;
  _cache: Record<string, unknown>;
  wrap(source: string): string;
}

/** Compiles every `.cjs` file directly in `dist` through the caches in `dir`. */
export function installCodeCache({ dist, dir }: { dist: string; dir: string }): CodeCache {
  const loader = Module as unknown as CommonJsLoader;
  const loaded: LoadedChunk[] = [];
  const fallback = loader._extensions['.cjs'] ?? loader._extensions['.js']!;
  const prefix = dist.endsWith(sep) ? dist : dist + sep;
  let trusted: boolean | undefined;
  loader._extensions['.cjs'] = function loadWithCodeCache(this: unknown, module, filename) {
    if (!filename.startsWith(prefix)) return fallback.call(this, module, filename);
    const bytes = readFileSync(filename);
    const file = join(dir, `${basename(filename)}.${hash('sha1', bytes)}`);
    const cachedData = (trusted ??= isPrivate(dir)) ? readIfPresent(file) : undefined;
    const script = new Script(loader.wrap(bytes.toString('utf8')), {
      filename,
      cachedData,
      importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    loaded.push({ chunk: basename(filename), file, script, accepted: cachedData !== undefined && !script.cachedDataRejected });
    const require = Object.assign((id: string) => module.require(id), {
      resolve: (request: string, options?: unknown) => loader._resolveFilename(request, module, false, options),
      cache: loader._cache,
    });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, require, module, filename, dirname(filename));
  };
  return {
    report: () => loaded.map(({ chunk, accepted }) => ({ chunk, accepted })),
    save() {
      const missing = loaded.filter((entry) => !entry.accepted);
      if (!missing.length) return [];
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (!isPrivate(dir)) return [];
        for (const entry of missing) writeAtomically(entry.file, entry.script.createCachedData());
        removeOtherVersions(dir);
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
  homedir: string;
  /** dynauth's version. */
  version: string;
  /** The command run, which names its own set of caches. */
  command: string | undefined;
}

/** `<cache home>/dynauth/code-cache/<dynauth version>-node<version>-<arch>/<command>` */
export function codeCacheDir({ env, platform, homedir, version, command }: CodeCacheLocation): string {
  const base =
    platform === 'win32'
      ? env.LOCALAPPDATA || join(homedir, 'AppData', 'Local')
      : platform === 'darwin'
        ? join(homedir, 'Library', 'Caches')
        : env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)
          ? env.XDG_CACHE_HOME
          : join(homedir, '.cache');
  const bucket = command !== undefined && /^[a-z][a-z-]{0,31}$/.test(command) ? command : 'other';
  return join(base, 'dynauth', 'code-cache', `${version}-node${process.versions.node}-${process.arch}`, bucket);
}

/** Where this process's caches go, the command being the first argument that is not an option. */
export function defaultCodeCacheDir(version: string, args: string[]): string {
  return codeCacheDir({ env: process.env, platform: process.platform, homedir: homedir(), version, command: args.find((arg) => !arg.startsWith('-')) });
}

/**
 * A cache is compiled code: it is read and written only where nobody else can put a file, that is
 * in directories (this one up to `<cache home>/dynauth`) that are the user's own and writable by
 * nobody else. The default cache home is; one set in XDG_CACHE_HOME may be shared (/tmp).
 */
function isPrivate(dir: string): boolean {
  if (process.platform === 'win32') return true; // %LOCALAPPDATA% is the user's own
  const uid = process.getuid!();
  let current = dir;
  for (let level = 0; level < 4; level++, current = dirname(current)) {
    try {
      const stats = lstatSync(current);
      if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o022) !== 0) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, data: Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data, { mode: 0o600 });
  renameSync(temp, file);
}

/** Caches of other versions of dynauth or Node are never read again. */
function removeOtherVersions(dir: string): void {
  const versionDir = dirname(dir);
  const root = dirname(versionDir);
  for (const name of readdirSync(root)) {
    if (name !== basename(versionDir)) rmSync(join(root, name), { recursive: true, force: true });
  }
}
