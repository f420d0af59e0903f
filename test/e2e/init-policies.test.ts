import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmulatorOptions } from '../../src/emulator/index.ts';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';
import { assertOneOfEach, writesTo } from './assertions.ts';

const DEFAULT_POLICY = '00000000-0000-0000-0000-000000000000';
const DAY = 86_400_000;
const INIT = ['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'];
const CAP_90: EmulatorOptions['seed'] = {
  adminReadsPolicies: true,
  defaultAppManagementPolicy: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P90D' }] },
};
const NO_SECRETS = { passwordCredentials: [{ restrictionType: 'passwordAddition' as const }] };

function policyReads(sandbox: Sandbox) {
  return sandbox.emulator.requests.filter((r) => r.service === 'graph' && r.method === 'GET' && /appManagementPolic/i.test(r.path));
}

function addPasswordLifetimes(sandbox: Sandbox): number[] {
  return sandbox.emulator.requests
    .filter((r) => r.service === 'graph' && r.path.endsWith('/addPassword') && r.status === 200)
    .map((r) => (Date.parse((r.body as { passwordCredential: { endDateTime: string } }).passwordCredential.endDateTime) - r.at) / DAY);
}

test('a known lifetime cap exceeded by --secret-expiry is a usage error before anything is made', async (t) => {
  const sandbox = await startSandbox(t, { seed: CAP_90 });
  const run = await sandbox.run([...INIT, '--secret-expiry', '365']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(
      `--secret-expiry is 365 days, but the tenant's default app-management policy "Default app management tenant policy" \\(${DEFAULT_POLICY}\\) allows client secrets at most 90 days`,
    ),
  );
  assert.match(run.stderr, /Pass --secret-expiry 90 or less/);
  assert.deepEqual(writesTo(sandbox.emulator), [], 'no write at all');
  assert.deepEqual(
    policyReads(sandbox).map((r) => [r.path, r.status]),
    [['/v1.0/policies/defaultAppManagementPolicy', 200]],
  );
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});

test('the default lifetime is lowered to the policy maximum, and the plan says why', async (t) => {
  const sandbox = await startSandbox(t, { seed: CAP_90 });
  const run = await sandbox.run(INIT);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stderr,
    /\+ create\s+client secret valid 90 days \(the tenant's app-management policy allows at most 90 days\), stored encrypted/,
  );
  const lifetimes = addPasswordLifetimes(sandbox);
  assert.equal(lifetimes.length, 1);
  assert.ok(lifetimes[0]! > 89.99 && lifetimes[0]! <= 90, `endDateTime sent 90 days ahead, got ${lifetimes[0]}`);
  const { app } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.equal(app.passwordCredentials.length, 1);
  const { profiles } = await sandbox.storage();
  assert.equal((await profiles.read('contososales'))!.credential!.lifetimeDays, 90, 'the next rotation keeps within the cap');
});

test('a known policy that blocks secrets is a usage error naming it; --credential certificate then succeeds', async (t) => {
  const sandbox = await startSandbox(t, { seed: { adminReadsPolicies: true, defaultAppManagementPolicy: NO_SECRETS } });
  const run = await sandbox.run(INIT);
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(
      `Client secrets are not allowed for this app: the tenant's default app-management policy "Default app management tenant policy" \\(${DEFAULT_POLICY}\\) blocks them`,
    ),
  );
  assert.match(run.stderr, /--credential certificate/);
  assert.deepEqual(writesTo(sandbox.emulator), []);
  const certificate = await sandbox.run([...INIT, '--credential', 'certificate']);
  assert.equal(certificate.code, 0, certificate.stderr);
  const { app } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.equal(app.keyCredentials.length, 1);
  assert.equal(policyReads(sandbox).length, 1, 'a certificate run does not read the secret policy');
});

test('a policy the admin may not read (403): Graph refuses the secret, the error names the policy, and the certificate re-run converges', async (t) => {
  const sandbox = await startSandbox(t, { seed: { defaultAppManagementPolicy: NO_SECRETS } });
  const run = await sandbox.run(INIT);
  assert.equal(run.code, 1, run.stderr);
  assert.deepEqual(
    policyReads(sandbox).map((r) => r.status),
    [403],
    'the read was tried and refused',
  );
  assert.match(
    run.stderr,
    new RegExp(
      `Entra refused the client secret: app-management policy ${DEFAULT_POLICY} does not allow client secrets for this app \\(CredentialTypeNotAllowedAsPerAppPolicy\\)`,
    ),
  );
  assert.match(
    run.stderr,
    /Run the same dynauth init again with --credential certificate: it reuses the app, service principal and consent/,
  );
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');

  const again = await sandbox.run([...INIT, '--credential', 'certificate', '--json']);
  assert.equal(again.code, 0, again.stderr);
  const result = JSON.parse(again.stdout);
  for (const reused of ['application', 'servicePrincipal', 'adminConsent'])
    assert.ok(result.reused.includes(reused), `${reused} reused: ${result.reused}`);
  const { app } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.equal(sandbox.emulator.state.applications.filter((a) => a.displayName === 'dynauth-contososales').length, 1);
  assert.deepEqual([app.passwordCredentials.length, app.keyCredentials.length], [0, 1]);
  assert.equal(result.credential.type, 'certificate');
});

test('a cap that binds only apps created after a date leaves an older reused app uncapped, not a new one', async (t) => {
  const since = new Date(Date.now() - 3_600_000).toISOString();
  const sandbox = await startSandbox(t, {
    seed: {
      adminReadsPolicies: true,
      applications: [{ displayName: 'legacy-sync' }],
      defaultAppManagementPolicy: {
        passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P30D', restrictForAppsCreatedAfterDateTime: since }],
      },
    },
  });
  const legacy = sandbox.emulator.state.applications.find((a) => a.displayName === 'legacy-sync')!;
  const reused = await sandbox.run([...INIT, '--app-name', 'legacy-sync', '--secret-expiry', '365', '--json']);
  assert.equal(reused.code, 0, reused.stderr);
  assert.ok(JSON.parse(reused.stdout).reused.includes('application'));
  const [lifetime] = addPasswordLifetimes(sandbox);
  assert.ok(lifetime! > 364.99 && lifetime! <= 365, `the older app is not capped, got ${lifetime}`);
  assert.ok(
    policyReads(sandbox).some((r) => r.path === `/v1.0/applications/${legacy.id}/appManagementPolicies` && r.status === 200),
    "the app's own policies were read",
  );

  const fresh = await sandbox.run([...INIT, '--app-name', 'new-sync', '--profile', 'new', '--secret-expiry', '365']);
  assert.equal(fresh.code, 2, fresh.stderr);
  assert.match(fresh.stderr, /allows client secrets at most 30 days/);
  assert.equal(sandbox.emulator.state.applications.filter((a) => a.displayName === 'new-sync').length, 0);
});

test('a disabled default policy restricts nothing: the default 180 days, with no note', async (t) => {
  const sandbox = await startSandbox(t, {
    seed: { adminReadsPolicies: true, defaultAppManagementPolicy: { isEnabled: false, ...NO_SECRETS } },
  });
  const run = await sandbox.run(INIT);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /\+ create\s+client secret valid 180 days, stored encrypted/);
  const [lifetime] = addPasswordLifetimes(sandbox);
  assert.ok(lifetime! > 179.99 && lifetime! <= 180);
});

test('rotate-secret: a cap set since init lowers the previous lifetime, refuses a longer --secret-expiry, and a block on the app itself is named', async (t) => {
  const sandbox = await startSandbox(t, { seed: { adminReadsPolicies: true } });
  assert.equal((await sandbox.run(INIT)).code, 0);
  sandbox.emulator.policies.setDefaultAppManagementPolicy({
    passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P90D' }],
  });
  const before = writesTo(sandbox.emulator).length;
  const tooLong = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--secret-expiry', '120']);
  assert.equal(tooLong.code, 2, tooLong.stderr);
  assert.match(
    tooLong.stderr,
    /--secret-expiry is 120 days, but the tenant's default app-management policy .* allows client secrets at most 90 days/,
  );
  assert.equal(writesTo(sandbox.emulator).length, before, 'nothing added to the app');

  const capped = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--json']);
  assert.equal(capped.code, 0, capped.stderr);
  assert.match(capped.stderr, /The new client secret is valid 90 days: the tenant's app-management policy allows at most 90 days\./);
  const expiresIn = (Date.parse(JSON.parse(capped.stdout).profiles[0].credential.expiresOn) - Date.now()) / DAY;
  assert.ok(expiresIn > 89.9 && expiresIn <= 90, `got ${expiresIn}`);

  // A policy assigned to the app itself, read by an admin who may no longer read policies.
  const app = sandbox.emulator.state.applications.find((a) => a.displayName === 'dynauth-contososales')!;
  const policyId = sandbox.emulator.policies.assignAppManagementPolicy(app.appId, NO_SECRETS);
  sandbox.emulator.policies.setDefaultAppManagementPolicy({ isEnabled: false, passwordCredentials: [] });
  const known = await sandbox.run(['rotate-secret', '--profile', 'contososales']);
  assert.equal(known.code, 1, known.stderr);
  assert.match(
    known.stderr,
    new RegExp(
      `Client secrets are not allowed for this app: the app's own app-management policy "Credential restrictions" \\(${policyId}\\) blocks them`,
    ),
  );
  assert.match(known.stderr, /dynauth init --credential certificate/);
});

test('rotate-secret with a policy it cannot read: Graph refuses the secret and the error names the policy', async (t) => {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run(INIT)).code, 0);
  const app = sandbox.emulator.state.applications.find((a) => a.displayName === 'dynauth-contososales')!;
  const policyId = sandbox.emulator.policies.assignAppManagementPolicy(app.appId, {
    passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P30D' }],
  });
  const run = await sandbox.run(['rotate-secret', '--profile', 'contososales']);
  assert.equal(run.code, 1, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(
      `Entra refused a client secret valid 180 days: app-management policy ${policyId} allows client secrets a shorter life \\(CredentialInvalidLifetimeAsPerAppPolicy\\)`,
    ),
  );
  assert.match(run.stderr, /rotate-secret --profile contososales again with a shorter --secret-expiry/);
  const retried = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--secret-expiry', '30']);
  assert.equal(retried.code, 0, retried.stderr);
});
