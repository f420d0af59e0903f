import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { runCli } from '../support/sandbox.ts';

// `dynauth sandbox --federated-token <spec>` demonstrates a federated profile end to end: the
// sandbox's own OIDC issuer writes the pipeline's token, and another shell uses it.

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;
const SPEC = 'github:contoso/dataverse-solutions:environment:production';
const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  NO_COLOR: '1',
  ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}),
});

test('a sandbox with --federated-token: init --federation, then test-connection with the token it wrote', async (t) => {
  const sandbox = spawn(process.execPath, [bin, 'sandbox', '--replication-lag', '0', '--federated-token', SPEC], {
    env: baseEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => sandbox.exitCode === null && sandbox.signalCode === null && sandbox.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  sandbox.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => sandbox.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    sandbox.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (/DYNAUTH_AUTH=/.test(stdout) && /AZURE_FEDERATED_TOKEN_FILE=/.test(stdout)) resolve();
    });
    sandbox.on('close', () => reject(new Error(`the sandbox stopped: ${stderr}`)));
  });
  const env = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(?:'([^']*)'|(\S*))$/gm)].map((m) => [m[1]!, m[2] ?? m[3] ?? '']));
  if (stderr.includes('DYNAUTH_STORE=file')) Object.assign(env, { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: 'another-shell-passphrase' });
  assert.match(
    stderr,
    /Federated token \(issuer https:\/\/token\.actions\.githubusercontent\.com, subject repo:contoso\/dataverse-solutions:environment:production/,
  );
  assert.equal((await stat(env.AZURE_FEDERATED_TOKEN_FILE!)).mode & 0o777, 0o600, 'the token is a secret: owner-only');

  const shell = { ...baseEnv(), ...env };
  const init = await runCli(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only', '--federation', SPEC], {
    env: shell,
  });
  assert.equal(init.code, 0, init.stderr);
  const tested = await runCli(['test-connection', '--profile', 'contososales'], { env: shell });
  assert.equal(tested.code, 0, tested.stderr);
  assert.match(tested.stdout, /whoami/);
  sandbox.kill('SIGINT');
  assert.equal(await exited, 130);
});

test('a bad --federated-token spec is a usage error before anything starts', async () => {
  const run = await runCli(['sandbox', '--federated-token', 'github:contoso/app', 'status'], { env: baseEnv() });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /add :environment:NAME/);
});
