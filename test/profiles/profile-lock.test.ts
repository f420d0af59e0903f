import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { lockProfiles, ProfileLockedError } from '../../src/profiles/profile-lock.ts';
import { hostileCases } from '../support/hostile.ts';

const lockModule = new URL('../../src/profiles/profile-lock.ts', import.meta.url).href;

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dynauth-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const owner = (pid: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ pid, host: hostname(), command: 'init', since: '2026-01-01T00:00:00.000Z', ...extra });

interface LeftLock {
  name: string;
  content: () => string;
  /** Seconds the file's mtime is moved back. */
  ageSeconds?: number;
  takenOver: boolean;
}

const LEFT_LOCKS: LeftLock[] = [
  { name: 'owner killed (kill -9): taken over', content: () => owner(deadPid()), takenOver: true },
  { name: 'owner alive: refused', content: () => owner(process.ppid), takenOver: false },
  {
    name: 'pid reused by another process (start time differs): taken over',
    content: () => owner(process.ppid, { started: '1' }),
    takenOver: true,
  },
  {
    name: 'owner on another host: refused (cannot tell)',
    content: () => JSON.stringify({ pid: deadPid(), host: 'elsewhere.example', command: 'init', since: '2026-01-01T00:00:00Z' }),
    takenOver: false,
  },
  { name: 'garbage written moments ago: refused', content: () => 'not json', takenOver: false },
  { name: 'garbage an hour old: taken over', content: () => '{"pid": "x"', ageSeconds: 3600, takenOver: true },
  { name: 'empty file an hour old: taken over', content: () => '', ageSeconds: 3600, takenOver: true },
];

for (const left of hostileCases('data', LEFT_LOCKS)) {
  test(`a lock left behind, ${left.name}`, async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'contososales.lock');
    const content = left.content();
    await writeFile(file, content);
    if (left.ageSeconds) await utimes(file, new Date(Date.now() - left.ageSeconds * 1000), new Date(Date.now() - left.ageSeconds * 1000));
    if (!left.takenOver) {
      await assert.rejects(lockProfiles(dir, ['contososales'], 'rotate-secret', new Date()), (error: unknown) => {
        assert.ok(error instanceof ProfileLockedError);
        assert.match(error.message, /Profile "contososales" is in use by /);
        assert.ok(error.hint!.includes(`delete ${file}`), error.hint);
        return true;
      });
      assert.equal(await readFile(file, 'utf8'), content, 'left as it was');
      assert.deepEqual(await readdir(dir), ['contososales.lock'], 'no temp file left');
      return;
    }
    const lock = await lockProfiles(dir, ['contososales'], 'rotate-secret', new Date());
    const mine = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(mine.pid, process.pid);
    assert.equal(mine.command, 'rotate-secret');
    await lock.release();
    assert.deepEqual(await readdir(dir), [], 'released, with no temp or takeover file left');
  });
}

test('a live owner is named: its command, pid and start', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'prod.lock'), owner(process.ppid));
  await assert.rejects(
    lockProfiles(dir, ['prod'], 'init', new Date()),
    new RegExp(`in use by dynauth init \\(pid ${process.ppid}, since 2026-01-01 00:00:00 UTC\\)`),
  );
});

test('several profiles are locked together, or none', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'b.lock'), owner(process.ppid));
  await assert.rejects(lockProfiles(dir, ['c', 'a', 'b'], 'init', new Date()), ProfileLockedError);
  assert.deepEqual((await readdir(dir)).sort(), ['b.lock'], 'a.lock was let go again; c was never taken');
  await rm(join(dir, 'b.lock'));
  const lock = await lockProfiles(dir, ['c', 'a', 'b'], 'init', new Date());
  assert.deepEqual((await readdir(dir)).sort(), ['a.lock', 'b.lock', 'c.lock']);
  await lock.release();
  assert.deepEqual(await readdir(dir), []);
});

test(hostileCases('data', ['a process that exits through process.exit (Ctrl-C) lets go of its lock'])[0]!, async (t) => {
  const dir = await tempDir(t);
  const script = `import { lockProfiles } from ${JSON.stringify(lockModule)}; await lockProfiles(${JSON.stringify(dir)}, ['prod'], 'init', new Date()); process.exit(130);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 130, child.stderr);
  assert.deepEqual(await readdir(dir), []);
});

test(hostileCases('data', ["eight processes racing for one profile over a dead owner's lock: exactly one gets it"])[0]!, async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'prod.lock'), owner(deadPid()));
  // Each process says at once whether it got the lock; the one that did holds it until every other has answered.
  const script = `
    import { lockProfiles } from ${JSON.stringify(lockModule)};
    try {
      const lock = await lockProfiles(${JSON.stringify(dir)}, ['prod'], 'init', new Date());
      console.log('got');
      process.stdin.resume();
      await new Promise((resolve) => process.stdin.on('end', resolve));
      await lock.release();
    } catch (error) {
      console.log(error.name);
    }`;
  const children = Array.from({ length: 8 }, () =>
    spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const answers = children.map(
    (child) =>
      new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('error', reject);
        child.on('close', () => resolve(out.trim()));
      }),
  );
  const results = await Promise.all(answers);
  const closed = children.map(
    (child) => new Promise((resolve) => (child.exitCode === null ? child.on('close', resolve) : resolve(undefined))),
  );
  for (const child of children) child.stdin.end();
  await Promise.all(closed);
  assert.equal(results.filter((r) => r === 'got').length, 1, results.join(', '));
  assert.equal(results.filter((r) => r === 'ProfileLockedError').length, 7, results.join(', '));
  assert.deepEqual(await readdir(dir), []);
});
