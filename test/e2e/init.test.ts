import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox } from '../support/sandbox.ts';
import { assertOneOfEach, rolePrivileges, writesTo } from './assertions.ts';

const READ_ONLY = ['prvReadAccount', 'prvReadActivity', 'prvReadContact', 'prvReadIncident', 'prvReadLead'];
const base = (env: string, ...more: string[]) => ['init', '--yes', '--environment', env, ...more];

test('secret happy path: everything made once, verified, stored, and the JSON result', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run([...base('contososales', '--role-preset', 'read-only'), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  const { app, servicePrincipal, users } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.deepEqual(Object.keys(result).sort(), [
    'applicationObjectId',
    'applicationUserId',
    'businessUnitId',
    'clientId',
    'cloud',
    'created',
    'credential',
    'environment',
    'keychain',
    'profile',
    'reused',
    'roles',
    'servicePrincipalId',
    'tenantId',
  ]);
  assert.equal(result.profile, 'contososales');
  assert.equal(result.clientId, app.appId);
  assert.equal(result.applicationObjectId, app.id);
  assert.equal(result.servicePrincipalId, servicePrincipal.id);
  assert.equal(result.tenantId, sandbox.emulator.tenant.id);
  assert.equal(result.applicationUserId, users[0]!.user.systemuserid);
  assert.equal(result.credential.type, 'secret');
  assert.equal(result.credential.keyId, app.passwordCredentials[0]!.keyId);
  assert.equal(app.passwordCredentials.length, 1);
  assert.deepEqual(result.keychain, { service: sandbox.env.DYNAUTH_KEYCHAIN_SERVICE, account: 'contososales' });
  assert.deepEqual(
    result.roles.map((r: { name: string }) => r.name),
    ['dynauth read-only'],
  );
  assert.ok(result.created.includes('application') && result.created.includes('clientSecret'));
  const expiry = (Date.parse(result.credential.expiresOn) - Date.now()) / 86_400_000;
  assert.ok(expiry > 179 && expiry <= 180, `default lifetime 180 days, got ${expiry}`);
  assert.deepEqual(
    rolePrivileges(sandbox.emulator, 'contososales', 'dynauth read-only'),
    READ_ONLY.map((name) => [name, 3]),
  );
  assert.match(run.stderr, /Signed in as admin@contoso-sandbox\.onmicrosoft\.com/);
  assert.match(run.stderr, /Connection verified/);
  const profileFile = await stat(join(sandbox.dir, 'profiles', 'contososales.json'));
  assert.equal(profileFile.mode & 0o777, 0o600);
  const [secret] = await sandbox.storedSecrets();
  assert.ok(secret && secret.length > 20, 'the keychain holds the client secret');
  const writes = writesTo(sandbox.emulator);
  assert.ok(!writes.some((w) => /addAppUser|adminApplications/.test(w)), 'never addAppUser nor management app');
  await sandbox.assertNoSecretLeaked();
});

test('certificate credential: public part uploaded, private key only in the keychain, PEM on request', async (t) => {
  const sandbox = await startSandbox(t);
  const pem = join(sandbox.dir, 'out', 'dynauth.pem');
  await import('node:fs/promises').then((fs) => fs.mkdir(join(sandbox.dir, 'out')));
  const run = await sandbox.run([
    ...base('contosodev', '--role-preset', 'read-only', '--credential', 'certificate', '--certificate-out', pem),
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  const { app } = assertOneOfEach(sandbox.emulator, 'dynauth-contosodev', ['contosodev']);
  assert.equal(app.keyCredentials.length, 1);
  assert.equal(app.passwordCredentials.length, 0);
  assert.equal(result.credential.type, 'certificate');
  assert.match(result.credential.thumbprint, /^[0-9A-F]{40}$/);
  assert.equal((await stat(pem)).mode & 0o777, 0o600);
  const { vault } = await sandbox.storage();
  const stored = await vault.loadConnection('contosodev');
  assert.match(stored!.connectionString, new RegExp(`AuthType=Certificate;.*Thumbprint=${result.credential.thumbprint}`));
  assert.match(stored!.privateKeyPem!, /BEGIN PRIVATE KEY/);
});

test('contact-center preset gets exactly its privileges at Global depth', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(base('contososales', '--role-preset', 'contact-center'));
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    rolePrivileges(sandbox.emulator, 'contososales', 'dynauth contact-center'),
    [...READ_ONLY, 'prvWriteActivity', 'prvWriteLead'].sort().map((name) => [name, 3]),
  );
});

test('system-administrator preset assigns the built-in role and warns', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(base('contososales', '--role-preset', 'system-administrator'));
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /System Administrator grants the app everything/);
  const { users } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  const roles = users[0]!.environment.dataverse!.roles.filter((r) => users[0]!.user.roleIds.includes(r.roleid)).map((r) => r.name);
  assert.deepEqual(roles, ['System Administrator']);
  assert.ok(!writesTo(sandbox.emulator).some((w) => w.startsWith('POST /api/data/v9.2/roles')), 'no custom role made');
});

test('existing roles by name, in a chosen business unit', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run([
    ...base('contososales', '--role', 'Salesperson', '--role', 'Delegate', '--business-unit', 'Contoso Support'),
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const { users } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  const { environment, user } = users[0]!;
  const unit = environment.dataverse!.businessUnits.find((b) => b.name === 'Contoso Support')!;
  assert.equal(user.businessunitid, unit.businessunitid);
  const assigned = environment.dataverse!.roles.filter((r) => user.roleIds.includes(r.roleid));
  assert.deepEqual(assigned.map((r) => r.name).sort(), ['Delegate', 'Salesperson']);
  assert.ok(
    assigned.every((r) => r.businessunitid === unit.businessunitid),
    "the business unit's own copies",
  );
});

test('an unknown role is refused with the list of roles, and nothing is created', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(base('contososales', '--role', 'No Such Role'));
  assert.equal(run.code, 2);
  assert.match(run.stderr, /No security role "No Such Role".*\n.*Roles there: .*Salesperson/);
  assert.deepEqual(writesTo(sandbox.emulator), []);
});

test('an unknown environment and one without Dataverse are refused', async (t) => {
  const sandbox = await startSandbox(t);
  const unknown = await sandbox.run(base('nowhere', '--role-preset', 'read-only'));
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /No environment "nowhere"/);
  const teams = sandbox.emulator.environments.find((e) => !e.url)!;
  const noDataverse = await sandbox.run(base(teams.id, '--role-preset', 'read-only'));
  assert.equal(noDataverse.code, 2);
  assert.match(noDataverse.stderr, /has no Dataverse database/);
  assert.deepEqual(writesTo(sandbox.emulator), []);
});

test('dry run shows the plan and makes only read calls', async (t) => {
  const sandbox = await startSandbox(t);
  const json = await sandbox.run(['init', '--dry-run', '--environment', 'contososales', '--role-preset', 'contact-center', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout);
  assert.equal(result.dryRun, true);
  assert.deepEqual(
    result.plan.find((item: { what: string }) => item.what.startsWith('app registration')),
    {
      action: 'create',
      what: 'app registration "dynauth-contososales" (single tenant, Dynamics CRM user_impersonation)',
    },
  );
  const run = await sandbox.run(['init', '--dry-run', '--environment', 'contososales', '--role-preset', 'contact-center']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /\+ create\s+app registration "dynauth-contososales"/, 'the plan is the result, on stdout');
  assert.match(run.stdout, /\+ create\s+security role "dynauth contact-center"/);
  assert.match(run.stdout, /\+ assign\s+role "dynauth contact-center" to the application user/);
  assert.match(run.stdout, /Dry run: nothing was changed\./);
  assert.deepEqual(writesTo(sandbox.emulator), []);
  assert.equal(sandbox.emulator.state.applications.filter((a) => a.displayName.startsWith('dynauth')).length, 0);
});

test('a re-run reuses everything and creates nothing', async (t) => {
  const sandbox = await startSandbox(t);
  const args = [...base('contososales', '--role-preset', 'read-only'), '--json'];
  const first = await sandbox.run(args);
  assert.equal(first.code, 0, first.stderr);
  const writesBefore = writesTo(sandbox.emulator).length;
  const second = await sandbox.run(args);
  assert.equal(second.code, 0, second.stderr);
  const result = JSON.parse(second.stdout);
  assert.deepEqual(result.created, []);
  assert.ok(result.reused.includes('application') && result.reused.includes('credential'));
  assert.equal(result.clientId, JSON.parse(first.stdout).clientId);
  assert.equal(writesTo(sandbox.emulator).length, writesBefore, 'the second run wrote nothing');
  const { app } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.equal(app.passwordCredentials.length, 1, 'no second secret');
  await sandbox.assertNoSecretLeaked();
});

test('several environments: one app, an application user and a profile in each', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run([
    'init',
    '--yes',
    '--environment',
    'contososales',
    '--environment',
    'contosodev',
    '--role-preset',
    'read-only',
    '--app-name',
    'acme-sync',
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(
    result.profiles.map((p: { profile: string }) => p.profile),
    ['contososales', 'contosodev'],
  );
  assertOneOfEach(sandbox.emulator, 'acme-sync', ['contososales', 'contosodev']);
  const { profiles } = await sandbox.storage();
  assert.deepEqual((await profiles.list()).sort(), ['contosodev', 'contososales']);
});

test('--auth environment signs in as an automation app, with no prompt', async (t) => {
  const sandbox = await startSandbox(t);
  const { automation, tenant } = sandbox.emulator;
  const run = await sandbox.run(base('contosodev', '--role-preset', 'read-only', '--auth', 'environment'), {
    env: { AZURE_TENANT_ID: tenant.id, AZURE_CLIENT_ID: automation.clientId, AZURE_CLIENT_SECRET: automation.clientSecret },
  });
  assert.equal(run.code, 0, run.stderr);
  assertOneOfEach(sandbox.emulator, 'dynauth-contosodev', ['contosodev']);
  const graphWrites = sandbox.emulator.requests.filter((r) => r.service === 'graph' && r.method === 'POST');
  assert.ok(graphWrites.length > 0 && graphWrites.every((r) => r.token?.appid === automation.clientId && r.token.roles));
});

test('an admin without Entra rights is told which role is missing (exit 4)', async (t) => {
  const sandbox = await startSandbox(t, { seed: { adminGraphScopes: ['User.Read'] } });
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'));
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /Application Administrator or Cloud Application Administrator/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});

test('a failure in Entra waits for the role being made beside it: nothing is left half made', async (t) => {
  // Graph refuses the app (no write rights) while Dataverse is still creating the preset's role.
  const sandbox = await startSandbox(t, {
    seed: { adminGraphScopes: ['Application.Read.All', 'DelegatedPermissionGrant.Read.All', 'User.Read'] },
  });
  sandbox.emulator.faults.add({ kind: 'latency', service: 'dataverse', method: 'POST', pathPrefix: '/api/data/v9.2/roles', ms: 800 });
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'));
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /Application Administrator or Cloud Application Administrator/);
  assert.deepEqual(
    rolePrivileges(sandbox.emulator, 'contososales', 'dynauth read-only'),
    READ_ONLY.map((name) => [name, 3]),
  );
});

test('a sign-in whose request gets no answer is a network failure, named (exit 1), not an authentication one', async (t) => {
  // MSAL reports a connection that failed only as "network_error".
  const sandbox = await startSandbox(t);
  sandbox.emulator.faults.add({
    kind: 'drop',
    service: 'login',
    method: 'POST',
    pathPrefix: `/${sandbox.emulator.tenant.domain}/oauth2/v2.0/devicecode`,
    times: 20,
  });
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'));
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /Connection to 127\.0\.0\.1:\d+ was dropped before it answered\./);
  assert.match(run.stderr, /Check your network or proxy/);
  assert.doesNotMatch(run.stderr, /network_error|Sign in again/);
});

test('a keychain that cannot be used is reported right after the sign-in, before anything is asked or read', async (t) => {
  if (process.platform !== 'linux') return t.skip('the Secret Service (D-Bus) is Linux only');
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'), {
    env: { DYNAUTH_STORE: 'keychain', DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(sandbox.dir, 'no-bus')}` },
  });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /Could not use the OS keychain/);
  assert.match(run.stderr, /--store file --passphrase/);
  assert.doesNotMatch(run.stderr, /dynauth:probe/);
  assert.equal(sandbox.emulator.requests.filter((r) => r.service === 'dataverse' || r.path.startsWith('/v1.0/applications')).length, 0);
});

test('a --certificate-out in a directory that does not exist is refused before anything is done', async (t) => {
  const sandbox = await startSandbox(t);
  const pem = join(sandbox.dir, 'missing', 'c.pem');
  const run = await sandbox.run(
    base('contososales', '--role-preset', 'read-only', '--credential', 'certificate', '--certificate-out', pem),
  );
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /--certificate-out .*c\.pem: there is no directory/);
  assert.equal(sandbox.emulator.requests.length, 0);
});

test('an admin who is not System Administrator in the environment is told so (exit 4)', async (t) => {
  const sandbox = await startSandbox(t, { seed: { adminNotSystemAdministratorIn: ['contososales'] } });
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only'));
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /System Administrator security role in that environment/);
});

test('--verbose traces every HTTP call without any secret or token', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run([...base('contososales', '--role-preset', 'read-only'), '--verbose']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /→ POST https:\/\/127\.0\.0\.1:\d+\/v1\.0\/applications\/[0-9a-f-]+\/addPassword/);
  assert.match(run.stderr, /← 200 POST .*addPassword \d+ ms/);
  assert.doesNotMatch(run.stderr, /eyJ[A-Za-z0-9_-]+\./, 'no bearer token');
  await sandbox.assertNoSecretLeaked();
});

test('--show-secret prints the secret once, on stderr, never on stdout', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run([...base('contososales', '--role-preset', 'read-only'), '--show-secret', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const [secret] = await sandbox.storedSecrets();
  assert.ok(run.stderr.includes(`Client secret: ${secret}`));
  assert.equal(run.stderr.split(secret!).length, 2, 'exactly once');
  assert.ok(!run.stdout.includes(secret!));
});

test('a tenant that does not exist is named as such (exit 2), not as a sign-in library error', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(base('contososales', '--role-preset', 'read-only', '--tenant', 'fabrikam.onmicrosoft.com'));
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /No tenant "fabrikam\.onmicrosoft\.com" in the custom cloud \(AADSTS90002\)/);
  assert.doesNotMatch(run.stderr, /endpoints_resolution_error/);
});

test('--verbose also traces the sign-in calls of @azure/identity', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(['init', '--dry-run', '--environment', 'contososales', '--role-preset', 'read-only', '--verbose']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /→ POST https:\/\/127\.0\.0\.1:\d+\/contoso-sandbox\.onmicrosoft\.com\/oauth2\/v2\.0\/devicecode/);
  assert.match(
    run.stderr,
    /← 200 POST https:\/\/127\.0\.0\.1:\d+\/contoso-sandbox\.onmicrosoft\.com\/oauth2\/v2\.0\/token\?client-request-id=[0-9a-f-]+ \d+ ms/,
  );
});

test('where the app may not read its own privileges (no prvReadUser), the admin checks them instead', async (t) => {
  const sandbox = await startSandbox(t, { strictSelfPrivileges: true });
  const run = await sandbox.run([...base('contososales', '--role-preset', 'read-only'), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const calls = sandbox.emulator.requests.filter(
    (r) => r.path.endsWith('RetrieveUserPrivileges()') && r.path.includes(JSON.parse(run.stdout).applicationUserId),
  );
  // The app asks first (more than once while its new application user replicates), then the admin, once.
  const seen = calls.map((r) => `${r.status} ${r.token?.scp ? 'admin' : 'app'}`);
  assert.equal(seen.at(-1), '200 admin', seen.join(', '));
  assert.ok(seen.slice(0, -1).length >= 1 && seen.slice(0, -1).every((call) => call === '403 app'), seen.join(', '));
});

test('an environment can be named by its host alone', async (t) => {
  const sandbox = await startSandbox(t);
  const host = new URL(sandbox.emulator.environments.find((e) => e.uniqueName === 'contosodev')!.url!).host;
  const run = await sandbox.run(['init', '--dry-run', '--environment', host, '--role-preset', 'read-only', '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(JSON.parse(run.stdout).plan.some((item: { what: string }) => item.what.includes('Contoso Dev')));
});

test('the environment list is read while the tenant and user are, not after them', async (t) => {
  const sandbox = await startSandbox(t);
  sandbox.emulator.faults.add({ kind: 'latency', service: 'graph', method: 'GET', pathPrefix: '/v1.0/organization', ms: 1500 });
  const run = await sandbox.run(['init', '--dry-run', '--environment', 'contososales', '--role-preset', 'read-only']);
  assert.equal(run.code, 0, run.stderr);
  const organization = sandbox.emulator.requests.find((r) => r.path === '/v1.0/organization')!;
  const environments = sandbox.emulator.requests.find((r) => r.service === 'bap')!;
  assert.ok(
    environments.at < organization.at + 1500,
    `environments listed ${environments.at - organization.at} ms after /organization was asked, which took 1500 ms`,
  );
  assert.match(run.stderr, /Signed in as admin@/);
});
