import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/sandbox.ts';
import { secretServiceAvailable } from '../support/secret-service.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;
const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  NO_COLOR: '1',
  ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}),
});

test('dynauth sandbox runs init against the emulated tenant and cleans up after itself', async () => {
  const run = await runCli(
    ['sandbox', '--latency', '5', 'init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only', '--json'],
    { env: baseEnv() },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Sandbox tenant "Contoso \(dynauth sandbox\)"/);
  const result = JSON.parse(run.stdout);
  assert.equal(result.profile, 'contosodev');
  assert.match(result.keychain.service, /^dynauth-sandbox-/);
  if (await secretServiceAvailable()) {
    const { createKeyringStore } = await import('../../src/secrets/keyring-store.ts');
    assert.equal(await createKeyringStore(result.keychain.service).get('contosodev'), undefined, 'the sandbox removed its keychain items');
  }
});

test('--replication-lag sets the longest delay of every kind; the seed is printed and DYNAUTH_EMULATOR_SEED replays it', async () => {
  const args = [
    'sandbox',
    '--replication-lag',
    '1500',
    'init',
    '--yes',
    '--environment',
    'contosodev',
    '--role-preset',
    'read-only',
    '--json',
  ];
  const run = await runCli(args, { env: { ...baseEnv(), DYNAUTH_EMULATOR_SEED: '1234' } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Replication seed 1234: DYNAUTH_EMULATOR_SEED=1234 replays the same delays\./);
  assert.match(run.stderr, /Waiting for /, 'the new objects took their time to replicate');
  const bad = await runCli(args, { env: { ...baseEnv(), DYNAUTH_EMULATOR_SEED: 'tomorrow' } });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /DYNAUTH_EMULATOR_SEED must be a whole number from 0 to 4294967295, not "tomorrow"/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
});

/** `dynauth sandbox` waiting in the background, and the variables it printed for another shell. */
async function waitingSandbox(
  t: { after(fn: () => unknown): void },
  env: Record<string, string>,
): Promise<{ sandbox: ChildProcess; exited: Promise<number | null>; env: Record<string, string> }> {
  const sandbox = spawn(process.execPath, [bin, 'sandbox'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => sandbox.exitCode === null && sandbox.signalCode === null && sandbox.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  sandbox.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => sandbox.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    sandbox.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (/DYNAUTH_AUTH=/.test(stdout)) resolve();
    });
    setTimeout(() => reject(new Error(`no environment printed: ${stderr}`)), 20_000);
  });
  const printed = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(?:'([^']*)'|(\S*))$/gm)].map((m) => [m[1]!, m[2] ?? m[3] ?? '']));
  assert.ok(printed.DYNAUTH_CLOUD_CONFIG && printed.NODE_EXTRA_CA_CERTS, stdout);
  if (stderr.includes('DYNAUTH_STORE=file'))
    Object.assign(printed, { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: 'another-shell-passphrase' });
  return { sandbox, exited, env: printed };
}

test('dynauth sandbox alone prints the variables that point another shell at it, and stops on Ctrl-C', async (t) => {
  const { sandbox, exited, env } = await waitingSandbox(t, baseEnv());
  const run = await runCli(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'], {
    env: { ...baseEnv(), ...env },
  });
  assert.equal(run.code, 0, run.stderr);
  sandbox.kill('SIGINT');
  assert.equal(await exited, 130);
  for (const command of [['status'], ['export'], ['init', '--dry-run']]) {
    const after = await runCli(command, { env: { ...baseEnv(), ...env } });
    assert.equal(after.code, 2, `${command[0]}: ${after.stderr}`);
    assert.match(after.stderr, /points into a sandbox that has stopped/);
  }
});

test('a sandbox killed with SIGKILL is cleaned up by the next one: its directory and its keychain items', async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'dynauth-sbtest-'));
  t.after(() => rm(tmp, { recursive: true, force: true }));
  const outer = { ...baseEnv(), TMPDIR: tmp };
  const { sandbox, exited, env } = await waitingSandbox(t, outer);
  const init = await runCli(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'], {
    env: { ...outer, ...env },
  });
  assert.equal(init.code, 0, init.stderr);
  sandbox.kill('SIGKILL');
  await exited;
  const sandboxDirs = async () => (await readdir(tmp)).filter((name) => name.startsWith('dynauth-sandbox-'));
  assert.equal((await sandboxDirs()).length, 1, 'SIGKILL left the directory behind');
  const { createKeyringStore } = await import('../../src/secrets/keyring-store.ts');
  const keychain = env.DYNAUTH_STORE === 'file' ? undefined : createKeyringStore(env.DYNAUTH_KEYCHAIN_SERVICE!);
  if (keychain) assert.notEqual(await keychain.get('contososales'), undefined, 'and the keychain items');

  const next = await runCli(['sandbox', 'status'], { env: outer });
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(await sandboxDirs(), []);
  if (keychain) {
    const { DATA_KEY_ACCOUNT } = await import('../../src/secrets/vault.ts');
    assert.equal(await keychain.get('contososales'), undefined);
    assert.equal(await keychain.get(DATA_KEY_ACCOUNT), undefined);
  }
});
