// src/code-cache.ts: the V8 code caches the published package loads its chunks with. Each run is
// a child process, as each dynauth run is, since the loader hooks the process's CommonJS loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, win32 } from 'node:path';
import { CACHED_COMMANDS, codeCacheDir } from '../../src/code-cache.ts';

const loader = new URL('../../src/code-cache.ts', import.meta.url).href;

interface Run {
  value: number;
  report: Array<{ chunk: string; accepted: boolean }>;
  saved: string[];
}

/** A dist/ of two chunks: the entry requires the other, whose `work()` compiles a sizeable function. */
function fixture(t: { after(fn: () => void): void }): { dist: string; cache: string } {
  const root = mkdtempSync(join(tmpdir(), 'dynauth-code-cache-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dist = join(root, 'dist');
  mkdirSync(dist);
  writeFileSync(join(dist, 'main.cjs'), `exports.run = (call) => require('./work-A1.cjs').work(call);\n`);
  const body = Array.from({ length: 200 }, (_, i) => `  total += (n * ${i + 1}) % 7;`).join('\n');
  writeFileSync(
    join(dist, 'work-A1.cjs'),
    `exports.work = (call) => (call ? big(3) : 0);\nfunction big(n) {\n  let total = 1;\n${body}\n  return total;\n}\n`,
  );
  return { dist, cache: join(root, 'cache', 'dynauth', 'code-cache', '1.0.0-node24.0.0-x64', 'init') };
}

function runOnce(dist: string, cache: string, options: { call?: boolean; uid?: number } = {}): Run {
  const script = `
    import { installCodeCache } from ${JSON.stringify(loader)};
    import { createRequire } from 'node:module';
    const cache = installCodeCache({ dist: ${JSON.stringify(dist)}, dir: ${JSON.stringify(cache)}${options.uid === undefined ? '' : `, uid: ${options.uid}`} });
    const value = createRequire(import.meta.url)(${JSON.stringify(join(dist, 'main.cjs'))}).run(${options.call !== false});
    const report = cache.report();
    console.log(JSON.stringify({ value, report, saved: cache.save() }));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '');
  return JSON.parse(result.stdout) as Run;
}

const cacheFiles = (dir: string) => readdirSync(dir).sort();

test('the first run writes a cache per chunk, owner-only; the next run reads every one and writes none', (t) => {
  const { dist, cache } = fixture(t);
  const first = runOnce(dist, cache);
  assert.deepEqual(first.report, [
    { chunk: 'main.cjs', accepted: false },
    { chunk: 'work-A1.cjs', accepted: false },
  ]);
  assert.deepEqual(first.saved, ['main.cjs', 'work-A1.cjs']);
  const files = cacheFiles(cache);
  assert.equal(files.length, 2);
  assert.match(files[0]!, /^main\.cjs\.[0-9a-f]{40}$/);
  if (process.platform !== 'win32') {
    assert.equal(statSync(cache).mode & 0o777, 0o700);
    for (const file of files) assert.equal(statSync(join(cache, file)).mode & 0o777, 0o600);
  }
  const second = runOnce(dist, cache);
  assert.equal(second.value, first.value);
  assert.deepEqual(second.report, [
    { chunk: 'main.cjs', accepted: true },
    { chunk: 'work-A1.cjs', accepted: true },
  ]);
  assert.deepEqual(second.saved, []);
  assert.deepEqual(cacheFiles(cache), files);
});

test('the cache is taken after the run: it holds the functions the run compiled', (t) => {
  const { dist, cache } = fixture(t);
  const { cache: idle } = fixture(t);
  runOnce(dist, cache, { call: true });
  runOnce(dist, idle, { call: false });
  const size = (dir: string) => statSync(join(dir, cacheFiles(dir).find((name) => name.startsWith('work-A1'))!)).size;
  // big() is compiled only when called: its bytecode makes the cache several times larger.
  assert.ok(size(cache) > 2 * size(idle), `${size(cache)} vs ${size(idle)} bytes`);
});

test('a chunk changed to the same length never runs the bytecode of the old one', (t) => {
  const { dist, cache } = fixture(t);
  const before = runOnce(dist, cache);
  const file = join(dist, 'work-A1.cjs');
  const source = readFileSync(file, 'utf8');
  const changed = source.replace('let total = 1;', 'let total = 2;');
  assert.equal(changed.length, source.length);
  writeFileSync(file, changed);
  const after = runOnce(dist, cache);
  assert.equal(after.value, before.value + 1);
  assert.deepEqual(after.report, [
    { chunk: 'main.cjs', accepted: true },
    { chunk: 'work-A1.cjs', accepted: false },
  ]);
  assert.deepEqual(after.saved, ['work-A1.cjs']);
});

test('a damaged cache is refused and replaced, and the run goes on as without it', (t) => {
  const { dist, cache } = fixture(t);
  const before = runOnce(dist, cache);
  const damaged = join(cache, cacheFiles(cache).find((name) => name.startsWith('work-A1'))!);
  const bytes = readFileSync(damaged);
  writeFileSync(damaged, bytes.subarray(0, bytes.length >> 1));
  const after = runOnce(dist, cache);
  assert.equal(after.value, before.value);
  assert.equal(after.report.find((entry) => entry.chunk === 'work-A1.cjs')!.accepted, false);
  assert.deepEqual(after.saved, ['work-A1.cjs']);
  assert.equal(readFileSync(damaged).length, bytes.length);
});

test('a cache directory that cannot be written changes nothing but the speed', (t) => {
  const { dist, cache } = fixture(t);
  mkdirSync(join(cache, '..'), { recursive: true });
  writeFileSync(cache, 'a file where the directory should be');
  const run = runOnce(dist, join(cache, 'below'));
  assert.equal(run.value, runOnce(dist, join(cache, 'below')).value);
  assert.deepEqual(run.saved, []);
  // Under /proc, mkdirSync's recursive mode would never return.
  if (process.platform === 'linux') assert.deepEqual(runOnce(dist, '/proc/dynauth-test/code-cache/v/init').saved, []);
  if (process.platform !== 'win32' && process.getuid?.() !== 0) {
    const locked = join(cache, '..', '..', 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    assert.deepEqual(runOnce(dist, join(locked, 'v', 'init')).saved, []);
  }
});

test('caches are neither read nor written where someone else could put or move a file', (t) => {
  if (process.platform === 'win32') return t.skip('POSIX owners and modes');
  const { dist, cache } = fixture(t);
  runOnce(dist, cache);
  const accepted = (run: Run) => run.report.map((entry) => entry.accepted);
  const ancestor = join(cache, '..', '..', '..', '..', '..'); // the fixture's temporary directory, well above dynauth/
  for (const mode of [0o777, 0o775, 0o757]) {
    chmodSync(ancestor, mode);
    const shared = runOnce(dist, cache);
    assert.deepEqual(accepted(shared), [false, false], `an ancestor with mode ${mode.toString(8)}`);
    assert.deepEqual(shared.saved, []);
  }
  chmodSync(ancestor, 0o755);
  assert.deepEqual(accepted(runOnce(dist, cache)), [true, true]);
  // Directories of another user: as root, hand one to "nobody"; otherwise, be someone else.
  if (process.getuid?.() === 0) {
    chownSync(ancestor, 65534, 65534);
    assert.deepEqual(accepted(runOnce(dist, cache)), [false, false]);
    chownSync(ancestor, 0, 0);
  } else {
    assert.deepEqual(accepted(runOnce(dist, cache, { uid: process.getuid!() + 1 })), [false, false]);
  }
});

test('a cache file is read only if it is a regular file of the user that nobody else may write', (t) => {
  if (process.platform === 'win32') return t.skip('POSIX owners and modes');
  const { dist, cache } = fixture(t);
  runOnce(dist, cache);
  const file = join(cache, cacheFiles(cache).find((name) => name.startsWith('work-A1'))!);
  chmodSync(file, 0o666);
  assert.equal(runOnce(dist, cache).report[1]!.accepted, false, 'writable by others');
  const real = join(cache, '..', 'elsewhere');
  writeFileSync(real, readFileSync(file), { mode: 0o600 });
  rmSync(file);
  symlinkSync(real, file);
  assert.equal(runOnce(dist, cache).report[1]!.accepted, false, 'a symbolic link');
});

test('writing caches keeps those of the most recent other versions, removes older ones, and nothing else', (t) => {
  const { dist, cache } = fixture(t);
  const versions = join(cache, '..', '..');
  const old = ['0.7.0-node22.22.2-x64', '0.8.0-node22.22.2-x64', '0.9.0-node24.15.0-x64'];
  old.forEach((name, index) => {
    mkdirSync(join(versions, name, 'init'), { recursive: true });
    writeFileSync(join(versions, name, 'init', 'main.cjs.old'), 'old');
    const at = new Date(Date.now() - (10 - index) * 86_400_000);
    utimesSync(join(versions, name), at, at);
  });
  writeFileSync(join(versions, 'notes.txt'), 'not a cache');
  runOnce(dist, cache);
  assert.deepEqual(readdirSync(versions).sort(), ['0.8.0-node22.22.2-x64', '0.9.0-node24.15.0-x64', '1.0.0-node24.0.0-x64', 'notes.txt']);
});

test("the cache lives in the platform's cache directory, one per version of dynauth and Node, per command", () => {
  const version = `0.1.0-node${process.versions.node}-${process.arch}`;
  const at = (env: Record<string, string>, platform: NodeJS.Platform, home: string, args: string[]) =>
    codeCacheDir({ env, platform, homedir: () => home, version: '0.1.0', args });
  assert.equal(
    at({ XDG_CACHE_HOME: '/var/cache/u' }, 'linux', '/home/u', ['init', '--yes']),
    join('/var/cache/u', 'dynauth', 'code-cache', version, 'init'),
  );
  assert.equal(
    at({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u', ['--cloud', 'usgov', 'test-connection']),
    join('/home/u', '.cache', 'dynauth', 'code-cache', version, 'test-connection'),
  );
  assert.equal(at({}, 'darwin', '/Users/u', ['--help']), join('/Users/u', 'Library', 'Caches', 'dynauth', 'code-cache', version, 'other'));
  assert.equal(
    at({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u', ['initt']),
    win32.join('C:\\Users\\u\\AppData\\Local', 'dynauth', 'code-cache', version, 'other'),
  );
  assert.equal(
    at({ LOCALAPPDATA: 'relative' }, 'win32', 'C:\\Users\\u', ['export']),
    win32.join('C:\\Users\\u', 'AppData', 'Local', 'dynauth', 'code-cache', version, 'export'),
  );
  // No home directory is asked for when XDG_CACHE_HOME says where: a user without one still runs.
  const homeless = () => {
    throw new Error('no home directory');
  };
  assert.equal(
    codeCacheDir({ env: { XDG_CACHE_HOME: '/c' }, platform: 'linux', homedir: homeless, version: '0.1.0', args: ['status'] }),
    join('/c', 'dynauth', 'code-cache', version, 'status'),
  );
});

test('every command of the program has its own cache bucket', async () => {
  const { buildProgram } = await import('../../src/main.ts');
  const names = buildProgram(() => async () => {}, process).commands.map((command) => command.name());
  assert.deepEqual([...names].sort(), [...CACHED_COMMANDS].sort());
});
