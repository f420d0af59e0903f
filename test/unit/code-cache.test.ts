// src/code-cache.ts: the V8 code caches the published package loads its chunks with. Each run is
// a child process, as each dynauth run is, since the loader hooks the process's CommonJS loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeCacheDir } from '../../src/code-cache.ts';

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
  writeFileSync(join(dist, 'work-A1.cjs'), `exports.work = (call) => (call ? big(3) : 0);\nfunction big(n) {\n  let total = 1;\n${body}\n  return total;\n}\n`);
  return { dist, cache: join(root, 'cache', '1.0.0-node-x', 'init') };
}

function runOnce(dist: string, cache: string, options: { call?: boolean } = {}): Run {
  const script = `
    import { installCodeCache } from ${JSON.stringify(loader)};
    import { createRequire } from 'node:module';
    const cache = installCodeCache({ dist: ${JSON.stringify(dist)}, dir: ${JSON.stringify(cache)} });
    const value = createRequire(import.meta.url)(${JSON.stringify(join(dist, 'main.cjs'))}).run(${options.call !== false});
    const report = cache.report();
    console.log(JSON.stringify({ value, report, saved: cache.save() }));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
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
  if (process.platform !== 'win32' && process.getuid?.() !== 0) {
    const locked = join(cache, '..', '..', 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    assert.deepEqual(runOnce(dist, join(locked, 'v', 'init')).saved, []);
  }
});

test('caches are neither read nor written where someone else could put a file', (t) => {
  if (process.platform === 'win32') return t.skip('POSIX owners and modes');
  const { dist, cache } = fixture(t);
  runOnce(dist, cache);
  const versions = join(cache, '..', '..');
  chmodSync(versions, 0o777);
  const shared = runOnce(dist, cache);
  assert.deepEqual(shared.report.map((entry) => entry.accepted), [false, false]);
  assert.deepEqual(shared.saved, []);
  chmodSync(versions, 0o755);
  assert.deepEqual(runOnce(dist, cache).report.map((entry) => entry.accepted), [true, true]);
  if (process.getuid?.() === 0) {
    chownSync(join(versions, '..'), 65534, 65534); // root can hand the directory to "nobody"
    assert.deepEqual(runOnce(dist, cache).report.map((entry) => entry.accepted), [false, false]);
  }
});

test('writing a new version\'s caches removes those of other versions', (t) => {
  const { dist, cache } = fixture(t);
  const versions = join(cache, '..', '..');
  mkdirSync(join(versions, '0.9.0-node-x', 'init'), { recursive: true });
  writeFileSync(join(versions, '0.9.0-node-x', 'init', 'main.cjs.old'), 'old');
  runOnce(dist, cache);
  assert.deepEqual(readdirSync(versions), ['1.0.0-node-x']);
});

test('the cache lives in the platform\'s cache directory, one per version of dynauth and Node, per command', () => {
  const version = `0.1.0-node${process.versions.node}-${process.arch}`;
  assert.equal(
    codeCacheDir({ env: { XDG_CACHE_HOME: '/var/cache/u' }, platform: 'linux', homedir: '/home/u', version: '0.1.0', command: 'init' }),
    join('/var/cache/u', 'dynauth', 'code-cache', version, 'init'),
  );
  assert.equal(
    codeCacheDir({ env: { XDG_CACHE_HOME: 'relative' }, platform: 'linux', homedir: '/home/u', version: '0.1.0', command: 'test-connection' }),
    join('/home/u', '.cache', 'dynauth', 'code-cache', version, 'test-connection'),
  );
  assert.equal(
    codeCacheDir({ env: {}, platform: 'darwin', homedir: '/Users/u', version: '0.1.0', command: undefined }),
    join('/Users/u', 'Library', 'Caches', 'dynauth', 'code-cache', version, 'other'),
  );
  assert.equal(
    codeCacheDir({ env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, platform: 'win32', homedir: 'C:\\Users\\u', version: '0.1.0', command: '../../etc' }),
    join('C:\\Users\\u\\AppData\\Local', 'dynauth', 'code-cache', version, 'other'),
  );
});
