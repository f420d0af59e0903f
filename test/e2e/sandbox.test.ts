import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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
  const run = await runCli(['sandbox', '--latency', '5', 'init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only', '--json'], { env: baseEnv() });
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

test('dynauth sandbox alone prints the variables that point another shell at it, and stops on Ctrl-C', async (t) => {
  const sandbox = spawn(process.execPath, [bin, 'sandbox'], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => sandbox.exitCode === null && sandbox.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  sandbox.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => sandbox.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    sandbox.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (/DYNAUTH_AUTH=/.test(stdout)) resolve();
    });
    setTimeout(() => reject(new Error(`no environment printed: ${stderr}`)), 20_000);
  });
  const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(?:'([^']*)'|(\S*))$/gm)].map((m) => [m[1]!, m[2] ?? m[3] ?? '']));
  assert.ok(env.DYNAUTH_CLOUD_CONFIG && env.NODE_EXTRA_CA_CERTS, stdout);
  if (stderr.includes('DYNAUTH_STORE=file')) Object.assign(env, { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: 'another-shell-passphrase' });
  const run = await runCli(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'], { env: { ...baseEnv(), ...env } });
  assert.equal(run.code, 0, run.stderr);
  sandbox.kill('SIGINT');
  assert.equal(await exited, 130);
  for (const command of [['status'], ['export'], ['init', '--dry-run']]) {
    const after = await runCli(command, { env: { ...baseEnv(), ...env } });
    assert.equal(after.code, 2, `${command[0]}: ${after.stderr}`);
    assert.match(after.stderr, /points into a sandbox that has stopped/);
  }
});
