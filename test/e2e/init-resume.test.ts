import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { startSandbox } from '../support/sandbox.ts';
import { assertOneOfEach } from './assertions.ts';

const ARGS = ['init', '--yes', '--environment', 'contososales', '--role-preset', 'contact-center', '--business-unit', 'Contoso Support'];

// Each point is "the emulator has just answered this call": the CLI is killed with SIGKILL there.
const KILL_POINTS: Array<[string, (r: { method: string; path: string; service: string; token?: { scp?: string } }) => boolean]> = [
  ['app registration created', (r) => r.method === 'POST' && r.path === '/v1.0/applications'],
  ['service principal created', (r) => r.method === 'POST' && r.path === '/v1.0/servicePrincipals'],
  ['admin consent granted', (r) => r.method === 'POST' && r.path === '/v1.0/oauth2PermissionGrants'],
  ['client secret added', (r) => r.method === 'POST' && r.path.endsWith('/addPassword')],
  ['custom role created', (r) => r.method === 'POST' && r.path === '/api/data/v9.2/roles'],
  ['role privileges added', (r) => r.method === 'POST' && r.path.endsWith('AddPrivilegesRole')],
  ['application user created', (r) => r.method === 'POST' && r.path === '/api/data/v9.2/systemusers'],
  ['role assigned', (r) => r.method === 'POST' && r.path.endsWith('/$ref')],
  ['first call as the app', (r) => r.service === 'dataverse' && r.path.endsWith('/WhoAmI') && !r.token?.scp],
];

for (const [point, killAfterRequest] of KILL_POINTS) {
  test(`killed after "${point}", a re-run finishes with nothing duplicated`, async (t) => {
    const sandbox = await startSandbox(t);
    const killed = await sandbox.run(ARGS, { killAfterRequest });
    assert.equal(killed.signal, 'SIGKILL', `the run was cut short (exit ${killed.code}): ${killed.stderr}`);
    const rerun = await sandbox.run([...ARGS, '--json']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const { app, users } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
    const roles = users[0]!.environment.dataverse!.roles.filter(
      (r) => r.name === 'dynauth contact-center' && r.roleid === r.parentrootroleid,
    );
    assert.equal(roles.length, 1, 'one custom role');
    const [secret] = await sandbox.storedSecrets();
    const hash = createHash('sha256').update(secret!).digest('hex');
    assert.ok(
      app.passwordCredentials.some((c) => c.secretHash === hash),
      'the keychain holds a secret Entra accepts',
    );
    assert.equal(JSON.parse(rerun.stdout).credential.keyId, app.passwordCredentials.find((c) => c.secretHash === hash)!.keyId);
    await sandbox.assertNoSecretLeaked();
  });
}

test('replication lag, throttling and outages are waited out, with progress shown', async (t) => {
  const sandbox = await startSandbox(t, {
    replicationLag: { appMs: 1500, secretMs: 1500, appUserMs: 1500 },
    faults: [
      { service: 'graph', method: 'POST', pathPrefix: '/v1.0/applications', kind: 'throttle', times: 2, retryAfterSeconds: 1 },
      { service: 'dataverse', method: 'GET', kind: 'unavailable', times: 2, retryAfterSeconds: 1 },
      { service: 'bap', kind: 'drop', times: 1 },
    ],
  });
  const run = await sandbox.run([...ARGS, '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Waiting for Entra to publish the new app/);
  assert.match(run.stderr, /Waiting for (Entra to accept the new credential|Dataverse to activate the application user)/);
  assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  const throttled = sandbox.emulator.requests.filter((r) => r.path === '/v1.0/applications' && r.method === 'POST');
  assert.deepEqual(
    throttled.map((r) => r.status),
    [429, 429, 201],
  );
});

test('a wait that runs out says how to resume, and the resumed run finishes', async (t) => {
  const sandbox = await startSandbox(t, { replicationLag: { appMs: 4000 } });
  const first = await sandbox.run([...ARGS, '--wait', '1s']);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /Timed out after .* waiting for Entra/);
  assert.match(first.stderr, /Run the same dynauth init again to resume/);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const second = await sandbox.run(ARGS);
  assert.equal(second.code, 0, second.stderr);
  assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
});

test('an outage that outlasts the retries stops with a clear message, and a re-run converges', async (t) => {
  const sandbox = await startSandbox(t, {
    faults: [
      {
        service: 'dataverse',
        method: 'POST',
        pathPrefix: '/api/data/v9.2/systemusers',
        kind: 'unavailable',
        times: 20,
        retryAfterSeconds: 0,
      },
    ],
  });
  const first = await sandbox.run(ARGS);
  assert.equal(first.code, 1, first.stderr);
  assert.match(
    first.stderr,
    /Could not create the application user .*temporarily unavailable.*\n.*run the same command again later: it resumes/,
  );
  assert.doesNotMatch(first.stderr, /\n\s+at /, 'no stack trace');
  sandbox.emulator.faults.clear();
  const second = await sandbox.run([...ARGS, '--json']);
  assert.equal(second.code, 0, second.stderr);
  assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.ok(JSON.parse(second.stdout).reused.includes('application'));
});

test('a run cut short right after making the app: a re-run before Graph lists it finds it by id, and makes no second app', async (t) => {
  // 4-8 s for the new app to replicate: the re-run below starts well inside that window.
  const sandbox = await startSandbox(t, { replicationLag: { appMs: 8000 } });
  const killed = await sandbox.run(ARGS, { killWhen: /App registration "dynauth-contososales"/ });
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const app = sandbox.emulator.state.applications.find((a) => a.displayName === 'dynauth-contososales')!;
  const rerunAt = Date.now();
  assert.ok(rerunAt < app.visibleAt, 'the re-run starts while Graph does not list the app yet');
  const rerun = await sandbox.run([...ARGS, '--json']);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, /Waiting for Entra to publish the app the interrupted run made/);
  assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.ok(JSON.parse(rerun.stdout).reused.includes('application'));
  const listed = sandbox.emulator.requests.filter((r) => r.method === 'GET' && r.path === '/v1.0/applications' && r.at >= rerunAt);
  assert.ok(listed.length >= 1 && listed.every((r) => r.status === 200), 'the list was asked and did not show it');
  const { profiles } = await sandbox.storage();
  assert.deepEqual(
    (await readdir(profiles.directory)).filter((f) => f.endsWith('.new-app')),
    [],
    'the record is gone once the profile is written',
  );
});

test('--add-environment gives the app of a profile a user in another environment, reusing its credential', async (t) => {
  const sandbox = await startSandbox(t);
  const first = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const second = await sandbox.run(['init', '--yes', '--profile', 'contososales', '--add-environment', 'contosodev', '--json']);
  assert.equal(second.code, 0, second.stderr);
  const result = JSON.parse(second.stdout);
  assert.equal(result.profile, 'contosodev');
  assert.equal(result.clientId, JSON.parse(first.stdout).clientId);
  assert.ok(result.reused.includes('credential'));
  const { app } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales', 'contosodev']);
  assert.equal(app.passwordCredentials.length, 1, 'the same secret serves both environments');
  const { profiles, vault } = await sandbox.storage();
  assert.deepEqual(await profiles.list(), ['contosodev', 'contososales']);
  assert.match((await vault.loadConnection('contosodev'))!.connectionString, /^AuthType=ClientSecret;Url=https:\/\/127\.0\.0\.1:\d+;/);
  for (const profile of ['contososales', 'contosodev']) {
    const tested = await sandbox.run(['test-connection', '--profile', profile]);
    assert.equal(tested.code, 0, `${profile}: ${tested.stdout}${tested.stderr}`);
  }
});

test('a second environment added by re-running init gets the credential in its own profile', async (t) => {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'])).code, 0);
  const both = await sandbox.run([
    'init',
    '--yes',
    '--environment',
    'contososales',
    '--environment',
    'contosodev',
    '--role-preset',
    'read-only',
    '--app-name',
    'dynauth-contososales',
  ]);
  assert.equal(both.code, 0, both.stderr);
  const tested = await sandbox.run(['test-connection', '--profile', 'contosodev']);
  assert.equal(tested.code, 0, tested.stdout + tested.stderr);
});

test('a profile of another app is never repointed silently (exit 2)', async (t) => {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'])).code, 0);
  const other = await sandbox.run([
    'init',
    '--yes',
    '--environment',
    'contososales',
    '--role-preset',
    'read-only',
    '--app-name',
    'another-app',
  ]);
  assert.equal(other.code, 2, other.stderr);
  assert.match(other.stderr, /Profile "contososales" already belongs to the app "dynauth-contososales"/);
  assert.equal(sandbox.emulator.state.applications.filter((a) => a.displayName === 'another-app').length, 0, 'nothing created');
});

test('a long throttling wait is shown without --verbose, so the run does not look frozen', async (t) => {
  const sandbox = await startSandbox(t, {
    faults: [{ service: 'graph', method: 'POST', pathPrefix: '/v1.0/applications', kind: 'throttle', times: 1, retryAfterSeconds: 3 }],
  });
  const run = await sandbox.run(ARGS);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Microsoft Graph asked dynauth to wait 3 s \(429\); retrying at \d\d:\d\d:\d\d…/);
  assert.match(run.stderr, /✔ Security role "dynauth contact-center" created in Contoso Sales with 7 privileges/);
  assert.match(run.stderr, /✔ Security role "dynauth contact-center" assigned/);
});

test('names with & # + % and quotes survive the OData filters: a re-run still finds everything', async (t) => {
  const sandbox = await startSandbox(t);
  const name = "O'Brien Sync A+B & Co #1 50%";
  const args = [
    'init',
    '--yes',
    '--environment',
    'contososales',
    '--role-preset',
    'read-only',
    '--app-name',
    name,
    '--profile',
    'obrien',
    '--json',
  ];
  const first = await sandbox.run(args);
  assert.equal(first.code, 0, first.stderr);
  const second = await sandbox.run(args);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(JSON.parse(second.stdout).created, []);
  assertOneOfEach(sandbox.emulator, name, ['contososales']);
});

test('Dataverse answers in small pages (@odata.nextLink): every page is read', async (t) => {
  const sandbox = await startSandbox(t, { dataversePageSize: 2 });
  const unknown = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role', 'No Such Role']);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /Roles there: System Administrator, .*Environment Maker./,
    'the hint lists roles from every page (7 roles, pages of 2)',
  );
  const run = await sandbox.run([...ARGS, '--json']);
  assert.equal(run.code, 0, run.stderr);
  assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.ok(
    sandbox.emulator.requests.some((r) => r.query.$skiptoken),
    'pages were followed',
  );
});
