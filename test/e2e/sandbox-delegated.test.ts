import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/sandbox.ts';

const baseEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  NO_COLOR: '1',
  ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}),
});

test('dynauth sandbox plays the browser of a delegated setup: approves as its integration account and says so', async () => {
  const run = await runCli(['sandbox', 'init', '--yes', '--flow', 'delegated', '--environment', 'contosodev', '--json'], {
    env: baseEnv(),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Integration account of delegated setups: integration@contoso-sandbox\.onmicrosoft\.com/);
  assert.match(run.stderr, /dynauth sandbox played the browser: it approved the sign-in as integration@contoso-sandbox\.onmicrosoft\.com/);
  assert.doesNotMatch(run.stderr, /Open this address in a browser/);
  const result = JSON.parse(run.stdout);
  assert.equal(result.flow, 'delegated');
  assert.equal(result.user.userPrincipalName, 'integration@contoso-sandbox.onmicrosoft.com');
  assert.equal(result.refreshTokenStored, true);
});
