import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, sign } from 'node:crypto';
import { createSelfSignedCertificate } from '../../src/crypto/x509.ts';
import { DEFAULT_REPLICATION_LAG_MS, startEmulator, type Emulator, type ReplicationLag } from '../../src/emulator/index.ts';
import { adminToken, appToken, dataverseUrl, emulatorFor, http, NO_REPLICATION_LAG, tokenUrl, type HttpResult } from './helpers.ts';

// Each test gives one kind a long maximum (3 s: every delay is 1.5–3 s, a wide window to look
// into) and the others none, checks the answers inside the window, then polls until the object
// has replicated and checks the normal answers.
const WINDOW_MAX_MS = 3000;
const API = '/api/data/v9.2';

function only(lag: ReplicationLag): ReplicationLag {
  return { ...NO_REPLICATION_LAG, ...lag };
}

/** Repeats `request` until `done` says yes (every 50 ms, at most `timeoutMs`). */
async function until(request: () => Promise<HttpResult>, done: (res: HttpResult) => boolean, timeoutMs = 10_000): Promise<HttpResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await request();
    if (done(res)) return res;
    if (Date.now() > deadline) throw new Error(`still ${res.status} after ${timeoutMs} ms: ${res.text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function graphOf(emulator: Emulator): string {
  return `${emulator.cloudConfig.graphEndpoint}/v1.0`;
}

function assertNotFound(res: HttpResult, id: string): void {
  assert.equal(res.status, 404, res.text);
  assert.equal(res.body.error.code, 'Request_ResourceNotFound');
  assert.equal(res.body.error.message, `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

function clientCredentials(emulator: Emulator, clientId: string, secret: string): Promise<HttpResult> {
  return http(tokenUrl(emulator), {
    form: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: emulator.cloudConfig.graphScope },
  });
}

/** The answer Graph gives for POST /servicePrincipals while the app has not replicated: one of three. */
function assertSpForNewAppRefused(res: HttpResult, appId: string): void {
  switch (res.status) {
    case 400:
      assert.equal(res.body.error.code, 'Request_BadRequest');
      assert.equal(res.body.error.message, `The appId '${appId}' of the service principal does not reference a valid application object.`);
      assert.deepEqual(
        res.body.error.details.map((d: { code: string }) => d.code),
        ['NoBackingApplicationObject'],
      );
      return;
    case 403:
      assert.equal(res.body.error.code, 'Authorization_RequestDenied');
      assert.equal(
        res.body.error.message,
        'When using this permission, the backing application of the service principal being created must in the local tenant',
      );
      return;
    case 404:
      assertNotFound(res, appId);
      return;
    default:
      assert.fail(`unexpected ${res.status}: ${res.text}`);
  }
}

test('a new app: 404 on every call that names it, missing from lists, 700016, no SP or application user, until it replicates', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: only({ appMs: WINDOW_MAX_MS }) });
  const graph = graphOf(emulator);
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const env = dataverseUrl(emulator, 'contososales');
  const dvAdmin = await adminToken(emulator, `${env}/.default`);
  const bapAdmin = await adminToken(emulator, emulator.cloudConfig.powerPlatformScope);
  const environmentId = emulator.environments.find((e) => e.uniqueName === 'contososales')!.id;

  const created = await http(`${graph}/applications`, { token, json: { displayName: 'new app', signInAudience: 'AzureADMyOrg' } });
  assert.equal(created.status, 201, 'the create reply itself has the object');
  const { id, appId } = created.body;
  assert.equal(created.body.displayName, 'new app');
  const stored = emulator.state.applications.find((a) => a.id === id)!;
  assert.ok(
    stored.visibleAt - stored.createdAt >= WINDOW_MAX_MS / 2 && stored.visibleAt - stored.createdAt <= WINDOW_MAX_MS,
    `delay ${stored.visibleAt - stored.createdAt}`,
  );

  assertNotFound(await http(`${graph}/applications/${id}`, { token }), id);
  assertNotFound(await http(`${graph}/applications(appId='${appId}')`, { token }), appId);
  assertNotFound(await http(`${graph}/applications/${id}`, { token, method: 'PATCH', json: { displayName: 'renamed' } }), id);
  assertNotFound(await http(`${graph}/applications/${id}/addPassword`, { token, json: { passwordCredential: { displayName: 'x' } } }), id);
  assertNotFound(await http(`${graph}/applications(appId='${appId}')/addPassword`, { token, json: {} }), appId);
  assertNotFound(
    await http(`${graph}/applications/${id}/removePassword`, { token, json: { keyId: '00000000-0000-0000-0000-000000000001' } }),
    id,
  );
  assertNotFound(await http(`${graph}/applications/${id}`, { token, method: 'DELETE' }), id);
  assert.equal(stored.displayName, 'new app', 'the refused PATCH changed nothing');
  assert.equal(stored.passwordCredentials.length, 0, 'the refused addPassword added nothing');
  const listed = await http(`${graph}/applications?$filter=appId eq '${appId}'`, { token });
  assert.deepEqual(listed.body.value, []);
  assertSpForNewAppRefused(await http(`${graph}/servicePrincipals`, { token, json: { appId } }), appId);
  const signIn = await clientCredentials(emulator, appId, 'no secret yet');
  assert.equal(signIn.status, 400);
  assert.deepEqual(signIn.body.error_codes, [700016]);
  const user = await http(`${env}${API}/systemusers`, { token: dvAdmin, json: { applicationid: appId } });
  assert.equal(user.status, 400);
  assert.equal(user.body.error.code, '0x80040203');
  assert.match(user.body.error.message, new RegExp(appId));
  const bap = await http(
    `${emulator.cloudConfig.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${environmentId}/addAppUser?api-version=2020-10-01`,
    { token: bapAdmin, json: { servicePrincipalAppId: appId } },
  );
  assert.equal(bap.status, 400);
  assert.ok(Date.now() < stored.visibleAt, 'all of the above ran inside the window');

  const read = await until(
    () => http(`${graph}/applications/${id}`, { token }),
    (res) => res.status !== 404,
  );
  assert.equal(read.status, 200);
  assert.ok(Date.now() >= stored.visibleAt);
  assert.equal((await http(`${graph}/applications?$filter=appId eq '${appId}'`, { token })).body.value.length, 1);
  const secret = await http(`${graph}/applications/${id}/addPassword`, { token, json: {} });
  assert.equal(secret.status, 200);
  assert.equal((await http(`${graph}/servicePrincipals`, { token, json: { appId } })).status, 201);
  assert.equal((await clientCredentials(emulator, appId, secret.body.secretText)).status, 200);
});

test('a new service principal: 404, missing from lists, grants naming it 400, 7000229, still a duplicate, until it replicates', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: only({ servicePrincipalMs: WINDOW_MAX_MS }) });
  const graph = graphOf(emulator);
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const env = dataverseUrl(emulator, 'contososales');
  const dvAdmin = await adminToken(emulator, `${env}/.default`);
  const app = await http(`${graph}/applications`, { token, json: { displayName: 'sp app', signInAudience: 'AzureADMyOrg' } });
  const secret = await http(`${graph}/applications/${app.body.id}/addPassword`, { token, json: {} });
  const crm = (await http(`${graph}/servicePrincipals?$filter=appId eq '00000007-0000-0000-c000-000000000000'`, { token })).body.value[0];
  const automationSp = emulator.state.servicePrincipals.find((s) => s.appId === emulator.automation.clientId)!;

  const sp = await http(`${graph}/servicePrincipals`, { token, json: { appId: app.body.appId } });
  assert.equal(sp.status, 201);
  const stored = emulator.state.servicePrincipals.find((s) => s.id === sp.body.id)!;
  assertNotFound(await http(`${graph}/servicePrincipals/${sp.body.id}`, { token }), sp.body.id);
  assert.deepEqual((await http(`${graph}/servicePrincipals?$filter=appId eq '${app.body.appId}'`, { token })).body.value, []);
  const twin = await http(`${graph}/servicePrincipals`, { token, json: { appId: app.body.appId } });
  assert.equal(twin.status, 409, 'uniqueness is enforced at write, replicated or not');
  const grant = (clientId: string, resourceId: string) =>
    http(`${graph}/oauth2PermissionGrants`, {
      token,
      json: { clientId, consentType: 'AllPrincipals', resourceId, scope: 'user_impersonation' },
    });
  const asClient = await grant(sp.body.id, crm.id);
  assert.equal(asClient.status, 400);
  assert.equal(asClient.body.error.code, 'Request_BadRequest');
  assert.equal(asClient.body.error.message, "Invalid value specified for property 'clientId' of resource 'OAuth2PermissionGrant'.");
  const asResource = await grant(automationSp.id, sp.body.id);
  assert.equal(asResource.body.error.message, "Invalid value specified for property 'resourceId' of resource 'OAuth2PermissionGrant'.");
  const signIn = await clientCredentials(emulator, app.body.appId, secret.body.secretText);
  assert.equal(signIn.status, 401);
  assert.deepEqual(signIn.body.error_codes, [7000229]);
  const user = await http(`${env}${API}/systemusers`, { token: dvAdmin, json: { applicationid: app.body.appId } });
  assert.equal(user.status, 400);
  assert.equal(user.body.error.code, '0x80040203');
  assert.ok(Date.now() < stored.visibleAt, 'all of the above ran inside the window');

  await until(
    () => http(`${graph}/servicePrincipals/${sp.body.id}`, { token }),
    (res) => res.status === 200,
  );
  assert.ok(stored.visibleAt - stored.createdAt >= WINDOW_MAX_MS / 2);
  assert.equal((await grant(sp.body.id, crm.id)).status, 201);
  assert.equal((await clientCredentials(emulator, app.body.appId, secret.body.secretText)).status, 200);
  assert.equal((await http(`${env}${API}/systemusers`, { token: dvAdmin, json: { applicationid: app.body.appId } })).status, 204);
});

test('a new secret is 7000215 and a new certificate an unknown key (700027) until each replicates; a key sent back keeps its replication', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: only({ secretMs: WINDOW_MAX_MS, certificateMs: WINDOW_MAX_MS }) });
  const graph = graphOf(emulator);
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const app = await http(`${graph}/applications`, { token, json: { displayName: 'credential app', signInAudience: 'AzureADMyOrg' } });
  const appId: string = app.body.appId;
  await http(`${graph}/servicePrincipals`, { token, json: { appId } });
  const stored = emulator.state.applications.find((a) => a.appId === appId)!;

  const secret = await http(`${graph}/applications/${app.body.id}/addPassword`, { token, json: {} });
  const cert = createSelfSignedCertificate({ commonName: 'credential app', validDays: 30 });
  const patch = await http(`${graph}/applications/${app.body.id}`, {
    method: 'PATCH',
    token,
    json: { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.certDer.toString('base64') }] },
  });
  assert.equal(patch.status, 204);
  const withAssertion = () => {
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(
      JSON.stringify({ alg: 'RS256', typ: 'JWT', x5t: Buffer.from(cert.thumbprint, 'hex').toString('base64url') }),
    ).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ aud: tokenUrl(emulator), iss: appId, sub: appId, jti: randomBytes(8).toString('hex'), nbf: now, exp: now + 600 }),
    ).toString('base64url');
    const assertion = `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), cert.keyPem).toString('base64url')}`;
    return http(tokenUrl(emulator), {
      form: {
        grant_type: 'client_credentials',
        client_id: appId,
        scope: emulator.cloudConfig.graphScope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      },
    });
  };
  const bySecret = await clientCredentials(emulator, appId, secret.body.secretText);
  assert.equal(bySecret.status, 401);
  assert.deepEqual(bySecret.body.error_codes, [7000215]);
  const byCert = await withAssertion();
  assert.equal(byCert.status, 401);
  assert.deepEqual(byCert.body.error_codes, [700027]);
  assert.match(byCert.body.error_description, /\[Reason - The key was not found\./);
  const [password] = stored.passwordCredentials;
  const [key] = stored.keyCredentials;
  assert.ok(Date.now() < Math.min(password!.visibleAt, key!.visibleAt), 'both answers came inside the windows');

  await until(
    () => clientCredentials(emulator, appId, secret.body.secretText),
    (res) => res.status === 200,
  );
  await until(withAssertion, (res) => res.status === 200);
  // PATCH replaces the collection: the same key sent back (by keyId, with or without its bytes) stays usable at once.
  const keyId = key!.keyId;
  const second = createSelfSignedCertificate({ commonName: 'second', validDays: 30 });
  const resend = await http(`${graph}/applications/${app.body.id}`, {
    method: 'PATCH',
    token,
    json: {
      keyCredentials: [
        { keyId, type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.certDer.toString('base64') },
        { type: 'AsymmetricX509Cert', usage: 'Verify', key: second.certDer.toString('base64') },
      ],
    },
  });
  assert.equal(resend.status, 204);
  assert.equal(stored.keyCredentials.find((k) => k.keyId === keyId)!.visibleAt, key!.visibleAt);
  assert.ok(stored.keyCredentials.find((k) => k.keyId !== keyId)!.visibleAt > Date.now(), 'the added certificate replicates anew');
  assert.equal((await withAssertion()).status, 200);
});

test('a new application user is "not a member of the organization" (0x80072560) to the app until it replicates, by either route', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: only({ appUserMs: WINDOW_MAX_MS }) });
  const graph = graphOf(emulator);
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const app = await http(`${graph}/applications`, { token, json: { displayName: 'user app', signInAudience: 'AzureADMyOrg' } });
  await http(`${graph}/servicePrincipals`, { token, json: { appId: app.body.appId } });
  const secret = (await http(`${graph}/applications/${app.body.id}/addPassword`, { token, json: {} })).body.secretText;
  const env = dataverseUrl(emulator, 'contososales');
  const dvAdmin = await adminToken(emulator, `${env}/.default`);
  assert.equal((await http(`${env}${API}/systemusers`, { token: dvAdmin, json: { applicationid: app.body.appId } })).status, 204);
  const user = emulator.state.environments
    .find((e) => e.uniqueName === 'contososales')!
    .dataverse!.systemusers.find((u) => u.applicationid === app.body.appId)!;
  const dvToken = await appToken(emulator, app.body.appId, secret, `${env}/.default`);
  const early = await http(`${env}${API}/WhoAmI`, { token: dvToken });
  assert.equal(early.status, 403);
  assert.equal(early.body.error.code, '0x80072560');
  assert.equal(early.body.error.message, 'The user is not a member of the organization.');
  assert.ok(Date.now() < user.visibleAt);
  const whoami = await until(
    () => http(`${env}${API}/WhoAmI`, { token: dvToken }),
    (res) => res.status === 200,
  );
  assert.equal(whoami.body.UserId, user.systemuserid);
  assert.ok(user.visibleAt - user.createdAt >= WINDOW_MAX_MS / 2 && user.visibleAt - user.createdAt <= WINDOW_MAX_MS);

  const bapAdmin = await adminToken(emulator, emulator.cloudConfig.powerPlatformScope);
  const dev = emulator.environments.find((e) => e.uniqueName === 'contosodev')!;
  const added = await http(
    `${emulator.cloudConfig.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${dev.id}/addAppUser?api-version=2020-10-01`,
    { token: bapAdmin, json: { servicePrincipalAppId: app.body.appId } },
  );
  assert.equal(added.status, 200);
  const devToken = await appToken(emulator, app.body.appId, secret, `${dev.url}/.default`);
  assert.equal((await http(`${dev.url}${API}/WhoAmI`, { token: devToken })).body.error.code, '0x80072560');
  await until(
    () => http(`${dev.url}${API}/WhoAmI`, { token: devToken }),
    (res) => res.status === 200,
  );
});

/** Creates `apps` apps (never visible within the test), then asks for a service principal `tries` times. */
async function replayable(t: Parameters<typeof emulatorFor>[0], seed: number): Promise<{ delays: number[]; statuses: number[] }> {
  const emulator = await emulatorFor(t, { replicationSeed: seed, replicationLag: { appMs: 60_000 } });
  assert.equal(emulator.replicationSeed, seed);
  const graph = graphOf(emulator);
  const token = await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, emulator.cloudConfig.graphScope);
  const appIds: string[] = [];
  for (let i = 0; i < 3; i++)
    appIds.push(
      (await http(`${graph}/applications`, { token, json: { displayName: `app ${i}`, signInAudience: 'AzureADMyOrg' } })).body.appId,
    );
  const statuses: number[] = [];
  for (let i = 0; i < 24; i++) {
    const appId = appIds[i % appIds.length]!;
    const res = await http(`${graph}/servicePrincipals`, { token, json: { appId } });
    assertSpForNewAppRefused(res, appId);
    statuses.push(res.status);
  }
  const delays = appIds.map((appId) => {
    const app = emulator.state.applications.find((a) => a.appId === appId)!;
    return app.visibleAt - app.createdAt;
  });
  return { delays, statuses };
}

test('the same seed gives the same delays and the same choice of service-principal errors; all three errors occur', async (t) => {
  const first = await replayable(t, 20260501);
  const again = await replayable(t, 20260501);
  assert.deepEqual(again, first);
  for (const delay of first.delays) assert.ok(delay >= 30_000 && delay <= 60_000, `delay ${delay}`);
  assert.deepEqual([...new Set(first.statuses)].sort(), [400, 403, 404]);
  const other = await replayable(t, 7);
  assert.notDeepEqual(other.delays, first.delays);
});

test('DYNAUTH_EMULATOR_SEED seeds the emulator unless replicationSeed is given; a bad one is refused', async (t) => {
  const saved = process.env.DYNAUTH_EMULATOR_SEED;
  t.after(() => {
    if (saved === undefined) delete process.env.DYNAUTH_EMULATOR_SEED;
    else process.env.DYNAUTH_EMULATOR_SEED = saved;
  });
  process.env.DYNAUTH_EMULATOR_SEED = '4242';
  assert.equal((await emulatorFor(t)).replicationSeed, 4242);
  assert.equal((await emulatorFor(t, { replicationSeed: 9 })).replicationSeed, 9);
  process.env.DYNAUTH_EMULATOR_SEED = 'soon';
  await assert.rejects(startEmulator(), /DYNAUTH_EMULATOR_SEED \("soon"\) must be a whole number/);
  delete process.env.DYNAUTH_EMULATOR_SEED;
  const seed = (await emulatorFor(t)).replicationSeed;
  assert.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32);
});

test('lag is on by default, all zeros turn it off, setReplicationLag applies to objects created from then on, seeded objects are visible', async (t) => {
  const byDefault = await emulatorFor(t);
  const now = Date.now();
  const seeded = [
    ...byDefault.state.applications,
    ...byDefault.state.servicePrincipals,
    ...byDefault.state.applications.flatMap((a) => [...a.passwordCredentials, ...a.keyCredentials]),
    ...byDefault.state.environments.flatMap((e) => e.dataverse?.systemusers ?? []),
  ];
  assert.ok(seeded.length > 5);
  for (const object of seeded) assert.ok(object.visibleAt <= now, 'seeded objects are visible from the start');
  const token = await appToken(
    byDefault,
    byDefault.automation.clientId,
    byDefault.automation.clientSecret,
    byDefault.cloudConfig.graphScope,
  );
  const create = async (emulator: Emulator, name: string) => {
    const res = await http(`${graphOf(emulator)}/applications`, {
      token:
        emulator === byDefault
          ? token
          : await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, emulator.cloudConfig.graphScope),
      json: { displayName: name, signInAudience: 'AzureADMyOrg' },
    });
    return emulator.state.applications.find((a) => a.id === res.body.id)!;
  };
  const defaulted = await create(byDefault, 'default lag');
  const delay = defaulted.visibleAt - defaulted.createdAt;
  assert.ok(delay >= DEFAULT_REPLICATION_LAG_MS / 2 && delay <= DEFAULT_REPLICATION_LAG_MS, `default delay ${delay}`);

  byDefault.setReplicationLag({ appMs: 60_000 });
  const slow = await create(byDefault, 'slow');
  byDefault.setReplicationLag({ appMs: 0 });
  const instant = await create(byDefault, 'instant');
  assert.equal(instant.visibleAt, instant.createdAt);
  assert.ok(slow.visibleAt - slow.createdAt >= 30_000, 'an object keeps the delay it was created with');
  assert.equal((await http(`${graphOf(byDefault)}/applications/${slow.id}`, { token })).status, 404);
  assert.equal((await http(`${graphOf(byDefault)}/applications/${instant.id}`, { token })).status, 200);
  assert.throws(() => byDefault.setReplicationLag({ secretMs: -1 }), /zero or more/);

  const off = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const app = await create(off, 'no lag');
  assert.equal(app.visibleAt, app.createdAt);
});
