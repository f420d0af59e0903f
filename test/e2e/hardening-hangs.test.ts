// Issue 14, "Hangs": whatever the keychain, the file system or stdin do, every command ends within
// its documented time-out plus a few seconds, with a message and a hint.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostileCases } from '../support/hostile.ts';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';

const KEYCHAIN_TIMEOUT_MS = 5000;
/** What "a few seconds" past a time-out may take on a loaded 2-core machine: Node's start, the sign-in. */
const SLACK_MS = 8000;

/** A D-Bus session socket that accepts every connection and never answers: a hung Secret Service. */
async function silentBus(t: TestContext): Promise<{ address: string; connections: () => number }> {
  const directory = await mkdtemp(join(tmpdir(), 'dynauth-silent-bus-'));
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(join(directory, 'bus'), resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });
  return { address: `unix:path=${join(directory, 'bus')}`, connections: () => sockets.length };
}

/**
 * A profile whose credential is in the OS keychain, made without one: init into the file store,
 * then the profile file says "keychain" (the item is never reached: the keychain hangs first).
 */
async function keychainProfile(sandbox: Sandbox): Promise<void> {
  const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only', '--store', 'file']);
  assert.equal(init.code, 0, init.stderr);
  const file = join(sandbox.env.DYNAUTH_CONFIG_DIR!, 'contososales.json');
  const profile = JSON.parse(await readFile(file, 'utf8'));
  profile.keychain = { ...profile.keychain, passphrase: false, store: 'keychain' };
  await writeFile(file, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
}

const KEYCHAIN_HANGS: ReadonlyArray<{ command: string; args: string[]; needsProfile: boolean; stream?: 'stdout' }> = hostileCases('hangs', [
  { command: 'init', args: ['init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only'], needsProfile: false },
  // test-connection reports every check, this one too, on stdout.
  { command: 'test-connection', args: ['test-connection', '--profile', 'contososales'], needsProfile: true, stream: 'stdout' },
  { command: 'export', args: ['export', '--profile', 'contososales'], needsProfile: true },
  { command: 'token', args: ['token', '--profile', 'contososales'], needsProfile: true },
  { command: 'api', args: ['api', '--profile', 'contososales', 'GET', 'WhoAmI'], needsProfile: true },
  { command: 'remove', args: ['remove', '--profile', 'contososales', '--yes'], needsProfile: true },
  { command: 'rotate-secret', args: ['rotate-secret', '--profile', 'contososales', '--yes'], needsProfile: true },
]);

for (const { command, args, needsProfile, stream } of KEYCHAIN_HANGS) {
  test(`keychain not answering (D-Bus accepts, never replies): ${command} exits with the time-out and the fallback hint`, async (t) => {
    const sandbox = await startSandbox(t, {}, { store: 'file' });
    if (needsProfile) await keychainProfile(sandbox);
    const bus = await silentBus(t);
    const before = sandbox.emulator.requests.length;
    const started = Date.now();
    const run = await sandbox.run(args, {
      env: { DBUS_SESSION_BUS_ADDRESS: bus.address, DYNAUTH_STORE: 'keychain', DYNAUTH_PASSPHRASE: '' },
      timeoutMs: KEYCHAIN_TIMEOUT_MS + SLACK_MS + 10_000,
    });
    const elapsed = Date.now() - started;
    assert.equal(run.signal, null, `killed after ${elapsed} ms: the command hung\n${run.stderr}`);
    assert.ok(elapsed < KEYCHAIN_TIMEOUT_MS + SLACK_MS, `took ${elapsed} ms`);
    assert.equal(run.code, 1, run.stderr);
    const report = stream === 'stdout' ? run.stdout : run.stderr;
    assert.match(report, /The OS keychain did not answer within 5 s/u, `${run.stdout}\n${run.stderr}`);
    assert.match(report, /--store file --passphrase/u);
    assert.ok(bus.connections() > 0, 'the keychain really tried the silent bus');
    if (command === 'init') {
      const writes = sandbox.emulator.requests.slice(before).filter((r) => r.service !== 'login' && r.method !== 'GET');
      assert.deepEqual(
        writes.map((r) => `${r.method} ${r.path}`),
        [],
        'nothing was created before the keychain was proven',
      );
    }
  });
}

/** Runs the CLI with stdin taken from a file (such as /dev/zero), or from a pipe that is never closed. */
function runWithStdin(
  sandbox: Sandbox,
  args: string[],
  stdin: string | 'open-pipe',
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const fd = stdin === 'open-pipe' ? 'pipe' : openSync(stdin, 'r');
    const child = spawn(process.execPath, [bin, ...args], { env: sandbox.env, stdio: [fd, 'pipe', 'pipe'] });
    if (typeof fd === 'number') closeSync(fd);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      child.stdin?.destroy();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;
const CLIENT_ID = '0b7c5f3e-1111-4222-8333-944445555666';

const STDIN_CASES = hostileCases('hangs', [
  {
    flag: '--client-secret-stdin',
    stdin: '/dev/zero',
    expected: /--client-secret-stdin read more than 64 KiB from stdin, far more than the client secret; nothing of it is shown\./u,
  },
  { flag: '--client-secret-stdin', stdin: '/dev/urandom', expected: /--client-secret-stdin read more than 64 KiB from stdin/u },
  {
    flag: '--connection-string-stdin',
    stdin: '/dev/zero',
    expected: /--connection-string-stdin read more than 64 KiB from stdin, far more than a connection string/u,
  },
  { flag: '--connection-string-stdin', stdin: '/dev/urandom', expected: /--connection-string-stdin read more than 64 KiB from stdin/u },
  { flag: '--client-secret-stdin', stdin: 'open-pipe', expected: /--client-secret-stdin: stdin did not end within 2 s \(--timeout\)\./u },
  {
    flag: '--connection-string-stdin',
    stdin: 'open-pipe',
    expected: /--connection-string-stdin: stdin did not end within 2 s \(--timeout\)\./u,
  },
] as const);

for (const { flag, stdin, expected } of STDIN_CASES) {
  test(`unbounded stdin: ${flag} fed ${stdin === 'open-pipe' ? 'a pipe never closed' : stdin} is a usage error, not a hang`, async (t) => {
    const sandbox = await startSandbox(t, {}, { store: 'file' });
    const url = sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!;
    const given = flag === '--client-secret-stdin' ? ['--environment', url, '--client-id', CLIENT_ID] : [];
    const started = Date.now();
    const run = await runWithStdin(
      sandbox,
      ['test-connection', ...given, '--tenant', sandbox.emulator.tenant.id, flag, '--timeout', '2s'],
      stdin,
      30_000,
    );
    const elapsed = Date.now() - started;
    assert.equal(run.signal, null, `killed after ${elapsed} ms: the command hung\n${run.stderr}`);
    assert.ok(elapsed < 2000 + SLACK_MS, `took ${elapsed} ms`);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, expected);
    assert.ok(run.stderr.length < 400, `short, and nothing read is echoed: ${run.stderr.length} characters`);
    assert.deepEqual(
      sandbox.emulator.requests.filter((r) => r.service === 'login' && r.method === 'POST'),
      [],
      'no token was asked for',
    );
  });
}

/** A FIFO nobody writes to: opening it for reading would wait forever for a writer. */
function fifo(directory: string, name: string): string {
  const path = join(directory, name);
  const made = spawnSync('mkfifo', [path]);
  assert.equal(made.status, 0, `mkfifo: ${made.stderr}`);
  return path;
}

type FileCase = {
  name: string;
  prepare: (sandbox: Sandbox) => Promise<{ args: string[]; env?: Record<string, string> }>;
  expected: RegExp;
  code: number;
  stream?: 'stdout';
};

const NON_REGULAR_FILES: readonly FileCase[] = hostileCases('hangs', [
  {
    name: '--cloud-config naming a FIFO',
    prepare: async (sandbox) => ({ args: ['test-connection', '--cloud-config', fifo(sandbox.dir, 'cloud.json')] }),
    expected: /^✖ Cannot read cloud config .*cloud\.json is a FIFO \(named pipe\), not a regular file\.\n$/u,
    code: 2,
  },
  {
    name: 'DYNAUTH_CLOUD_CONFIG naming a FIFO',
    prepare: async (sandbox) => ({ args: ['test-connection'], env: { DYNAUTH_CLOUD_CONFIG: fifo(sandbox.dir, 'cloud.json') } }),
    expected: /^✖ Cannot read cloud config .*cloud\.json is a FIFO \(named pipe\), not a regular file\.\n$/u,
    code: 2,
  },
  {
    name: '--cloud-config naming /dev/zero',
    prepare: async () => ({ args: ['init', '--cloud-config', '/dev/zero'] }),
    expected: /^✖ Cannot read cloud config \/dev\/zero is a character device, not a regular file\.\n$/u,
    code: 2,
  },
  {
    name: '--certificate naming a FIFO',
    prepare: async (sandbox) => {
      const url = sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!;
      return {
        args: [
          'test-connection',
          '--environment',
          url,
          '--tenant',
          sandbox.emulator.tenant.id,
          '--client-id',
          CLIENT_ID,
          '--certificate',
          fifo(sandbox.dir, 'app.pem'),
        ],
      };
    },
    expected: /^✖ Cannot read --certificate .*app\.pem is a FIFO \(named pipe\), not a regular file\.\n$/u,
    code: 2,
  },
  {
    name: '--certificate naming /dev/urandom',
    prepare: async (sandbox) => {
      const url = sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!;
      return {
        args: [
          'test-connection',
          '--environment',
          url,
          '--tenant',
          sandbox.emulator.tenant.id,
          '--client-id',
          CLIENT_ID,
          '--certificate',
          '/dev/urandom',
        ],
      };
    },
    expected: /^✖ Cannot read --certificate \/dev\/urandom is a character device, not a regular file\.\n$/u,
    code: 2,
  },
  {
    name: 'AZURE_CLIENT_CERTIFICATE_PATH naming a FIFO',
    prepare: async (sandbox) => ({
      args: ['init', '--auth', 'environment', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'],
      env: {
        AZURE_TENANT_ID: sandbox.emulator.tenant.id,
        AZURE_CLIENT_ID: CLIENT_ID,
        AZURE_CLIENT_CERTIFICATE_PATH: fifo(sandbox.dir, 'admin.pem'),
      },
    }),
    expected: /^✖ Cannot read AZURE_CLIENT_CERTIFICATE_PATH .*admin\.pem is a FIFO \(named pipe\), not a regular file\.\n$/mu,
    code: 2,
  },
  {
    name: 'a FIFO in place of a profile file',
    prepare: async (sandbox) => {
      await mkdir(sandbox.env.DYNAUTH_CONFIG_DIR!, { recursive: true, mode: 0o700 });
      fifo(sandbox.env.DYNAUTH_CONFIG_DIR!, 'contososales.json');
      return { args: ['export', '--profile', 'contososales'] };
    },
    expected: /contososales\.json: is not a regular file/u,
    code: 1,
  },
  {
    name: 'a FIFO in place of a profile file, seen by status',
    prepare: async (sandbox) => {
      await mkdir(sandbox.env.DYNAUTH_CONFIG_DIR!, { recursive: true, mode: 0o700 });
      fifo(sandbox.env.DYNAUTH_CONFIG_DIR!, 'contososales.json');
      return { args: ['status'] };
    },
    // status reports each profile's problem in its table, on stdout.
    expected: /^✖ contososales: Profile file .*contososales\.json: is not a regular file/mu,
    code: 1,
    stream: 'stdout',
  },
  {
    name: 'a FIFO in place of the encrypted credential file',
    prepare: async (sandbox) => {
      const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only', '--store', 'file']);
      assert.equal(init.code, 0, init.stderr);
      const encrypted = join(sandbox.env.DYNAUTH_CONFIG_DIR!, 'encrypted');
      const item = (await readdir(encrypted)).find((name) => name === `${Buffer.from('contososales').toString('hex')}.sealed`)!;
      await rm(join(encrypted, item));
      fifo(encrypted, item);
      return { args: ['export', '--profile', 'contososales', '--store', 'file'] };
    },
    expected: /^✖ Could not read the credential file for "contososales": .*\.sealed is a FIFO \(named pipe\), not a regular file\./mu,
    code: 1,
  },
]);

for (const { name, prepare, expected, code, stream } of NON_REGULAR_FILES) {
  test(`non-regular file: ${name} is refused at once, not waited on`, async (t) => {
    const sandbox = await startSandbox(t, {}, { store: 'file' });
    const { args, env } = await prepare(sandbox);
    const started = Date.now();
    const run = await sandbox.run(args, { env, timeoutMs: 30_000 });
    const elapsed = Date.now() - started;
    assert.equal(run.signal, null, `killed after ${elapsed} ms: the command hung\n${run.stderr}`);
    assert.ok(elapsed < SLACK_MS, `took ${elapsed} ms`);
    assert.equal(run.code, code, run.stderr);
    assert.match(stream === 'stdout' ? run.stdout : run.stderr, expected);
    assert.doesNotMatch(run.stderr, /Unexpected|\n\s+at /u, 'an expected failure, without a stack trace');
  });
}

const UNUSABLE_CONFIG_DIRS = hostileCases('hangs', [
  { store: 'keychain', configDir: '/proc/dynauth-test/profiles' },
  { store: 'file', configDir: '/proc/dynauth-test/profiles' },
  { store: 'file', configDir: '/proc/self/dynauth-test' },
] as const);

for (const { store, configDir } of UNUSABLE_CONFIG_DIRS) {
  test(`DYNAUTH_CONFIG_DIR ${configDir} (Node's recursive mkdir never returns under /proc), --store ${store}: init refuses before anything remote`, async (t) => {
    if (process.platform !== 'linux') return t.skip('/proc is Linux');
    const sandbox = await startSandbox(t, {}, { store: 'file' });
    const env = { DYNAUTH_CONFIG_DIR: configDir, DYNAUTH_STORE: store, ...(store === 'keychain' ? { DYNAUTH_PASSPHRASE: '' } : {}) };
    const before = sandbox.emulator.requests.length;
    const started = Date.now();
    const run = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'], {
      env,
      timeoutMs: 40_000,
    });
    const elapsed = Date.now() - started;
    assert.equal(run.signal, null, `killed after ${elapsed} ms: the command hung\n${run.stderr}`);
    assert.ok(elapsed < KEYCHAIN_TIMEOUT_MS + SLACK_MS, `took ${elapsed} ms`);
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `The profiles directory ${configDir.replace(/[/.]/gu, '\\$&')} cannot be used \\((ENOENT|EACCES|EPERM)\\); nothing was changed\\.`,
        'u',
      ),
    );
    assert.match(run.stderr, /DYNAUTH_CONFIG_DIR/u);
    const writes = sandbox.emulator.requests.slice(before).filter((r) => r.service !== 'login' && r.method !== 'GET');
    assert.deepEqual(
      writes.map((r) => `${r.method} ${r.path}`),
      [],
      'nothing was created',
    );
  });
}
