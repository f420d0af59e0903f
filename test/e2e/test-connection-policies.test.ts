// test-connection against tenant and environment policies the emulator is seeded with:
// Conditional Access (AADSTS53003), a tenant in another national cloud (AADSTS90038),
// and a Dataverse admin policy blocking the app (403 0x80095ffc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Run, type Sandbox } from '../support/sandbox.ts';
import { seedProfile } from './profile-fixtures.ts';

const SEEDED_SECRET = 'Sd98Q~seeded-secret-value-for-tests-0001';
const tc = (...args: string[]) => ['test-connection', ...args];

function envUrl(sandbox: Sandbox, uniqueName = 'contososales'): string {
  return sandbox.emulator.environments.find((e) => e.uniqueName === uniqueName)!.url!;
}

function seededApp(sandbox: Sandbox, displayName: string) {
  return sandbox.emulator.state.applications.find((a) => a.displayName === displayName)!;
}

function report(run: Run) {
  return JSON.parse(run.stdout) as {
    ok: boolean;
    checks: Array<{ id: string; status: string; diagnosis?: { code: string; cause: string; fix: string; auth: boolean } }>;
  };
}

function failed(run: Run, id: string) {
  const check = report(run).checks.find((c) => c.id === id);
  assert.equal(check?.status, 'fail', `${id} failed: ${run.stdout}`);
  return check!.diagnosis!;
}

function assertClean(run: Run) {
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

test('AADSTS53003: a Conditional Access policy blocks the app, said with where to look (exit 4)', async (t) => {
  const sandbox = await startSandbox(t, {
    seed: { applications: [{ displayName: 'ca-blocked', blockedByConditionalAccess: true, secret: { value: SEEDED_SECRET } }] },
  });
  const app = seededApp(sandbox, 'ca-blocked');
  await seedProfile(sandbox, { name: 'blocked', clientId: app.appId, secret: SEEDED_SECRET });

  const run = await sandbox.run(tc('--profile', 'blocked', '--json'));
  assert.equal(run.code, 4, run.stderr);
  assert.equal(report(run).ok, false);
  const diagnosis = failed(run, 'token');
  assert.deepEqual(diagnosis, {
    code: 'AADSTS53003',
    cause: `A Conditional Access policy blocked the sign-in of app ${app.appId}.`,
    fix: "Ask an Entra admin to allow this workload identity (Entra > Sign-in logs > the failure names the policy), e.g. from this machine's network location.",
    auth: true,
  });
  assert.deepEqual(
    report(run)
      .checks.filter((c) => c.id === 'whoami')
      .map((c) => c.status),
    ['skip'],
  );

  const human = await sandbox.run(tc('--profile', 'blocked'));
  assert.equal(human.code, 4, human.stderr);
  assert.match(human.stdout, new RegExp(`A Conditional Access policy blocked the sign-in of app ${app.appId}\\.`));
  assert.match(
    human.stdout,
    /Fix: Ask an Entra admin to allow this workload identity \(Entra > Sign-in logs > the failure names the policy\)/,
  );
  assertClean(human);
  await sandbox.assertNoSecretLeaked();
});

test('AADSTS90038: the tenant lives in another national cloud, pointing at --cloud (exit 4)', async (t) => {
  const tenant = 'fabrikam.onmicrosoft.us';
  const sandbox = await startSandbox(t, { seed: { tenantsInOtherClouds: [tenant] } });
  const byHand = (json: boolean) =>
    sandbox.run(
      tc(
        '--environment',
        envUrl(sandbox),
        '--tenant',
        tenant,
        '--client-id',
        sandbox.emulator.automation.clientId,
        '--client-secret-stdin',
        ...(json ? ['--json'] : []),
      ),
      {
        input: `${sandbox.emulator.automation.clientSecret}\n`,
      },
    );

  const run = await byHand(true);
  assert.equal(run.code, 4, run.stderr);
  const diagnosis = failed(run, 'token');
  assert.equal(diagnosis.code, 'AADSTS90038');
  assert.match(
    diagnosis.cause,
    /^Tenant "fabrikam\.onmicrosoft\.us" is not known in the \S+ cloud: a typo, or the tenant lives in another national cloud\.$/,
  );
  assert.equal(diagnosis.fix, 'Check --tenant, or pick the cloud the tenant lives in with --cloud usgov|usgovhigh|dod|china.');
  assert.equal(diagnosis.auth, true);

  const human = await byHand(false);
  assert.equal(human.code, 4, human.stderr);
  assert.match(
    human.stdout,
    /Tenant "fabrikam\.onmicrosoft\.us" is not known in the \S+ cloud: a typo, or the tenant lives in another national cloud\./,
  );
  assert.match(human.stdout, /Fix: Check --tenant, or pick the cloud the tenant lives in with --cloud usgov\|usgovhigh\|dod\|china\./);
  assertClean(human);
});

test('Dataverse 0x80095ffc: an admin policy of the environment blocks the app (exit 4)', async (t) => {
  const sandbox = await startSandbox(t, {
    seed: { applications: [{ displayName: 'dv-blocked', blockedInDataverse: ['contososales'], secret: { value: SEEDED_SECRET } }] },
  });
  const app = seededApp(sandbox, 'dv-blocked');
  await seedProfile(sandbox, { name: 'policy', clientId: app.appId, secret: SEEDED_SECRET });
  const host = new URL(envUrl(sandbox)).host;

  const run = await sandbox.run(tc('--profile', 'policy', '--json'));
  assert.equal(run.code, 4, run.stderr);
  const checks = report(run).checks.map((c) => `${c.id}:${c.status}`);
  assert.ok(checks.includes('token:pass'), checks.join(' '));
  const diagnosis = failed(run, 'whoami');
  assert.deepEqual(diagnosis, {
    code: 'dataverse-0x80095ffc',
    cause: `An admin policy of ${host} blocks this app (Access denied by policy: the application ${app.appId} is blocked from this environment by an administrator policy.).`,
    fix: 'Ask the Power Platform admin to allow the app (environment security settings: IP firewall, tenant isolation, app access policies).',
    auth: true,
  });

  const human = await sandbox.run(tc('--profile', 'policy'));
  assert.equal(human.code, 4, human.stderr);
  assert.match(human.stdout, new RegExp(`An admin policy of ${host.replace(/\./g, '\\.')} blocks this app`));
  assert.match(human.stdout, /Fix: Ask the Power Platform admin to allow the app/);
  assertClean(human);
  await sandbox.assertNoSecretLeaked();
});

test('a profile made by init: 0x80095ffc, then AADSTS53003, once those policies are switched on (exit 4)', async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only']);
  assert.equal(init.code, 0, init.stderr);
  assert.equal((await sandbox.run(tc())).code, 0);
  const app = seededApp(sandbox, 'dynauth-contososales');
  sandbox.emulator.policies.blockInDataverse(app.appId, ['contososales']);

  const run = await sandbox.run(tc('--json'));
  assert.equal(run.code, 4, run.stderr);
  const diagnosis = failed(run, 'whoami');
  assert.equal(diagnosis.code, 'dataverse-0x80095ffc');
  assert.match(diagnosis.cause, /^An admin policy of \S+ blocks this app/);

  sandbox.emulator.policies.blockByConditionalAccess(app.appId);
  const blocked = await sandbox.run(tc('--json'));
  assert.equal(blocked.code, 4, blocked.stderr);
  assert.equal(failed(blocked, 'token').code, 'AADSTS53003');
});
