import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dataverse } from '../../src/emulator/state.ts';
import { startSandbox, type Emulator } from '../support/sandbox.ts';
import { KEY, runInPty } from '../support/pty.ts';
import { assertOneOfEach, rolePrivileges } from './assertions.ts';

const base = (env: string, ...more: string[]) => ['init', '--yes', '--environment', env, ...more];
const PLAIN = { seed: { withoutDynamicsApps: ['contosodev'] } };
/** contact-center's privileges that plain Dataverse has, sorted. */
const CONTACT_CENTER_PLAIN = ['prvReadAccount', 'prvReadActivity', 'prvReadContact', 'prvWriteActivity'];

/** Every request that could change something; only sign-in (token endpoint) POSTs are left out. */
function changes(emulator: Emulator): string[] {
  return emulator.requests.filter((r) => r.service !== 'login' && r.method !== 'GET').map((r) => `${r.method} ${r.service} ${r.path}`);
}

test('plain Dataverse: a preset whose tables are missing stops before anything is made (exit 2), naming the tables and the ways out', async (t) => {
  const sandbox = await startSandbox(t, PLAIN);
  const run = await sandbox.run(base('contosodev', '--role-preset', 'contact-center'));
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /Contoso Dev has no Case \(incident\), Lead \(lead\) tables, so "dynauth contact-center" cannot get read Case, read Lead, write Lead\. Nothing was changed\./,
  );
  assert.match(run.stderr, /--skip-missing-tables/);
  assert.match(run.stderr, /--role "<existing role>"/);
  assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/, 'no stack trace');
  assert.deepEqual(changes(sandbox.emulator), []);
  const looked = sandbox.emulator.requests.filter(
    (r) => r.path.endsWith('/privileges') && /prvReadIncident/.test(r.query['$filter'] ?? ''),
  );
  assert.equal(looked.length, 1, "the preset's privileges are looked up during discovery");
  // --json: the same refusal as one object.
  const json = await sandbox.run([...base('contosodev', '--role-preset', 'read-only'), '--json']);
  assert.equal(json.code, 2);
  assert.match(json.stderr + json.stdout, /missing-tables/);
  assert.deepEqual(changes(sandbox.emulator), []);
});

test('plain Dataverse with --skip-missing-tables: the role gets exactly what exists, verified, and a re-run creates nothing', async (t) => {
  const sandbox = await startSandbox(t, PLAIN);
  const run = await sandbox.run([...base('contosodev', '--role-preset', 'contact-center', '--skip-missing-tables'), '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /- omit +the role will lack read Case, read Lead, write Lead: this environment has no such tables/);
  assert.match(run.stderr, /Connection verified in Contoso Dev/);
  assert.deepEqual(
    rolePrivileges(sandbox.emulator, 'contosodev', 'dynauth contact-center'),
    CONTACT_CENTER_PLAIN.map((name) => [name, 3]),
  );
  assertOneOfEach(sandbox.emulator, 'dynauth-contosodev', ['contosodev']);
  const profile = await (await sandbox.storage()).profiles.read('contosodev');
  assert.deepEqual([...profile!.expectedPrivileges].sort(), CONTACT_CENTER_PLAIN);

  const before = sandbox.emulator.requests.length;
  const again = await sandbox.run([...base('contosodev', '--role-preset', 'contact-center', '--skip-missing-tables'), '--json']);
  assert.equal(again.code, 0, again.stderr);
  const result = JSON.parse(again.stdout);
  assert.deepEqual(result.created, []);
  assert.ok(result.reused.includes('securityRole:dynauth contact-center@contosodev'));
  const written = sandbox.emulator.requests.slice(before).filter((r) => r.service === 'dataverse' && r.method !== 'GET');
  assert.deepEqual(
    written.map((r) => r.path),
    [],
    'nothing added to the role, nothing assigned again',
  );
  assert.deepEqual(
    rolePrivileges(sandbox.emulator, 'contosodev', 'dynauth contact-center'),
    CONTACT_CENTER_PLAIN.map((name) => [name, 3]),
  );
});

test('in a terminal the missing tables are a question: yes makes the role without them, no changes nothing (exit 2)', async (t) => {
  const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;
  const sandbox = await startSandbox(t, PLAIN);
  const args = [
    process.execPath,
    bin,
    'init',
    '--environment',
    'contosodev',
    '--role-preset',
    'read-only',
    '--app-name',
    'pty-plain',
    '--credential',
    'secret',
    '--secret-expiry',
    '30',
    '--business-unit',
    'contosodev',
    '--profile',
    'plain',
  ];
  const declined = await runInPty(args, sandbox.env, [{ expect: /read\s+Lead\?\s+\(y\/N\)/, send: KEY.enter }]);
  assert.equal(declined.code, 2, declined.screen);
  // The question wraps at the terminal's width.
  assert.match(
    declined.screen.replace(/\s+/g, ' '),
    /Contoso Dev has no Case \(incident\), Lead \(lead\) tables .*Make "dynauth read-only" without read Case, read Lead\? \(y\/N\)/,
  );
  assert.match(declined.screen, /--skip-missing-tables/);
  assert.deepEqual(changes(sandbox.emulator), []);
  const accepted = await runInPty(args, sandbox.env, [
    { expect: /read\s+Lead\?\s+\(y\/N\)/, send: `y${KEY.enter}` },
    { expect: /Apply this plan\?/, send: `y${KEY.enter}` },
  ]);
  assert.equal(accepted.code, 0, accepted.screen);
  assert.match(accepted.screen.replace(/\s+/g, ' '), /the role will lack read Case, read Lead: this environment has no such tables/);
  assert.deepEqual(
    rolePrivileges(sandbox.emulator, 'contosodev', 'dynauth read-only').map(([name]) => name),
    ['prvReadAccount', 'prvReadActivity', 'prvReadContact'],
  );
});

test('DYNAUTH_SKIP_MISSING_TABLES is the flag’s twin; the dry run shows what the role will lack', async (t) => {
  const sandbox = await startSandbox(t, PLAIN);
  const run = await sandbox.run(['init', '--environment', 'contosodev', '--role-preset', 'read-only', '--dry-run'], {
    env: { DYNAUTH_SKIP_MISSING_TABLES: 'true' },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /\+ create {2}security role "dynauth read-only" in Contoso Dev/);
  assert.match(run.stdout, /- omit +the role will lack read Case, read Lead: this environment has no such tables/);
  assert.deepEqual(changes(sandbox.emulator), []);
  const refused = await sandbox.run(['init', '--environment', 'contosodev', '--role-preset', 'read-only', '--dry-run']);
  assert.equal(refused.code, 2);
});

test('plain Dataverse: an existing preset role is completed only with privileges that exist', async (t) => {
  const sandbox = await startSandbox(t, PLAIN);
  const dataverse = sandbox.emulator.state.environments.find((e) => e.uniqueName === 'contosodev')!.dataverse! as unknown as Dataverse;
  const id = (name: string) => dataverse.privileges.find((p) => p.name === name)!.privilegeid;
  const rootUnit = dataverse.businessUnits.find((b) => b.parentbusinessunitid === null)!;
  const roleid = '5e0a1f7c-1111-4a6b-9c2d-000000000001';
  dataverse.roles.push({
    roleid,
    name: 'dynauth read-only',
    businessunitid: rootUnit.businessunitid,
    parentrootroleid: roleid,
    ismanaged: false,
    privileges: [{ privilegeid: id('prvReadAccount'), depth: 3 }],
  });
  const support = dataverse.businessUnits.find((b) => b.name === 'Contoso Support')!;
  dataverse.roles.push({
    roleid: '5e0a1f7c-1111-4a6b-9c2d-000000000002',
    name: 'dynauth read-only',
    businessunitid: support.businessunitid,
    parentrootroleid: roleid,
    ismanaged: false,
    privileges: [],
  });
  const run = await sandbox.run(base('contosodev', '--role-preset', 'read-only', '--skip-missing-tables'));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /~ update {2}security role "dynauth read-only": add prvReadContact, prvReadActivity\n/);
  const added = sandbox.emulator.requests.filter((r) => r.path.endsWith('AddPrivilegesRole'));
  assert.equal(added.length, 1);
  assert.deepEqual(
    (added[0]!.body as { Privileges: Array<{ PrivilegeId: string }> }).Privileges.map((p) => p.PrivilegeId).sort(),
    [id('prvReadContact'), id('prvReadActivity')].sort(),
  );
  assert.deepEqual(
    rolePrivileges(sandbox.emulator, 'contosodev', 'dynauth read-only').map(([name]) => name),
    ['prvReadAccount', 'prvReadActivity', 'prvReadContact'],
  );
});

test('an admin who is System Administrator only through an Entra group team may run init', async (t) => {
  const sandbox = await startSandbox(t, { seed: { adminSystemAdministratorThroughTeamIn: ['contososales'] } });
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'));
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /may not create application users/);
  assert.ok(
    sandbox.emulator.requests.some((r) => /RetrieveUsersPrivilegesThroughTeams\(UserId=[0-9a-f-]{36}\)$/.test(r.path) && r.status === 200),
  );
  assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
});

test('an admin without the privileges, directly or through teams, is refused before anything is made (exit 4)', async (t) => {
  const sandbox = await startSandbox(t, { seed: { adminNotSystemAdministratorIn: ['contososales'] } });
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'));
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /Your account may not create application users and roles in Contoso Sales \(missing prvCreateUser/);
  assert.ok(
    sandbox.emulator.requests.some((r) => r.path.includes('RetrieveUsersPrivilegesThroughTeams')),
    'the teams were asked too',
  );
  assert.deepEqual(changes(sandbox.emulator), []);
});

test('when the org will not say what teams grant (404 or 403), init goes on; a team admin succeeds', async (t) => {
  const sandbox = await startSandbox(t, {
    seed: { adminSystemAdministratorThroughTeamIn: ['contososales'], teamPrivilegesFunction: { contososales: 'unknown' } },
  });
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'));
  assert.equal(run.code, 0, run.stderr);
  assert.ok(sandbox.emulator.requests.some((r) => r.path.includes('RetrieveUsersPrivilegesThroughTeams') && r.status === 404));
  assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
});

test('when the org will not say (403) and the admin really lacks the privilege, Dataverse’s refusal is reported as such (exit 4)', async (t) => {
  const sandbox = await startSandbox(t, {
    seed: { adminNotSystemAdministratorIn: ['contososales'], teamPrivilegesFunction: { contososales: 'forbidden' } },
  });
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'));
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /Your account may not create the (security role|application user) in .* \(missing prvCreate(Role|User)\)/);
  assert.match(run.stderr, /System Administrator security role/);
});

test('RetrieveUserPrivileges rows without PrivilegeName: names are read from privileges, the pre-check and the verification pass', async (t) => {
  const sandbox = await startSandbox(t, { seed: { privilegeRowsWithoutNames: true } });
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Connection verified in Contoso Sales/);
  const byId = sandbox.emulator.requests.filter((r) => r.path.endsWith('/privileges') && /privilegeid eq/.test(r.query['$filter'] ?? ''));
  const asAdmin = byId.filter((r) => r.token?.scp);
  assert.ok(
    asAdmin.length >= 2 && asAdmin.every((r) => r.status === 200),
    "names looked up for the admin's and the application user's privileges",
  );
  // The app itself may not read privileges (its role has no prvReadRole): init then reads them as the admin.
  assert.ok(byId.filter((r) => !r.token?.scp).every((r) => r.status === 403));
  const test = await sandbox.run(['test-connection', '--profile', 'contososales']);
  assert.equal(test.code, 0, test.stderr + test.stdout);
});
