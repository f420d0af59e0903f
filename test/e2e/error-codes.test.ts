// Issue 11: a storage or profile failure has one stable code, the same in every command's --json
// (test-connection and status --check give it as the failed check's diagnosis code, status as the
// row's problemCode when the profile itself cannot be read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Run, type Sandbox } from '../support/sandbox.ts';

const PROFILE = 'contososales';
const INIT = {
  command: 'init',
  args: ['init', '--yes', '--environment', PROFILE, '--role-preset', 'read-only', '--profile', PROFILE, '--json'],
};
const READERS: ReadonlyArray<{ command: string; args: string[] }> = [
  { command: 'test-connection', args: ['test-connection', '--profile', PROFILE, '--json'] },
  { command: 'status', args: ['status', '--check', '--json'] },
  { command: 'export', args: ['export', '--profile', PROFILE, '--json'] },
  { command: 'rotate-secret', args: ['rotate-secret', '--profile', PROFILE, '--yes', '--json'] },
  { command: 'token', args: ['token', '--profile', PROFILE, '--json'] },
  { command: 'api', args: ['api', '--profile', PROFILE, 'GET', 'WhoAmI', '--json'] },
];

/** The code a failed run reports: its error's, its failed check's diagnosis, or its status row's. */
function reportedCode(run: Run): string | undefined {
  const result = JSON.parse(run.stdout);
  const failedCheck = (report: { checks?: Array<{ status: string; diagnosis?: { code: string } }> } | undefined) =>
    report?.checks?.find((check) => check.status === 'fail')?.diagnosis?.code;
  const row = result.profiles?.[0];
  return result.error?.code ?? failedCheck(result) ?? failedCheck(row?.check) ?? row?.problemCode;
}

async function assertSameCode(
  sandbox: Sandbox,
  commands: ReadonlyArray<{ command: string; args: string[] }>,
  code: string,
  env: Record<string, string> = {},
): Promise<void> {
  for (const { command, args } of commands) {
    const run = await sandbox.run(args, { env });
    assert.equal(run.code, 1, `${command}: ${run.stdout}${run.stderr}`);
    assert.equal(reportedCode(run), code, `${command}: ${run.stdout}`);
  }
}

async function initialized(t: Parameters<typeof startSandbox>[0]): Promise<Sandbox> {
  const sandbox = await startSandbox(t, {}, { store: 'file' });
  const init = await sandbox.run(['init', '--yes', '--environment', PROFILE, '--role-preset', 'read-only']);
  assert.equal(init.code, 0, init.stderr);
  return sandbox;
}

async function editProfile(sandbox: Sandbox, edit: (profile: Record<string, unknown>) => void): Promise<void> {
  const file = join(sandbox.env.DYNAUTH_CONFIG_DIR!, `${PROFILE}.json`);
  const profile = JSON.parse(await readFile(file, 'utf8'));
  edit(profile);
  await writeFile(file, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
}

test('no OS keychain to reach: "keychain-unavailable" from every command', async (t) => {
  const sandbox = await initialized(t);
  // The profile says its credential is in the keychain, which has no D-Bus session to answer on.
  await editProfile(sandbox, (profile) => (profile.keychain = { ...(profile.keychain as object), passphrase: false, store: 'keychain' }));
  const noKeychain = {
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/dynauth-test-bus',
    DYNAUTH_STORE: 'keychain',
    DYNAUTH_PASSPHRASE: '',
  };
  await assertSameCode(sandbox, [...READERS, INIT], 'keychain-unavailable', noKeychain);
});

test('the wrong passphrase: "keychain-undecryptable" from every command that reads the credential', async (t) => {
  const sandbox = await initialized(t);
  await assertSameCode(sandbox, READERS, 'keychain-undecryptable', { DYNAUTH_PASSPHRASE: 'a wrong passphrase' });
});

test('a tampered profile: "profile-tampered" from every command that reads it; init rebuilds it', async (t) => {
  const sandbox = await initialized(t);
  await editProfile(sandbox, (profile) => (profile.clientId = 'not-a-guid'));
  await assertSameCode(sandbox, READERS, 'profile-tampered');
  // init's documented recovery for a profile it cannot trust: it writes the profile anew.
  const init = await sandbox.run(INIT.args);
  assert.equal(init.code, 0, init.stderr);
  const tested = await sandbox.run(['test-connection', '--profile', PROFILE]);
  assert.equal(tested.code, 0, tested.stdout);
});

test('a config directory others can write: "unsafe-location" from every command', async (t) => {
  const sandbox = await initialized(t);
  await chmod(sandbox.env.DYNAUTH_CONFIG_DIR!, 0o777);
  await assertSameCode(sandbox, [...READERS, INIT], 'unsafe-location');
});
