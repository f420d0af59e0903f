import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stableGuid } from '../../src/emulator/ids.ts';
import { appToken, dataverseUrl, emulatorFor, http, tokenUrl } from './helpers.ts';
import type { Emulator } from '../../src/emulator/index.ts';

const SECRET = 'Pq71Q~policy-test-secret-value-000000001';
const AUTOMATION_APP_ID = stableGuid('application:automation');

function clientCredentials(emulator: Emulator, clientId: string, secret: string, tenant = emulator.tenant.id) {
  return http(tokenUrl(emulator, tenant), {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: emulator.cloudConfig.graphScope },
  });
}

/** The OAuth error body Entra answers a refused token request with. */
interface AadErrorBody {
  error: string;
  error_codes: number[];
  error_description: string;
}

function expectAadError(
  res: { status: number; body: AadErrorBody },
  status: number,
  error: string,
  code: number,
  description: RegExp,
): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.deepEqual(res.body.error_codes, [code]);
  assert.match(res.body.error_description, new RegExp(`^AADSTS${code}: `));
  assert.match(res.body.error_description, description);
  assert.match(res.body.error_description, /Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: /);
}

test('blockedByConditionalAccess: AADSTS53003 (400 invalid_grant) once the secret checks out; other apps unaffected', async (t) => {
  const emulator = await emulatorFor(t, {
    seed: { applications: [{ displayName: 'ca-blocked', blockedByConditionalAccess: true, secret: { value: SECRET } }] },
  });
  const app = emulator.state.applications.find((a) => a.displayName === 'ca-blocked')!;
  expectAadError(
    await clientCredentials(emulator, app.appId, SECRET),
    400,
    'invalid_grant',
    53003,
    /Access has been blocked by Conditional Access policies\. The access policy does not allow token issuance\./,
  );
  // Credentials are checked first: a wrong secret is still 7000215, not 53003.
  expectAadError(
    await clientCredentials(emulator, app.appId, 'Zz00Q~wrong-secret-value-00000000000000'),
    401,
    'invalid_client',
    7000215,
    /Invalid client secret/,
  );
  assert.equal((await clientCredentials(emulator, emulator.automation.clientId, emulator.automation.clientSecret)).status, 200);
  assert.deepEqual(emulator.state.policies.conditionalAccessBlockedApps, [app.appId]);
});

test('tenantsInOtherClouds: token and metadata requests get AADSTS90038 (400 invalid_request); other unknown tenants stay 90002', async (t) => {
  const emulator = await emulatorFor(t, { seed: { tenantsInOtherClouds: ['Fabrikam.onmicrosoft.us'] } });
  const tenant = 'fabrikam.onmicrosoft.us';
  const redirected = /Tenant 'fabrikam\.onmicrosoft\.us' request is being redirected to the National Cloud 'microsoftonline\.us'\./;
  expectAadError(
    await clientCredentials(emulator, emulator.automation.clientId, emulator.automation.clientSecret, tenant),
    400,
    'invalid_request',
    90038,
    redirected,
  );
  const metadata = await http(`${emulator.cloudConfig.authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`);
  expectAadError(metadata, 400, 'invalid_request', 90038, redirected);
  expectAadError(
    await clientCredentials(emulator, emulator.automation.clientId, emulator.automation.clientSecret, 'contoso.onmicrosoft.de'),
    400,
    'invalid_tenant',
    90002,
    /Tenant 'contoso\.onmicrosoft\.de' not found/,
  );
  // The sandbox tenant itself is unaffected.
  assert.equal((await clientCredentials(emulator, emulator.automation.clientId, emulator.automation.clientSecret)).status, 200);
});

test('dataverseBlockedApps: every Web API call of that app is 403 0x80095ffc, in every environment; a bad token is still 401', async (t) => {
  const emulator = await emulatorFor(t, { seed: { dataverseBlockedApps: [AUTOMATION_APP_ID.toUpperCase()] } });
  assert.equal(emulator.automation.clientId, AUTOMATION_APP_ID);
  for (const env of ['contososales', 'contosodev']) {
    const url = dataverseUrl(emulator, env);
    const token = await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, `${url}/.default`);
    for (const path of ['WhoAmI', 'accounts?$top=1']) {
      const res = await http(`${url}/api/data/v9.2/${path}`, { token });
      assert.equal(res.status, 403, res.text);
      assert.deepEqual(Object.keys(res.body), ['error']);
      assert.equal(res.body.error.code, '0x80095ffc');
      assert.match(res.body.error.message, new RegExp(`application ${AUTOMATION_APP_ID} is blocked`));
    }
  }
  const unauthenticated = await http(`${dataverseUrl(emulator, 'contososales')}/api/data/v9.2/WhoAmI`, { token: 'not-a-token' });
  assert.equal(unauthenticated.status, 401);
});

test('SeedApplication.blockedInDataverse: only in the environments named', async (t) => {
  const emulator = await emulatorFor(t, {
    seed: { applications: [{ displayName: 'dv-blocked', blockedInDataverse: ['contososales'], secret: { value: SECRET } }] },
  });
  const app = emulator.state.applications.find((a) => a.displayName === 'dv-blocked')!;
  const call = async (env: string) => {
    const url = dataverseUrl(emulator, env);
    return http(`${url}/api/data/v9.2/WhoAmI`, { token: await appToken(emulator, app.appId, SECRET, `${url}/.default`) });
  };
  const sales = await call('contososales');
  assert.equal(sales.status, 403);
  assert.equal(sales.body.error.code, '0x80095ffc');
  // Not blocked in contosodev: it has no application user there, which is the next refusal.
  const dev = await call('contosodev');
  assert.equal(dev.status, 403);
  assert.equal(dev.body.error.code, '0x80072560');
  // The admin's delegated calls and other apps are not affected.
  const automation = await appToken(
    emulator,
    emulator.automation.clientId,
    emulator.automation.clientSecret,
    `${dataverseUrl(emulator, 'contososales')}/.default`,
  );
  assert.equal((await http(`${dataverseUrl(emulator, 'contososales')}/api/data/v9.2/WhoAmI`, { token: automation })).status, 200);
});

test('policies switched on after start: blockInDataverse (one environment) and blockByConditionalAccess', async (t) => {
  const emulator = await emulatorFor(t);
  const { clientId, clientSecret } = emulator.automation;
  emulator.policies.blockInDataverse(clientId.toUpperCase(), ['contosodev']);
  const whoAmI = async (env: string) => {
    const url = dataverseUrl(emulator, env);
    return http(`${url}/api/data/v9.2/WhoAmI`, { token: await appToken(emulator, clientId, clientSecret, `${url}/.default`) });
  };
  assert.equal((await whoAmI('contososales')).status, 200);
  const dev = await whoAmI('contosodev');
  assert.equal(dev.status, 403);
  assert.equal(dev.body.error.code, '0x80095ffc');
  emulator.policies.blockByConditionalAccess(clientId);
  expectAadError(await clientCredentials(emulator, clientId, clientSecret), 400, 'invalid_grant', 53003, /Conditional Access/);
});
