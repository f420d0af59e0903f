// test-connection of delegated profiles against the emulator: the refresh token redeemed (and the
// rotated one stored), WhoAmI as the integration account, and each way a delegated setup breaks
// diagnosed with its why and fix (exit 4 for authentication).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EmulatorState } from '../../src/emulator/state.ts';
import { startSandbox, type Run, type Sandbox } from '../support/sandbox.ts';
import { assertNoDelegatedSecretLeaked, seedDelegatedProfile, storedRefreshToken } from './delegated-fixtures.ts';
import { signInThroughBrowser, startCli } from './delegated-support.ts';

const tc = (profile: string) => ['test-connection', '--profile', profile, '--json'];

interface Diagnosed {
  code: string;
  cause: string;
  fix: string;
  auth: boolean;
}

function report(run: Run) {
  return JSON.parse(run.stdout) as {
    ok: boolean;
    applicationUserId?: string;
    userId?: string;
    delegated?: { publicClient: boolean; user?: string; refreshToken: { lastRedeemedOn?: string; daysLeft?: number } };
    checks: Array<{ id: string; status: string; summary: string; diagnosis?: Diagnosed }>;
  };
}

function failure(run: Run, id: string): Diagnosed {
  const check = report(run).checks.find((c) => c.id === id);
  assert.equal(check?.status, 'fail', `${id} should fail: ${run.stdout}\n${run.stderr}`);
  return check!.diagnosis!;
}

function state(sandbox: Sandbox): EmulatorState {
  return sandbox.emulator.state as unknown as EmulatorState;
}

function systemUser(sandbox: Sandbox, objectId: string, environment = 'contososales') {
  const dataverse = state(sandbox).environments.find((e) => e.uniqueName === environment)!.dataverse!;
  return { dataverse, user: dataverse.systemusers.find((u) => u.azureactivedirectoryobjectid === objectId)! };
}

function tokenRequests(sandbox: Sandbox, since: number) {
  return sandbox.emulator.requests.slice(since).filter((r) => r.service === 'login' && r.path.endsWith('/oauth2/v2.0/token'));
}

test('a confidential delegated profile: the refresh token is redeemed with the secret, the rotated one stored, WhoAmI answers as the user', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await seedDelegatedProfile(sandbox, { name: 'contact', lastRedeemedDaysAgo: 70 });
  const before = sandbox.emulator.requests.length;
  const run = await sandbox.run(tc('contact'));
  assert.equal(run.code, 0, run.stderr);
  const result = report(run);
  assert.equal(result.ok, true);
  assert.equal(result.delegated?.user, setup.user.userPrincipalName);
  assert.equal(result.delegated?.refreshToken.daysLeft, 90, 'the window starts again at the redemption');
  const expiry = result.checks.find((c) => c.id === 'expiry')!;
  assert.equal(expiry.status, 'warn', 'twenty days left of the window is a warning, not a failure');
  assert.match(
    expiry.summary,
    /^client secret expires on \S+ \(in 180 days\); refresh token last redeemed on \S+ \(20 days left of its 90-day inactivity window\)$/,
  );
  const { user } = systemUser(sandbox, setup.user.objectId);
  assert.equal(result.userId, user.systemuserid, 'WhoAmI answered as the integration account');
  assert.ok(!('applicationUserId' in result), 'a delegated profile has no application user, so the report names none');
  const [request] = tokenRequests(sandbox, before);
  assert.equal(request?.body && (request.body as Record<string, string>).grant_type, 'refresh_token');
  assert.equal((request!.body as Record<string, string>).client_secret, '[redacted]', 'the confidential app sent its secret');
  assert.match((request!.body as Record<string, string>).scope ?? '', /\/user_impersonation offline_access$/);
  const rotated = await storedRefreshToken(sandbox, 'contact');
  assert.ok(rotated && rotated !== setup.refreshToken, 'the rotated refresh token replaced the old one in the store');
  const { profiles } = await sandbox.storage();
  const saved = (await profiles.read('contact'))!;
  assert.ok(Date.now() - Date.parse(saved.delegated!.refreshToken!.lastRedeemedOn) < 60_000, 'the redemption is recorded');
  assert.equal(saved.delegated!.refreshToken!.obtainedOn, setup.profile.delegated!.refreshToken!.obtainedOn);
  // The stored (rotated) token works on the next run too; --verbose traces show no token of any kind.
  const again = await sandbox.run([...tc('contact'), '--verbose']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /oauth2\/v2\.0\/token/, 'the token request is traced');
  assert.doesNotMatch(again.stderr + again.stdout, /eyJ[\w-]+\.[\w-]+\./, 'no access token in the output');
  await assertNoDelegatedSecretLeaked(sandbox, [setup], ['contact']);
});

test('a public delegated profile redeems with PKCE alone: no secret is sent, and the human report says so', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await seedDelegatedProfile(sandbox, { name: 'sync', publicClient: true });
  const before = sandbox.emulator.requests.length;
  const run = await sandbox.run(['test-connection', '--profile', 'sync']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /none \(a public client\)/);
  assert.match(run.stdout, new RegExp(`signed in as\\s+${setup.user.userPrincipalName.replace('.', '\\.')}`));
  const [request] = tokenRequests(sandbox, before);
  assert.equal((request!.body as Record<string, string>).client_secret, undefined, 'a public client sends no secret');
  await assertNoDelegatedSecretLeaked(sandbox, [setup], ['sync']);
});

test('Entra refusals of the refresh token are diagnosed with a why and a fix, exit 4', async (t) => {
  const sandbox = await startSandbox(t);
  const { emulator } = sandbox;
  const expect = async (name: string, code: string, cause: RegExp, fix: RegExp) => {
    const run = await sandbox.run(tc(name));
    assert.equal(run.code, 4, `${name}: ${run.stdout}\n${run.stderr}`);
    const diagnosis = failure(run, 'token');
    assert.equal(diagnosis.code, code);
    assert.match(diagnosis.cause, cause);
    assert.match(diagnosis.fix, fix);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    return run;
  };

  // 90 days unused: AADSTS700082; the profile's own record says it too (the expiry check warns first).
  const idle = await seedDelegatedProfile(sandbox, { name: 'idle', lastRedeemedDaysAgo: 91 });
  emulator.users.idleRefreshTokens(91, idle.user.objectId);
  const idleRun = await expect('idle', 'AADSTS700082', /90 days unused/, /dynauth init --flow delegated --profile idle/);
  assert.equal(report(idleRun).checks.find((c) => c.id === 'expiry')?.status, 'warn');

  // Sessions revoked (or a password reset): AADSTS50173.
  const revoked = await seedDelegatedProfile(sandbox, { name: 'revoked' });
  emulator.users.revokeSignInSessions(revoked.user.objectId);
  await expect('revoked', 'AADSTS50173', /revoked/, /dynauth init --flow delegated --profile revoked/);

  // Consent removed: AADSTS65001.
  const unconsented = await seedDelegatedProfile(sandbox, { name: 'unconsented' });
  const sp = state(sandbox).servicePrincipals.find((s) => s.appId === unconsented.appId)!;
  const grants = state(sandbox).oauth2PermissionGrants;
  grants.splice(
    grants.findIndex((g) => g.clientId === sp.id),
    1,
  );
  await expect('unconsented', 'AADSTS65001', /consented/, /admin consent/);

  // A public-client profile whose app no longer allows public client flows: AADSTS7000218.
  await seedDelegatedProfile(sandbox, { name: 'closed', publicClient: true });
  const closed = state(sandbox).applications.find((a) => a.displayName === 'delegated-closed')!;
  closed.isFallbackPublicClient = false;
  closed.publicClient.redirectUris = [];
  await expect('closed', 'AADSTS7000218', /not a public client/, /Allow public client flows/);

  // A token a public client obtained, redeemed with a secret: AADSTS700025.
  await seedDelegatedProfile(sandbox, { name: 'mixed', signInAsPublicClient: true });
  await expect('mixed', 'AADSTS700025', /public client/, /no secret/);

  // MFA now required for the user (the integration account is shared by the next two, so last).
  const mfa = await seedDelegatedProfile(sandbox, { name: 'mfa' });
  emulator.users.requireMfa(mfa.user.objectId);
  await expect('mfa', 'AADSTS50076', /multi-factor/, /interactively/);
  emulator.users.requireMfa(mfa.user.objectId, { enrolled: false });
  await expect('mfa', 'AADSTS50079', /enrol/, /interactively/);
});

test('Dataverse refusals of the integration account: disabled, no licence, no security role, not a user of the environment', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await seedDelegatedProfile(sandbox, { name: 'agent' });
  const { dataverse, user } = systemUser(sandbox, setup.user.objectId);

  user.isdisabled = true;
  let run = await sandbox.run(tc('agent'));
  assert.equal(run.code, 4, run.stderr);
  let diagnosis = failure(run, 'whoami');
  assert.equal(diagnosis.code, 'dataverse-0x80040225');
  assert.match(diagnosis.cause, new RegExp(`${setup.user.userPrincipalName.replace('.', '\\.')} is disabled`));
  assert.match(diagnosis.fix, /licence/);
  user.isdisabled = false;

  user.islicensed = false;
  run = await sandbox.run(tc('agent'));
  assert.equal(run.code, 4, run.stderr);
  diagnosis = failure(run, 'whoami');
  assert.equal(diagnosis.code, 'dataverse-0x8004d24b');
  assert.match(diagnosis.cause, /no Dynamics 365 or Power Apps licence/);
  user.islicensed = true;

  const roles = user.roleIds;
  user.roleIds = [];
  run = await sandbox.run(tc('agent'));
  assert.equal(run.code, 1, `no role is not an authentication failure: ${run.stderr}`);
  diagnosis = failure(run, 'privileges');
  assert.equal(diagnosis.code, 'no-security-role');
  assert.match(diagnosis.fix, /Manage security roles/);
  assert.equal(report(run).checks.find((c) => c.id === 'whoami')?.status, 'pass', 'WhoAmI works without a role');
  user.roleIds = roles;

  dataverse.systemusers.splice(dataverse.systemusers.indexOf(user), 1);
  run = await sandbox.run(tc('agent'));
  assert.equal(run.code, 4, run.stderr);
  diagnosis = failure(run, 'whoami');
  assert.equal(diagnosis.code, 'dataverse-0x80072560');
  assert.match(diagnosis.cause, /is not a user of/);
  assert.match(diagnosis.fix, /Add user/);
  await assertNoDelegatedSecretLeaked(sandbox, [setup], ['agent']);
});

test('from init --flow delegated: test-connection, status and rotate-secret work on the profile init wrote', async (t) => {
  const sandbox = await startSandbox(t);
  const init = startCli(sandbox, [
    'init',
    '--yes',
    '--flow',
    'delegated',
    '--environment',
    'contososales',
    '--profile',
    'centre',
    '--json',
  ]);
  await signInThroughBrowser(init);
  const made = await init.done;
  assert.equal(made.code, 0, made.stderr);

  const tested = await sandbox.run(tc('centre'));
  assert.equal(tested.code, 0, tested.stderr);
  const result = report(tested);
  assert.equal(result.delegated?.user, sandbox.emulator.integration.userPrincipalName);
  assert.equal(result.userId, systemUser(sandbox, sandbox.emulator.integration.objectId).user.systemuserid);

  const status = await sandbox.run(['status', '--json', '--warn-days', '30']);
  assert.equal(status.code, 0, status.stderr);
  const [row] = JSON.parse(status.stdout).profiles as Array<{ delegated?: { refreshToken: { daysLeft?: number } }; keychainItem: string }>;
  assert.equal(row?.delegated?.refreshToken.daysLeft, 90);
  assert.equal(row?.keychainItem, 'present');

  const rotated = await sandbox.run(['rotate-secret', '--profile', 'centre', '--revoke-old', '--yes']);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stderr, /New secret works: the refresh token of .* was redeemed with it/);
  const again = await sandbox.run(tc('centre'));
  assert.equal(again.code, 0, again.stderr);
  await assertNoDelegatedSecretLeaked(sandbox, [], ['centre']);
});

test('from init --flow delegated --public-client: test-connection redeems with PKCE alone and status says "no secret"', async (t) => {
  const sandbox = await startSandbox(t);
  const init = startCli(sandbox, [
    'init',
    '--yes',
    '--flow',
    'delegated',
    '--public-client',
    '--environment',
    'contososales',
    '--profile',
    'sync',
    '--json',
  ]);
  await signInThroughBrowser(init);
  const made = await init.done;
  assert.equal(made.code, 0, made.stderr);
  const before = sandbox.emulator.requests.length;
  const tested = await sandbox.run(tc('sync'));
  assert.equal(tested.code, 0, tested.stderr);
  assert.equal(report(tested).delegated?.publicClient, true);
  const [request] = tokenRequests(sandbox, before);
  assert.equal((request!.body as Record<string, string>).client_secret, undefined, 'no secret is sent');
  const status = await sandbox.run(['status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^sync\s.*\sno secret\s.*present/m);
  const rotate = await sandbox.run(['rotate-secret', '--profile', 'sync']);
  assert.equal(rotate.code, 1);
  assert.match(rotate.stderr, /nothing to rotate/);
  await assertNoDelegatedSecretLeaked(sandbox, [], ['sync']);
});
