// The bounds under every read of stdin and every file operation: an input that never ends, or a
// file system that never answers, costs a time-out, never the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { readStdinValue } from '../../src/io/stdin.ts';
import { FileSystemTimeoutError, withinFileTimeLimit } from '../../src/util/file-time-limit.ts';
import { NotReadableFileError, readRegularFile } from '../../src/util/regular-file.ts';
import { probeConfigDir } from '../../src/profiles/config-dir-probe.ts';
import { hostileCases } from '../support/hostile.ts';

test('stdin: what is piped in is read whole when it ends', async () => {
  const stdin = new PassThrough();
  const reading = readStdinValue(stdin, { timeoutMs: 1000 });
  stdin.end('secret-value\n');
  assert.deepEqual(await reading, { text: 'secret-value\n' });
});

const ENDLESS_STDIN = hostileCases('hangs', [
  {
    name: 'more than the limit, never ending (like /dev/zero)',
    feed: (stdin: PassThrough) => setInterval(() => stdin.write(Buffer.alloc(16 * 1024)), 1),
    expected: 'too-large',
  },
  { name: 'a pipe held open, silent', feed: () => undefined, expected: 'not-ended' },
  {
    name: 'a pipe held open, a byte at a time under the limit',
    feed: (stdin: PassThrough) => setInterval(() => stdin.write('x'), 5),
    expected: 'not-ended',
  },
] as const);

for (const { name, feed, expected } of ENDLESS_STDIN) {
  test(`stdin: ${name} is given up on (${expected}) and no longer read`, async () => {
    const stdin = new PassThrough();
    const feeding = feed(stdin);
    const started = Date.now();
    const read = await readStdinValue(stdin, { timeoutMs: 300, maxBytes: 64 * 1024 });
    if (feeding) clearInterval(feeding);
    assert.deepEqual(read, { problem: expected });
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.ok(stdin.destroyed, 'the input is not read any further');
  });
}

test('a file operation that never settles is a FileSystemTimeoutError naming the path', async () => {
  const started = Date.now();
  await assert.rejects(withinFileTimeLimit(new Promise(() => {}), 'writing', '/mnt/hung/profile.json', 100), (error: unknown) => {
    assert.ok(error instanceof FileSystemTimeoutError);
    assert.match(error.message, /did not answer within 0\.1 s while writing \/mnt\/hung\/profile\.json/u);
    assert.match(error.hint ?? '', /DYNAUTH_CONFIG_DIR/u);
    return true;
  });
  assert.ok(Date.now() - started < 1000);
});

test('regular files are read whole; a FIFO, a device, a directory or an oversized file is not', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'dynauth-regular-file-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  await writeFile(join(directory, 'small.json'), '{"ok":true}');
  await writeFile(join(directory, 'large.json'), 'x'.repeat(2048));
  assert.equal((await readRegularFile(join(directory, 'small.json'), 1024)).toString(), '{"ok":true}');
  const refusals: Array<[string, NotReadableFileError['reason'], RegExp]> = [
    [join(directory, 'large.json'), 'too-large', /2048 bytes, more than the 1024 expected/u],
  ];
  if (process.platform !== 'win32') {
    assert.equal(spawnSync('mkfifo', [join(directory, 'fifo')]).status, 0);
    refusals.push(
      [join(directory, 'fifo'), 'not-regular', /is a FIFO \(named pipe\), not a regular file/u],
      ['/dev/zero', 'not-regular', /is a character device/u],
    );
  }
  refusals.push([directory, 'not-regular', /is a directory/u]);
  for (const [path, reason, message] of hostileCases('hangs', refusals)) {
    await assert.rejects(readRegularFile(path, 1024), (error: unknown) => {
      assert.ok(error instanceof NotReadableFileError, String(error));
      assert.equal(error.reason, reason);
      assert.match(error.message, message);
      return true;
    });
  }
});

test('the config directory probe makes missing levels 0700, leaves nothing behind, and says why a path cannot be used', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'dynauth-probe-'));
  t.after(() => rm(directory, { recursive: true, force: true }));
  const profiles = join(directory, 'a', 'b', 'profiles');
  await probeConfigDir(profiles);
  const { readdir, stat } = await import('node:fs/promises');
  assert.deepEqual(await readdir(profiles), [], 'the probe file is removed');
  if (process.platform !== 'win32') {
    for (const level of [join(directory, 'a'), join(directory, 'a', 'b'), profiles])
      assert.equal((await stat(level)).mode & 0o777, 0o700, level);
  }
  await writeFile(join(directory, 'file'), '');
  await assert.rejects(
    probeConfigDir(join(directory, 'file', 'profiles')),
    /The profiles directory .*file\/profiles cannot be used \(ENOTDIR\); nothing was changed\./u,
  );
  if (process.platform === 'linux') {
    const started = Date.now();
    await assert.rejects(
      probeConfigDir('/proc/dynauth-test/profiles'),
      /The profiles directory \/proc\/dynauth-test\/profiles cannot be used \((ENOENT|EACCES|EPERM)\)/u,
    );
    assert.ok(Date.now() - started < 2000, 'not the recursive mkdir that never returns under /proc');
  }
});
