import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';

async function initProfile(sandbox: Sandbox, environment = 'contososales', ...more: string[]) {
  const run = await sandbox.run(['init', '--yes', '--environment', environment, '--role-preset', 'system-administrator', ...more]);
  assert.equal(run.code, 0, run.stderr);
}

test('a working profile: every check passes, facts reported, lastSuccessfulTest updated', async (t) => {
  const sandbox = await startSandbox(t);
  await initProfile(sandbox);
  const run = await sandbox.run(['test-connection', '--profile', 'contososales', '--json']);
  console.log(run.stdout, run.stderr);
  assert.equal(run.code, 0, run.stderr);
});
