import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmulatorState } from '../../src/emulator/state.ts';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';
import { KEY, runInPty } from '../support/pty.ts';
import { assertNoDelegatedSecretLeaked, seedDelegatedProfile } from './delegated-fixtures.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;

async function init(sandbox: Sandbox, environments = ['contososales']): Promise<{ clientId: string; appObjectId: string }> {
  const run = await sandbox.run([
    'init',
    '--yes',
    ...environments.flatMap((e) => ['--environment', e]),
    '--role-preset',
    'read-only',
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const { profiles } = await sandbox.storage();
  const clientId = (await profiles.read(environments[0]!))!.clientId;
  return { clientId, appObjectId: sandbox.emulator.state.applications.find((a) => a.appId === clientId)!.id };
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

function applicationUser(sandbox: Sandbox, clientId: string, environment = 'contososales') {
  return sandbox.emulator.state.environments
    .find((e) => e.uniqueName === environment)!
    .dataverse!.systemusers.find((u) => u.applicationid === clientId);
}

test('remove deletes the profile, its stored items and records, and touches nothing in the cloud', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId } = await init(sandbox);
  const { vault, profiles } = await sandbox.storage();
  await profiles.writeRecord(['contososales'], 'new-secret', { marker: 'left by a killed run' });
  await profiles.write({ ...(await profiles.read('contososales'))!, destinations: [{ spec: 'github:contoso/integration' }] });
  await vault.saveConnection('contososales', (await vault.loadConnection('contososales'))!.connectionString, { slot: 'next' });
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['remove', '--profile', 'contososales', '--yes', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.ok, true);
  assert.equal(result.storedItemsDeleted, 2, 'current and next');
  assert.equal(await exists(join(sandbox.env.DYNAUTH_CONFIG_DIR!, 'contososales.json')), false);
  assert.equal(await exists(join(sandbox.env.DYNAUTH_CONFIG_DIR!, 'contososales.new-secret')), false);
  assert.equal(await exists(join(sandbox.env.DYNAUTH_CONFIG_DIR!, 'contososales.lock')), false);
  assert.equal(await vault.hasConnection('contososales'), false);
  assert.equal(await vault.hasConnection('contososales', 'next'), false);
  assert.deepEqual(sandbox.emulator.requests.slice(seen), [], 'no sign-in, nothing in the cloud');
  assert.ok(
    sandbox.emulator.state.applications.some((a) => a.appId === clientId),
    'the app is kept',
  );
  assert.match(run.stderr, /profile "contososales" and its stored client secret \(/);
  assert.match(run.stderr, /Profile "contososales" removed \(2 stored items deleted\)/);
  assert.match(run.stderr, /kept: the copies delivered to github:contoso\/integration; delete them there/);
  assert.match(
    run.stderr,
    /kept in the cloud: the app registration "dynauth-contososales" and its application user; --delete-app removes them too/,
  );

  const again = await sandbox.run(['remove', '--profile', 'contososales', '--yes']);
  assert.equal(again.code, 2, 'gone: an unknown profile');
  assert.match(again.stderr, /No profile "contososales"/);
});

test('remove without a terminal and without --yes is a usage error, and removes nothing', async (t) => {
  const sandbox = await startSandbox(t);
  await init(sandbox);
  const run = await sandbox.run(['remove', '--profile', 'contososales', '--delete-app', '--json']);
  assert.equal(run.code, 2);
  assert.equal(JSON.parse(run.stdout).error.code, 'missing-yes');
  const { profiles } = await sandbox.storage();
  assert.ok(await profiles.read('contososales'));
});

test('without a terminal, several profiles and neither --profile nor --yes: one usage error names both', async (t) => {
  const sandbox = await startSandbox(t);
  await init(sandbox, ['contososales', 'contosodev']);
  const run = await sandbox.run(['remove', '--json']);
  assert.equal(run.code, 2);
  const { error } = JSON.parse(run.stdout);
  assert.equal(error.code, 'missing-input');
  assert.match(error.message, /--profile <name> \(one of: contosodev, contososales\), --yes/);
  const { profiles } = await sandbox.storage();
  assert.deepEqual((await profiles.list()).sort(), ['contosodev', 'contososales']);
});

test('remove --delete-app deactivates the application user, deletes the app registration, then the profile', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId, appObjectId } = await init(sandbox);
  const userId = applicationUser(sandbox, clientId)!.systemuserid;
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['remove', '--delete-app', '--yes', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(result.app, { clientId, objectId: appObjectId, status: 'deleted' });
  assert.equal(result.applicationUser.status, 'deactivated');
  assert.equal(result.applicationUser.systemUserId, userId);
  const writes = sandbox.emulator.requests
    .slice(seen)
    .filter((r) => r.service !== 'login' && r.method !== 'GET')
    .map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(
    writes,
    [`PATCH /api/data/v9.2/systemusers(${userId})`, `DELETE /v1.0/applications/${appObjectId}`],
    'deactivated first',
  );
  assert.equal(applicationUser(sandbox, clientId)!.isdisabled, true, 'kept, deactivated: Dataverse deletes no active application user');
  assert.equal(
    sandbox.emulator.state.applications.some((a) => a.appId === clientId),
    false,
    'the app is deleted',
  );
  assert.equal(
    sandbox.emulator.state.servicePrincipals.some((s) => s.appId === clientId),
    false,
    'with its service principal',
  );
  assert.match(run.stderr, /deleted items for 30 days/);
  assert.match(run.stderr, /Dataverse deletes no active application user/);
  const { profiles } = await sandbox.storage();
  assert.equal(await profiles.read('contososales'), undefined);
  await sandbox.assertNoSecretLeaked();
});

test('remove --delete-app cut short after the deactivation: the re-run finishes the deletion', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId } = await init(sandbox);
  const killed = await sandbox.run(['remove', '--delete-app', '--yes'], {
    killAfterRequest: (r) => r.method === 'PATCH' && r.path.startsWith('/api/data/v9.2/systemusers('),
  });
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(applicationUser(sandbox, clientId)!.isdisabled, true);
  assert.ok(
    sandbox.emulator.state.applications.some((a) => a.appId === clientId),
    'not deleted yet',
  );
  const { profiles } = await sandbox.storage();
  assert.ok(await profiles.read('contososales'), 'the profile is still there to finish from');

  const seen = sandbox.emulator.requests.length;
  const rerun = await sandbox.run(['remove', '--delete-app', '--yes', '--json']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.equal(JSON.parse(rerun.stdout).applicationUser.status, 'already-deactivated');
  assert.match(rerun.stderr, /already deactivated/);
  assert.equal(sandbox.emulator.requests.slice(seen).filter((r) => r.method === 'PATCH').length, 0, 'not deactivated twice');
  assert.equal(
    sandbox.emulator.state.applications.some((a) => a.appId === clientId),
    false,
  );
  assert.equal(await profiles.read('contososales'), undefined);
});

test('remove --delete-app is refused while another profile uses the app, naming it (exit 2, nothing done)', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId } = await init(sandbox, ['contososales', 'contosodev']);
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['remove', '--profile', 'contososales', '--delete-app', '--yes', '--json']);
  assert.equal(run.code, 2, run.stderr);
  const { error } = JSON.parse(run.stdout);
  assert.equal(error.code, 'app-in-use');
  assert.match(error.message, /also used by profile contosodev/);
  assert.match(error.hint, /dynauth remove --profile contosodev/);
  assert.deepEqual(sandbox.emulator.requests.slice(seen), []);
  // Removed one by one, the last one takes the app with it.
  assert.equal((await sandbox.run(['remove', '--profile', 'contosodev', '--yes'])).code, 0);
  const last = await sandbox.run(['remove', '--profile', 'contososales', '--delete-app', '--yes']);
  assert.equal(last.code, 0, last.stderr);
  assert.equal(
    sandbox.emulator.state.applications.some((a) => a.appId === clientId),
    false,
  );
});

test('remove --delete-app is refused while another profile file cannot be read (it may use the app): exit 1, nothing done', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId } = await init(sandbox, ['contososales', 'contosodev']);
  const { profiles } = await sandbox.storage();
  const file = profiles.fileFor('contosodev');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.slice(0, text.length / 2));
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['remove', '--profile', 'contososales', '--delete-app', '--yes', '--json']);
  assert.equal(run.code, 1, run.stderr);
  const { error } = JSON.parse(run.stdout);
  assert.equal(error.code, 'profile-unreadable');
  assert.match(error.message, /profile "contosodev" cannot be read/);
  assert.deepEqual(sandbox.emulator.requests.slice(seen), [], 'nothing was asked of the cloud');
  assert.ok(
    sandbox.emulator.state.applications.some((a) => a.appId === clientId),
    'the app is still there',
  );
  assert.ok(await profiles.read('contososales'), 'the profile is still there');
  // Without --delete-app nothing in the cloud is at stake: the profile alone is removed.
  assert.equal((await sandbox.run(['remove', '--profile', 'contososales', '--yes'])).code, 0);
});

test('remove --delete-app in a terminal names each object and asks, default No: Enter removes nothing (exit 130)', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId } = await init(sandbox);
  const userId = applicationUser(sandbox, clientId)!.systemuserid;
  const declined = await runInPty([process.execPath, bin, 'remove', '--delete-app'], sandbox.env, [
    { expect: /Remove these\? This cannot be undone\./, send: KEY.enter },
  ]);
  assert.equal(declined.code, 130, declined.screen);
  assert.match(declined.screen, new RegExp(`application user ${userId} in .*: deactivated`));
  assert.match(declined.screen, new RegExp(`app registration "dynauth-contososales" \\(client id ${clientId}`));
  assert.match(declined.screen, /Nothing was removed/);
  assert.equal(applicationUser(sandbox, clientId)!.isdisabled, false);
  assert.ok(sandbox.emulator.state.applications.some((a) => a.appId === clientId));
  const { profiles } = await sandbox.storage();
  assert.ok(await profiles.read('contososales'));

  const accepted = await runInPty([process.execPath, bin, 'remove', '--delete-app'], sandbox.env, [
    { expect: /Remove these\?/, send: `y${KEY.enter}` },
  ]);
  assert.equal(accepted.code, 0, accepted.screen);
  assert.equal(
    sandbox.emulator.state.applications.some((a) => a.appId === clientId),
    false,
  );
});

test('remove --delete-app of a delegated profile deletes the app and the refresh token; the integration account is not touched', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await seedDelegatedProfile(sandbox, { name: 'contact' });
  const state = sandbox.emulator.state as unknown as EmulatorState;
  const person = state.environments
    .find((e) => e.uniqueName === 'contososales')!
    .dataverse!.systemusers.find((u) => u.azureactivedirectoryobjectid === setup.user.objectId)!;
  const run = await sandbox.run(['remove', '--profile', 'contact', '--delete-app', '--yes', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.app.status, 'deleted');
  assert.equal(result.applicationUser, null, 'a delegated app has no application user');
  assert.equal(person.isdisabled, false, "the integration account is a person's, not the app's");
  assert.equal(
    state.applications.some((a) => a.appId === setup.appId),
    false,
  );
  const { vault } = await sandbox.storage();
  assert.equal(await vault.hasConnection('contact', 'refresh'), false, 'the refresh token is deleted');
  assert.equal(await vault.hasConnection('contact'), false);
  await assertNoDelegatedSecretLeaked(sandbox, [setup], []);
});

test('remove of a profile sealed in the encrypted file store needs no passphrase: deleting an item derives no key', async (t) => {
  const sandbox = await startSandbox(t, {}, { store: 'file' });
  await init(sandbox);
  const { vault } = await sandbox.storage();
  assert.equal(await vault.hasConnection('contososales'), true);
  const run = await sandbox.run(['remove', '--yes'], { env: { DYNAUTH_PASSPHRASE: '' } });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(await vault.hasConnection('contososales'), false);
  const { profiles } = await sandbox.storage();
  assert.deepEqual(await profiles.list(), []);
});
