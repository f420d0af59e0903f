import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSelfSignedCertificate } from '../../src/crypto/x509.ts';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.ts';
import { adminToken, emulatorFor, http } from './helpers.ts';

const DEFAULT_POLICY_ID = '00000000-0000-0000-0000-000000000000';
const DAY = 86_400_000;
// Replication is not the subject here: new apps answer at once.
const NO_LAG: EmulatorOptions['replicationLag'] = { appMs: 0 };

async function setup(t: Parameters<typeof emulatorFor>[0], seed: EmulatorOptions['seed'] = {}) {
  const emulator = await emulatorFor(t, { seed, replicationLag: NO_LAG });
  const graph = `${emulator.cloudConfig.graphEndpoint}/v1.0`;
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const newApp = async (displayName: string): Promise<{ id: string; appId: string }> => {
    const created = await http(`${graph}/applications`, { token, json: { displayName, signInAudience: 'AzureADMyOrg' } });
    assert.equal(created.status, 201, created.text);
    return created.body;
  };
  const addPassword = (id: string, days?: number) =>
    http(`${graph}/applications/${id}/addPassword`, {
      token,
      json: {
        passwordCredential: {
          displayName: 'test',
          ...(days === undefined ? {} : { endDateTime: new Date(Date.now() + days * DAY).toISOString() }),
        },
      },
    });
  return { emulator, graph, token, newApp, addPassword };
}

function seededApp(emulator: Emulator, displayName: string) {
  return emulator.state.applications.find((a) => a.displayName === displayName)!;
}

/** Graph's error body for a credential an app-management policy refuses. */
interface GraphErrorBody {
  error: { code: string; message: string; details: Array<{ message: string }>; innerError: Record<string, string> };
}

function assertRefused(res: { status: number; body: GraphErrorBody }, code: string, policyId: string): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code);
  const message =
    code === 'CredentialTypeNotAllowedAsPerAppPolicy'
      ? `Credential type not allowed as per assigned policy '${policyId}'.`
      : `Credential lifetime exceeds the max value allowed as per assigned policy '${policyId}'.`;
  assert.equal(res.body.error.message, message);
  assert.equal(res.body.error.details[0].message, message);
  assert.match(res.body.error.innerError['request-id'], /^[0-9a-f-]{36}$/);
}

test('the default admin lacks Policy.Read.All: every policy read is 403 Authorization_RequestDenied', async (t) => {
  const { graph, token, newApp } = await setup(t);
  const app = await newApp('no-policy-read');
  for (const path of [
    '/policies/defaultAppManagementPolicy',
    '/policies/appManagementPolicies',
    `/applications/${app.id}/appManagementPolicies`,
  ]) {
    const res = await http(`${graph}${path}`, { token });
    assert.equal(res.status, 403, path);
    assert.equal(res.body.error.code, 'Authorization_RequestDenied');
    assert.equal(res.body.error.message, 'Insufficient privileges to complete the operation.');
  }
});

test('a new tenant: the default policy is disabled and empty, and Graph itself sets no maximum secret lifetime', async (t) => {
  const { graph, token, newApp, addPassword } = await setup(t, { adminReadsPolicies: true });
  const policy = await http(`${graph}/policies/defaultAppManagementPolicy`, { token });
  assert.equal(policy.status, 200);
  assert.equal(policy.body['@odata.context'], `${graph}/$metadata#policies/defaultAppManagementPolicy/$entity`);
  assert.equal(policy.body.id, DEFAULT_POLICY_ID);
  assert.equal(policy.body.isEnabled, false);
  assert.deepEqual(policy.body.applicationRestrictions, { passwordCredentials: [], keyCredentials: [] });
  assert.deepEqual(policy.body.servicePrincipalRestrictions, { passwordCredentials: [], keyCredentials: [] });
  const app = await newApp('unrestricted');
  const threeYears = await addPassword(app.id, 3 * 365);
  assert.equal(threeYears.status, 200, threeYears.text);
  const byDefault = await addPassword(app.id);
  assert.equal((Date.parse(byDefault.body.endDateTime) - Date.parse(byDefault.body.startDateTime)) / DAY, 730);
  const listed = await http(`${graph}/applications/${app.id}/appManagementPolicies`, { token });
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.value, []);
});

test('passwordLifetime: a secret longer than maxLifetime (or the 2-year default) is CredentialInvalidLifetimeAsPerAppPolicy naming the policy', async (t) => {
  const { emulator, graph, token, newApp, addPassword } = await setup(t, {
    adminReadsPolicies: true,
    defaultAppManagementPolicy: { passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P90D' }] },
  });
  const policy = await http(`${graph}/policies/defaultAppManagementPolicy`, { token });
  assert.equal(policy.body.isEnabled, true);
  assert.deepEqual(policy.body.applicationRestrictions.passwordCredentials, [
    { restrictionType: 'passwordLifetime', maxLifetime: 'P90D', restrictForAppsCreatedAfterDateTime: null, state: 'enabled' },
  ]);
  const app = await newApp('capped');
  assertRefused(await addPassword(app.id, 91), 'CredentialInvalidLifetimeAsPerAppPolicy', DEFAULT_POLICY_ID);
  assertRefused(await addPassword(app.id), 'CredentialInvalidLifetimeAsPerAppPolicy', DEFAULT_POLICY_ID);
  assert.equal((await addPassword(app.id, 90)).status, 200);
  assert.equal(emulator.state.applications.find((a) => a.id === app.id)!.passwordCredentials.length, 1, 'a refused secret is not added');
});

test('passwordAddition blocks secrets, not certificates; isEnabled false and a disabled restriction block nothing', async (t) => {
  const { emulator, graph, token, newApp, addPassword } = await setup(t, {
    defaultAppManagementPolicy: { passwordCredentials: [{ restrictionType: 'passwordAddition' }] },
  });
  const app = await newApp('no-secrets');
  assertRefused(await addPassword(app.id, 30), 'CredentialTypeNotAllowedAsPerAppPolicy', DEFAULT_POLICY_ID);
  const key = createSelfSignedCertificate({ commonName: 'no-secrets', validDays: 30 }).certDer.toString('base64');
  const patched = await http(`${graph}/applications/${app.id}`, {
    method: 'PATCH',
    token,
    json: { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key }] },
  });
  assert.equal(patched.status, 204, patched.text);

  emulator.policies.setDefaultAppManagementPolicy({ isEnabled: false, passwordCredentials: [{ restrictionType: 'passwordAddition' }] });
  assert.equal((await addPassword(app.id, 30)).status, 200, 'a disabled policy restricts nothing');
  emulator.policies.setDefaultAppManagementPolicy({ passwordCredentials: [{ restrictionType: 'passwordAddition', state: 'disabled' }] });
  assert.equal((await addPassword(app.id, 30)).status, 200, 'a disabled restriction is not evaluated');
});

test('restrictForAppsCreatedAfterDateTime: apps created before the date are exempt, apps created on or after it are not', async (t) => {
  const since = new Date(Date.now() - 3_600_000).toISOString();
  const { emulator, newApp, addPassword } = await setup(t, {
    applications: [{ displayName: 'created yesterday' }],
    defaultAppManagementPolicy: {
      passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P30D', restrictForAppsCreatedAfterDateTime: since }],
    },
  });
  const old = seededApp(emulator, 'created yesterday');
  assert.ok(Date.parse(old.createdDateTime) < Date.parse(since));
  assert.equal((await addPassword(old.id, 365)).status, 200, 'the older app is not capped');
  const fresh = await newApp('created now');
  assertRefused(await addPassword(fresh.id, 365), 'CredentialInvalidLifetimeAsPerAppPolicy', DEFAULT_POLICY_ID);
  assert.equal((await addPassword(fresh.id, 30)).status, 200);
});

test('a policy assigned to an app replaces the tenant default for it while enabled; it is listed on the app and under /policies', async (t) => {
  const { emulator, graph, token, newApp, addPassword } = await setup(t, {
    adminReadsPolicies: true,
    applications: [
      {
        displayName: 'exempted',
        appManagementPolicy: {
          displayName: 'Secrets up to 30 days',
          passwordCredentials: [{ restrictionType: 'passwordLifetime', maxLifetime: 'P30DT12H' }],
        },
      },
      { displayName: 'own policy disabled', appManagementPolicy: { isEnabled: false, passwordCredentials: [] } },
    ],
    defaultAppManagementPolicy: { passwordCredentials: [{ restrictionType: 'passwordAddition' }] },
  });
  const app = seededApp(emulator, 'exempted');
  const own = emulator.state.policies.appManagement[0]!;
  assert.equal((await addPassword(app.id, 30)).status, 200, 'the app policy allows secrets');
  assertRefused(await addPassword(app.id, 31), 'CredentialInvalidLifetimeAsPerAppPolicy', own.id);

  const listed = await http(`${graph}/applications/${app.id}/appManagementPolicies`, { token });
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.value, [
    {
      id: own.id,
      displayName: 'Secrets up to 30 days',
      description: own.description,
      isEnabled: true,
      restrictions: {
        passwordCredentials: [
          { restrictionType: 'passwordLifetime', maxLifetime: 'P30DT12H', restrictForAppsCreatedAfterDateTime: null, state: 'enabled' },
        ],
        keyCredentials: [],
      },
    },
  ]);
  const byId = await http(`${graph}/policies/appManagementPolicies/${own.id}`, { token });
  assert.equal(byId.body.displayName, 'Secrets up to 30 days');
  const appliesTo = await http(`${graph}/policies/appManagementPolicies/${own.id}/appliesTo`, { token });
  assert.deepEqual(
    appliesTo.body.value.map((o: { id: string }) => o.id),
    [app.id],
  );
  const unknown = await http(`${graph}/policies/appManagementPolicies/${'1'.repeat(8)}-0000-0000-0000-000000000000`, { token });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'Request_ResourceNotFound');

  // Assigned after start (as a test does for an app init made), and a disabled one leaves the default in force.
  const other = await newApp('later');
  const laterId = emulator.policies.assignAppManagementPolicy(other.appId, { passwordCredentials: [] });
  assert.equal((await addPassword(other.id, 400)).status, 200);
  assert.deepEqual(emulator.state.policies.appManagement.find((p) => p.id === laterId)!.appliesTo, [other.id]);
  assertRefused(
    await addPassword(seededApp(emulator, 'own policy disabled').id, 10),
    'CredentialTypeNotAllowedAsPerAppPolicy',
    DEFAULT_POLICY_ID,
  );
});
