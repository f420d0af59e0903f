import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';
import type { EmulatorState } from '../../src/emulator/state.ts';
import { assertNoDelegatedSecretLeaked, seedDelegatedProfile } from './delegated-fixtures.ts';

async function initAppUser(sandbox: Sandbox, preset = 'read-only'): Promise<{ clientId: string; origin: string; userId: string }> {
  const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', preset, '--json']);
  assert.equal(init.code, 0, init.stderr);
  const origin = new URL(sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!).origin;
  const summary = JSON.parse(init.stdout);
  return { clientId: summary.clientId, origin, userId: summary.applicationUserId };
}

const dataverseCalls = (sandbox: Sandbox, from: number) => sandbox.emulator.requests.slice(from).filter((r) => r.service === 'dataverse');

test('api GET reads the Web API as the app and prints the JSON answer on stdout', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId, userId } = await initAppUser(sandbox);
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['api', 'GET', 'accounts?$top=1&$select=name']);
  assert.equal(run.code, 0, run.stderr);
  const answer = JSON.parse(run.stdout);
  assert.ok(Array.isArray(answer.value), 'the collection as Dataverse sent it');
  assert.ok(answer.value.length <= 1, '$top reached Dataverse');
  const [call] = dataverseCalls(sandbox, seen);
  assert.equal(call!.method, 'GET');
  assert.equal(call!.path, '/api/data/v9.2/accounts');
  assert.equal(call!.query['$top'], '1');
  assert.equal(call!.token!.appid, clientId, 'as the app');

  // An absolute /api/data path of the same environment, and --json's one object.
  const whoAmI = await sandbox.run(['api', 'get', '/api/data/v9.2/WhoAmI', '--json']);
  assert.equal(whoAmI.code, 0, whoAmI.stderr);
  const result = JSON.parse(whoAmI.stdout);
  assert.equal(result.ok, true);
  assert.equal(result.status, 200);
  assert.equal(result.body.UserId, userId, 'the application user');
  await sandbox.assertNoSecretLeaked();
});

test('api refuses any other host, a path outside /api/data, and a method it does not send (exit 2, nothing sent)', async (t) => {
  const sandbox = await startSandbox(t);
  const { origin } = await initAppUser(sandbox);
  const seen = sandbox.emulator.requests.length;
  for (const path of [
    'https://attacker.example/api/data/v9.2/accounts',
    '//attacker.example/api/data/v9.2/x',
    '../../x',
    `${origin}/XRMServices/2011/Organization.svc`,
  ]) {
    const run = await sandbox.run(['api', 'GET', path, '--json']);
    assert.equal(run.code, 2, `${path}: ${run.stderr}`);
    assert.equal(JSON.parse(run.stdout).error.code, 'bad-api-path', path);
  }
  const method = await sandbox.run(['api', 'HEAD', 'accounts', '--json']);
  assert.equal(method.code, 2);
  assert.equal(JSON.parse(method.stdout).error.code, 'bad-api-method');
  const bodyOnGet = await sandbox.run(['api', 'GET', 'accounts', '--body', '-'], { input: '{}' });
  assert.equal(bodyOnGet.code, 2);
  assert.match(bodyOnGet.stderr, /--body goes with POST, PATCH or PUT/);
  assert.equal(sandbox.emulator.requests.length, seen, 'no token asked for, nothing sent');
});

test('api POST sends the --body from stdin or a file as JSON; a refusal is diagnosed like test-connection (missing privilege, exit 1)', async (t) => {
  const sandbox = await startSandbox(t);
  await initAppUser(sandbox);
  const body = { name: 'Integration role', 'businessunitid@odata.bind': '/businessunits(00000000-0000-0000-0000-000000000000)' };
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['api', 'POST', 'roles', '--body', '-', '--json'], { input: JSON.stringify(body) });
  assert.equal(run.code, 1, run.stderr);
  const { error } = JSON.parse(run.stdout);
  assert.equal(error.code, 'dataverse-0x80040220');
  assert.match(error.message, /lacks prvCreateRole/);
  assert.match(error.hint, /dynauth init/);
  const [call] = dataverseCalls(sandbox, seen);
  assert.equal(call!.method, 'POST');
  assert.deepEqual(call!.body, body, 'the body as given');

  const file = join(sandbox.dir, 'role.json');
  await writeFile(file, JSON.stringify(body));
  const fromFile = await sandbox.run(['api', 'POST', 'roles', '--body', file]);
  assert.equal(fromFile.code, 1, fromFile.stderr);
  assert.deepEqual(dataverseCalls(sandbox, seen).at(-1)!.body, body);

  const notJson = await sandbox.run(['api', 'POST', 'roles', '--body', '-', '--json'], { input: 'name=x' });
  assert.equal(notJson.code, 2);
  assert.equal(JSON.parse(notJson.stdout).error.code, 'body-not-json');
});

const salesTables = (sandbox: Sandbox) =>
  (sandbox.emulator.state as unknown as EmulatorState).environments.find((e) => e.uniqueName === 'contososales')!.dataverse!.tables;

test('api POST accounts with a role that may not create accounts: the missing prvCreateAccount is diagnosed (exit 1), nothing created', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId } = await initAppUser(sandbox, 'contact-center');
  const before = salesTables(sandbox)['accounts']!.length;
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['api', 'POST', 'accounts', '--body', '-', '--json'], { input: '{"name":"Contoso"}' });
  assert.equal(run.code, 1, run.stderr);
  const { error } = JSON.parse(run.stdout);
  assert.equal(error.code, 'dataverse-0x80040220');
  assert.match(error.message, /lacks prvCreateAccount/);
  const [call] = dataverseCalls(sandbox, seen);
  assert.equal(call!.method, 'POST');
  assert.equal(call!.path, '/api/data/v9.2/accounts');
  assert.equal(call!.status, 403);
  assert.equal(salesTables(sandbox)['accounts']!.length, before, 'no account created');

  // contact-center writes leads but creates none: a new lead is refused too, an existing one is updated.
  const newLead = await sandbox.run(['api', 'POST', 'leads', '--body', '-', '--json'], { input: '{"subject":"Espresso"}' });
  assert.equal(newLead.code, 1, newLead.stderr);
  assert.match(JSON.parse(newLead.stdout).error.message, /lacks prvCreateLead/);
  const lead = salesTables(sandbox)['leads']![0]!;
  const update = await sandbox.run(['api', 'PATCH', `leads(${lead['leadid']})`, '--body', '-'], {
    input: '{"subject":"Espresso for 40 offices"}',
  });
  assert.equal(update.code, 0, update.stderr);
  assert.equal(lead['subject'], 'Espresso for 40 offices');
  assert.equal(
    update.stdout,
    `${sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url}/api/data/v9.2/leads(${lead['leadid']})\n`,
  );
  const patch = dataverseCalls(sandbox, seen).at(-1)!;
  assert.equal(patch.method, 'PATCH');
  assert.equal(patch.token!.appid, clientId, 'as the app');
  await sandbox.assertNoSecretLeaked();
});

test("api POST, as the README shows it, creates the record: the new row's address on stdout, HTTP 204 on stderr; DELETE removes it", async (t) => {
  const sandbox = await startSandbox(t);
  await initAppUser(sandbox, 'system-administrator');
  const url = sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!;
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['api', 'POST', 'accounts', '--body', '-'], { input: '{"name":"Contoso"}' });
  assert.equal(run.code, 0, run.stderr);
  const created = salesTables(sandbox)['accounts']!.filter((a) => a['name'] === 'Contoso');
  assert.equal(created.length, 1, 'one account named Contoso');
  const id = created[0]!['accountid'];
  assert.equal(run.stdout, `${url}/api/data/v9.2/accounts(${id})\n`, 'the OData-EntityId, alone, for a script');
  assert.match(run.stderr, /HTTP 204/);
  const [call] = dataverseCalls(sandbox, seen);
  assert.deepEqual(call!.body, { name: 'Contoso' });

  const read = await sandbox.run(['api', 'GET', `accounts(${id})?$select=name`]);
  assert.equal(read.code, 0, read.stderr);
  assert.equal(JSON.parse(read.stdout).name, 'Contoso');

  const removed = await sandbox.run(['api', 'DELETE', `accounts(${id})`, '--json']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(JSON.parse(removed.stdout), { ok: true, status: 204, body: null });
  assert.equal(salesTables(sandbox)['accounts']!.filter((a) => a['accountid'] === id).length, 0, 'gone');
  const again = await sandbox.run(['api', 'DELETE', `accounts(${id})`, '--json']);
  assert.equal(again.code, 1, again.stderr);
  assert.equal(JSON.parse(again.stdout).error.code, 'dataverse-0x80040217');
  await sandbox.assertNoSecretLeaked();
});

test('api: a path Dataverse does not know is the request to check, said once (exit 1), not something to report', async (t) => {
  const sandbox = await startSandbox(t);
  await initAppUser(sandbox);
  const run = await sandbox.run(['api', 'GET', 'acounts', '--json']);
  assert.equal(run.code, 1, run.stderr);
  const { error } = JSON.parse(run.stdout);
  assert.equal(error.code, 'dataverse-0x80060888');
  assert.match(error.message, /answered HTTP 404 0x80060888: Resource not found for the segment 'acounts'\.$/);
  assert.match(error.hint, /^Check the request: the path \(a table's entity set name/);
  assert.doesNotMatch(error.hint, /report it/);
});

test('api: an app without an application user is told how to add one (exit 4)', async (t) => {
  const sandbox = await startSandbox(t);
  await initAppUser(sandbox);
  // The same app in another environment, where init made no application user.
  const { profiles } = await sandbox.storage();
  const profile = (await profiles.read('contososales'))!;
  const other = sandbox.emulator.environments.find((e) => e.uniqueName === 'contosodev')!;
  await profiles.write({ ...profile, environment: { id: other.id, url: other.url!, uniqueName: other.uniqueName } });
  const run = await sandbox.run(['api', 'GET', 'WhoAmI', '--json']);
  assert.equal(run.code, 4, run.stderr);
  const { error } = JSON.parse(run.stdout);
  assert.equal(error.code, 'dataverse-0x80072560');
  assert.ok(error.hint.startsWith(`dynauth init --environment ${other.url}`), error.hint);
  await sandbox.assertNoSecretLeaked();
});

test('api with a delegated profile calls the Web API as the integration account; Dataverse refusing the user is diagnosed (exit 4)', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await seedDelegatedProfile(sandbox, { name: 'contact' });
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['api', 'GET', 'WhoAmI', '--profile', 'contact']);
  assert.equal(run.code, 0, run.stderr);
  const state = sandbox.emulator.state as unknown as EmulatorState;
  const dataverse = state.environments.find((e) => e.uniqueName === 'contososales')!.dataverse!;
  const user = dataverse.systemusers.find((u) => u.azureactivedirectoryobjectid === setup.user.objectId)!;
  assert.equal(JSON.parse(run.stdout).UserId, user.systemuserid, 'as the signed-in user');
  const [call] = dataverseCalls(sandbox, seen);
  assert.equal(call!.token!.oid, setup.user.objectId);

  user.isdisabled = true;
  const disabled = await sandbox.run(['api', 'GET', 'WhoAmI', '--profile', 'contact', '--json']);
  assert.equal(disabled.code, 4, disabled.stderr);
  const { error } = JSON.parse(disabled.stdout);
  assert.equal(error.code, 'dataverse-0x80040225');
  assert.match(error.message, new RegExp(setup.user.userPrincipalName.replace('.', '\\.')));
  await assertNoDelegatedSecretLeaked(sandbox, [setup], ['contact']);
});
