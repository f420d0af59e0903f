import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { parseFaultSpec } from '../../src/emulator/index.ts';
import { adminToken, appToken, dataverseUrl, emulatorFor, http, tokenUrl } from './helpers.ts';

test('parseFaultSpec reads every effect, target and the lag form', () => {
  assert.deepEqual(parseFaultSpec('graph:429x3'), { service: 'graph', kind: 'throttle', times: 3, retryAfterSeconds: 1 });
  assert.deepEqual(parseFaultSpec('graph POST /v1.0/applications 429x2'), {
    service: 'graph',
    method: 'POST',
    pathPrefix: '/v1.0/applications',
    kind: 'throttle',
    times: 2,
    retryAfterSeconds: 1,
  });
  assert.deepEqual(parseFaultSpec('graph:POST:/v1.0/servicePrincipals:503x2:retry-after=10'), {
    service: 'graph',
    method: 'POST',
    pathPrefix: '/v1.0/servicePrincipals',
    kind: 'unavailable',
    times: 2,
    retryAfterSeconds: 10,
  });
  assert.deepEqual(parseFaultSpec('dataverse@contosodev:GET:/api/data/v9.2/WhoAmI:429:retry-after=2'), {
    service: 'dataverse',
    environment: 'contosodev',
    method: 'GET',
    pathPrefix: '/api/data/v9.2/WhoAmI',
    kind: 'throttle',
    times: 1,
    retryAfterSeconds: 2,
  });
  assert.deepEqual(parseFaultSpec('login:dropx1'), { service: 'login', kind: 'drop', times: 1 });
  assert.deepEqual(parseFaultSpec('*:latency=300ms'), { kind: 'latency', ms: 300 });
  assert.deepEqual(parseFaultSpec('bap:latency=2sx4'), { service: 'bap', kind: 'latency', ms: 2000, times: 4 });
  assert.deepEqual(parseFaultSpec('lag:app=30s,secret=10s,appuser=1m'), {
    kind: 'replication-lag',
    lag: { appMs: 30_000, secretMs: 10_000, appUserMs: 60_000 },
  });
  assert.deepEqual(parseFaultSpec('lag:sp=2s,cert=500'), {
    kind: 'replication-lag',
    lag: { servicePrincipalMs: 2000, certificateMs: 500 },
  });
  assert.throws(() => parseFaultSpec('mail:429'), /unknown service "mail"/);
  assert.throws(() => parseFaultSpec('graph:POST'), /missing effect/);
  assert.throws(() => parseFaultSpec('graph:429x0'), /at least 1/);
  assert.throws(() => parseFaultSpec('graph:drop:retry-after=3'), /retry-after applies to 429 and 503 only/);
  assert.throws(() => parseFaultSpec('graph@contosodev:429'), /dataverse only/);
  assert.throws(() => parseFaultSpec('lag:apps=1s'), /expected lag:/);
});

test('throttling: N×429 with Retry-After on the matching route only, then normal service', async (t) => {
  const emulator = await emulatorFor(t);
  const env = dataverseUrl(emulator, 'contososales');
  const token = await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, `${env}/.default`);
  emulator.faults.add(parseFaultSpec('dataverse@contososales:GET:/api/data/v9.2/WhoAmI:429x2:retry-after=7'));
  const other = await http(`${env}/api/data/v9.2/accounts`, { token });
  assert.equal(other.status, 200);
  for (let i = 0; i < 2; i++) {
    const throttled = await http(`${env}/api/data/v9.2/WhoAmI`, { token });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '7');
    assert.deepEqual(throttled.body, {
      error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' },
    });
  }
  assert.equal((await http(`${env}/api/data/v9.2/WhoAmI`, { token })).status, 200);
  assert.deepEqual(
    emulator.requests.filter((r) => r.service === 'dataverse').map((r) => r.status),
    [200, 429, 429, 200],
  );
  assert.ok(emulator.requests.filter((r) => r.service === 'dataverse').every((r) => r.environment === 'contososales'));
});

test('503 and Graph 429 bodies; faults.clear removes pending rules', async (t) => {
  const emulator = await emulatorFor(t, {
    faults: [parseFaultSpec('graph:503x1'), { service: 'graph', kind: 'throttle', times: 5, retryAfterSeconds: 3 }],
  });
  const token = await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, emulator.cloudConfig.graphScope);
  const down = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/organization`, { token });
  assert.equal(down.status, 503);
  assert.equal(down.body.error.code, 'serviceNotAvailable');
  const throttled = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/organization`, { token });
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get('retry-after'), '3');
  assert.equal(throttled.body.error.code, 'TooManyRequests');
  emulator.faults.clear();
  assert.equal((await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/organization`, { token })).status, 200);
});

test('a dropped connection gets no response; the next request is served', async (t) => {
  const emulator = await emulatorFor(t);
  emulator.faults.add(parseFaultSpec('login:POST:dropx1'));
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: emulator.automation.clientId,
    client_secret: emulator.automation.clientSecret,
    scope: emulator.cloudConfig.graphScope,
  }).toString();
  const raw = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        tokenUrl(emulator),
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(form);
    });
  await assert.rejects(raw(), (error: NodeJS.ErrnoException) => error.code === 'ECONNRESET' || /socket hang up/.test(error.message));
  assert.equal(await raw(), 200);
  assert.deepEqual(
    emulator.requests.map((r) => r.status),
    [0, 200],
  );
});

test('latency: global latencyMs and per-route latency rules delay responses', async (t) => {
  const emulator = await emulatorFor(t, { latencyMs: 100, faults: [parseFaultSpec('bap:latency=300ms')] });
  const started = Date.now();
  await http(`${emulator.cloudConfig.authorityHost}/common/v2.0/.well-known/openid-configuration`);
  const loginMs = Date.now() - started;
  assert.ok(loginMs >= 95, `login took ${loginMs} ms`);
  const token = await adminToken(emulator, emulator.cloudConfig.powerPlatformScope);
  const bapStart = Date.now();
  const res = await http(
    `${emulator.cloudConfig.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01`,
    { token },
  );
  const bapMs = Date.now() - bapStart;
  assert.equal(res.status, 200);
  assert.ok(bapMs >= 395, `bap took ${bapMs} ms`);
});

test('replication lag can be set through a fault rule', async (t) => {
  const emulator = await emulatorFor(t, { faults: [parseFaultSpec('lag:app=10s')] });
  const token = await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, emulator.cloudConfig.graphScope);
  const app = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/applications`, {
    token,
    json: { displayName: 'x', signInAudience: 'AzureADMyOrg' },
  });
  const sp = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/servicePrincipals`, { token, json: { appId: app.body.appId } });
  // One of the three answers Graph gives for an app that has not replicated (replication.test.ts has each).
  assert.ok([400, 403, 404].includes(sp.status), `status ${sp.status}`);
  assert.ok(
    emulator.state.applications.find((a) => a.appId === app.body.appId)!.visibleAt - Date.now() > 4000,
    'drawn from the 10 s maximum',
  );
});

test("parseFaultSpec reads a broken proxy's effects: body sizes, next links, another tenant, an off-cloud instance", () => {
  assert.deepEqual(parseFaultSpec('graph GET /v1.0/organization body=200mb'), {
    service: 'graph',
    method: 'GET',
    pathPrefix: '/v1.0/organization',
    kind: 'huge-body',
    bytes: 200 * 1024 * 1024,
    status: 200,
  });
  assert.deepEqual(parseFaultSpec('bap:body=64kb@500'), { service: 'bap', kind: 'huge-body', bytes: 64 * 1024, status: 500 });
  assert.deepEqual(parseFaultSpec('dataverse:next-link=endless'), {
    service: 'dataverse',
    kind: 'tamper',
    tamper: { kind: 'next-link', to: 'endless' },
  });
  assert.deepEqual(parseFaultSpec('graph:/v1.0/organization:other-tenant'), {
    service: 'graph',
    pathPrefix: '/v1.0/organization',
    kind: 'tamper',
    tamper: { kind: 'other-tenant' },
  });
  assert.deepEqual(parseFaultSpec('bap:off-cloud-instance'), {
    service: 'bap',
    kind: 'tamper',
    tamper: { kind: 'instance-url', url: 'https://evil.example.net/' },
  });
  assert.deepEqual(parseFaultSpec('bap:off-cloud-instance=org.crm.dynamics.com.example.net'), {
    service: 'bap',
    kind: 'tamper',
    tamper: { kind: 'instance-url', url: 'https://org.crm.dynamics.com.example.net/' },
  });
  assert.throws(() => parseFaultSpec('graph:body=lots'), /cannot read "body=lots"/);
  assert.throws(() => parseFaultSpec('graph:next-link=self:retry-after=3'), /cannot read/);
  assert.throws(() => parseFaultSpec('graph:body=10@99'), /cannot read/);
});

test('hostile answers: a body of any size streamed, links to itself or onward, another tenant, an off-cloud instanceUrl', async (t) => {
  const emulator = await emulatorFor(t, {
    faults: [parseFaultSpec('graph GET /v1.0/organization body=3mb@500'), parseFaultSpec('bap:off-cloud-instance')],
  });
  const graphToken = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const huge = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/organization`, { token: graphToken });
  assert.equal(huge.status, 500);
  assert.equal(huge.headers.get('content-length'), null, 'chunked, as a proxy streams it');
  assert.equal(huge.text.length, 3 * 1024 * 1024);
  assert.equal(huge.body.error.message.length, 3 * 1024 * 1024 - '{"error":{"code":"HugeAnswer","message":"'.length - '"}}'.length);

  const bapToken = await adminToken(emulator, emulator.cloudConfig.powerPlatformScope);
  const list = await http(
    `${emulator.cloudConfig.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2020-10-01`,
    { token: bapToken },
  );
  const urls = list.body.value.map(
    (e: { properties: { linkedEnvironmentMetadata: { instanceUrl: string } } }) => e.properties.linkedEnvironmentMetadata.instanceUrl,
  );
  assert.deepEqual(
    urls.sort(),
    ['', 'https://evil.example.net/', 'https://evil.example.net/'],
    'each environment with Dataverse, none without',
  );

  emulator.faults.clear();
  emulator.faults.add(parseFaultSpec('graph GET /v1.0/organization other-tenant'));
  const organization = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/organization`, { token: graphToken });
  assert.equal(organization.body.value[0].id, '0badf00d-0000-4000-8000-0000000000ff');
  assert.deepEqual(
    organization.body.value[0].verifiedDomains.map((d: { name: string }) => d.name),
    ['fabrikam.onmicrosoft.com'],
  );

  emulator.faults.clear();
  emulator.faults.add(parseFaultSpec('dataverse GET /api/data/v9.2/roles next-link=endless'));
  const env = dataverseUrl(emulator, 'contososales');
  const dvToken = await adminToken(emulator, `${env}/.default`);
  const first = await http(`${env}/api/data/v9.2/roles?$select=name`, { token: dvToken });
  assert.match(first.body['@odata.nextLink'], /\/api\/data\/v9\.2\/roles\?%24select=name&%24skiptoken=endless-1$/);
  const second = await http(first.body['@odata.nextLink'], { token: dvToken });
  assert.match(second.body['@odata.nextLink'], /%24skiptoken=endless-2$/);
  assert.deepEqual(
    second.body.value.map((r: { name: string }) => r.name),
    first.body.value.map((r: { name: string }) => r.name),
    'the same rows again',
  );
});
