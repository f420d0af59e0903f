import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientSecretCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { adminToken, appToken, emulatorFor, http, NO_REPLICATION_LAG } from './helpers.ts';

// Tests here that create objects and use them at once switch replication lag off (NO_REPLICATION_LAG):
// they are about other behaviour; test/emulator/replication.test.ts covers the lag.

const CRM = '00000007-0000-0000-c000-000000000000';

test('the Graph client reads /organization with a token from @azure/identity', async (t) => {
  const emulator = await emulatorFor(t);
  const credential = new ClientSecretCredential(emulator.tenant.id, emulator.automation.clientId, emulator.automation.clientSecret, {
    authorityHost: emulator.cloudConfig.authorityHost,
    disableInstanceDiscovery: true,
  });
  const client = Client.init({
    baseUrl: emulator.cloudConfig.graphEndpoint,
    customHosts: new Set([new URL(emulator.cloudConfig.graphEndpoint).hostname]),
    authProvider: (done) => {
      credential.getToken(emulator.cloudConfig.graphScope).then(
        (token) => done(null, token.token),
        (error) => done(error, null),
      );
    },
  });
  const org = await client.api('/organization').select('id,displayName,verifiedDomains').get();
  assert.equal(org['@odata.context'], `${emulator.cloudConfig.graphEndpoint}/v1.0/$metadata#organization(id,displayName,verifiedDomains)`);
  assert.deepEqual(org.value, [
    {
      id: emulator.tenant.id,
      displayName: 'Contoso (dynauth sandbox)',
      verifiedDomains: [
        {
          capabilities: 'Email, OfficeCommunicationsOnline',
          isDefault: true,
          isInitial: true,
          name: 'contoso-sandbox.onmicrosoft.com',
          type: 'Managed',
        },
      ],
    },
  ]);
  const recorded = emulator.requests.find((r) => r.service === 'graph')!;
  assert.equal(recorded.path, '/v1.0/organization');
  assert.equal(recorded.query['$select'], 'id,displayName,verifiedDomains');
  assert.equal(recorded.token?.appid, emulator.automation.clientId);
  assert.equal(recorded.status, 200);
});

test('applications: create, get by id and appId, filter, select, addPassword, removePassword, delete', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const graph = `${emulator.cloudConfig.graphEndpoint}/v1.0`;
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const created = await http(`${graph}/applications`, {
    token,
    json: {
      displayName: 'Contoso Sync',
      signInAudience: 'AzureADMyOrg',
      requiredResourceAccess: [{ resourceAppId: CRM, resourceAccess: [{ id: '78ce3f0f-a1ce-49c2-8cde-64b5c0896db4', type: 'Scope' }] }],
    },
  });
  assert.equal(created.status, 201);
  assert.equal(created.body['@odata.context'], `${graph}/$metadata#applications/$entity`);
  assert.equal(created.body.signInAudience, 'AzureADMyOrg');
  assert.deepEqual(created.body.passwordCredentials, []);
  const { id, appId } = created.body;
  assert.notEqual(id, appId);

  const byAppId = await http(`${graph}/applications(appId='${appId}')?$select=id,displayName`, { token });
  assert.deepEqual(byAppId.body, {
    '@odata.context': `${graph}/$metadata#applications(id,displayName)/$entity`,
    id,
    displayName: 'Contoso Sync',
  });
  const filtered = await http(`${graph}/applications?$filter=${encodeURIComponent("displayName eq 'Contoso Sync'")}&$select=appId`, {
    token,
  });
  assert.deepEqual(filtered.body.value, [{ appId }]);
  const unsupported = await http(`${graph}/applications?$filter=${encodeURIComponent("notes eq 'x'")}`, { token });
  assert.equal(unsupported.status, 400);
  assert.equal(unsupported.body.error.code, 'Request_UnsupportedQuery');

  const secret = await http(`${graph}/applications/${id}/addPassword`, {
    token,
    json: { passwordCredential: { displayName: 'six months', endDateTime: new Date(Date.now() + 180 * 86_400_000).toISOString() } },
  });
  assert.equal(secret.status, 200);
  assert.equal(secret.body.displayName, 'six months');
  assert.equal(secret.body.secretText.length, 40);
  assert.equal(secret.body.hint, secret.body.secretText.slice(0, 3));
  // Graph documents no maximum of its own: only an app-management policy refuses a long secret (app-policies.test.ts).
  const threeYears = await http(`${graph}/applications/${id}/addPassword`, {
    token,
    json: { passwordCredential: { endDateTime: new Date(Date.now() + 3 * 365 * 86_400_000).toISOString() } },
  });
  assert.equal(threeYears.status, 200);
  const byDefault = await http(`${graph}/applications(appId='${appId}')/addPassword`, { token, json: {} });
  const lifetimeDays = (Date.parse(byDefault.body.endDateTime) - Date.parse(byDefault.body.startDateTime)) / 86_400_000;
  assert.equal(lifetimeDays, 730);

  const read = await http(`${graph}/applications/${id}`, { token });
  assert.equal(read.body.passwordCredentials.length, 3);
  assert.ok(read.body.passwordCredentials.every((p: { secretText: unknown }) => p.secretText === null));
  const removed = await http(`${graph}/applications/${id}/removePassword`, { token, json: { keyId: secret.body.keyId } });
  assert.equal(removed.status, 204);
  assert.equal(emulator.state.applications.find((a) => a.id === id)!.passwordCredentials.length, 2);

  assert.equal((await http(`${graph}/applications/${id}`, { method: 'DELETE', token })).status, 204);
  const gone = await http(`${graph}/applications/${id}`, { token });
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.code, 'Request_ResourceNotFound');
  assert.match(gone.body.error.innerError['request-id'], /^[0-9a-f-]{36}$/);
  assert.match(gone.body.error.innerError.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
});

test('PATCH keyCredentials replaces the whole collection', async (t) => {
  const { createSelfSignedCertificate } = await import('../../src/crypto/x509.ts');
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const graph = `${emulator.cloudConfig.graphEndpoint}/v1.0`;
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const app = await http(`${graph}/applications`, { token, json: { displayName: 'certs', signInAudience: 'AzureADMyOrg' } });
  const key = (cn: string) => ({
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
    key: createSelfSignedCertificate({ commonName: cn, validDays: 10 }).certDer.toString('base64'),
  });
  await http(`${graph}/applications/${app.body.id}`, { method: 'PATCH', token, json: { keyCredentials: [key('one')] } });
  const first = emulator.state.applications.find((a) => a.id === app.body.id)!.keyCredentials[0]!;
  await http(`${graph}/applications/${app.body.id}`, {
    method: 'PATCH',
    token,
    json: { keyCredentials: [{ keyId: first.keyId }, key('two')] },
  });
  assert.equal(emulator.state.applications.find((a) => a.id === app.body.id)!.keyCredentials.length, 2);
  await http(`${graph}/applications/${app.body.id}`, { method: 'PATCH', token, json: { keyCredentials: [key('three')] } });
  const after = emulator.state.applications.find((a) => a.id === app.body.id)!.keyCredentials;
  assert.equal(after.length, 1);
  assert.equal(after[0]!.displayName, 'CN=three');
  const bad = await http(`${graph}/applications/${app.body.id}`, {
    method: 'PATCH',
    token,
    json: { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: 'bm90IGEgY2VydA==' }] },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.message, "Invalid value specified for property 'key' of resource 'KeyCredential'.");
  const listed = await http(`${graph}/applications/${app.body.id}`, { token });
  assert.equal(listed.body.keyCredentials[0].key, null);
  const selected = await http(`${graph}/applications/${app.body.id}?$select=keyCredentials`, { token });
  assert.equal(selected.body.keyCredentials[0].key, after[0]!.key);
});

test('service principals and oauth2PermissionGrants: create, filter, 409 on duplicates, PATCH scope, DELETE', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const graph = `${emulator.cloudConfig.graphEndpoint}/v1.0`;
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const app = await http(`${graph}/applications`, { token, json: { displayName: 'grants', signInAudience: 'AzureADMyOrg' } });
  const sp = await http(`${graph}/servicePrincipals`, { token, json: { appId: app.body.appId } });
  assert.equal(sp.status, 201);
  const duplicateSp = await http(`${graph}/servicePrincipals`, { token, json: { appId: app.body.appId } });
  assert.equal(duplicateSp.status, 409);
  assert.equal(duplicateSp.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');

  const crm = await http(
    `${graph}/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${CRM}'`)}&$select=id,appId,displayName,oauth2PermissionScopes`,
    { token },
  );
  assert.equal(crm.body.value.length, 1);
  assert.deepEqual(Object.keys(crm.body.value[0]), ['id', 'appId', 'displayName', 'oauth2PermissionScopes']);
  const impersonation = crm.body.value[0].oauth2PermissionScopes.find((s: { value: string }) => s.value === 'user_impersonation');
  assert.equal(impersonation.id, '78ce3f0f-a1ce-49c2-8cde-64b5c0896db4');

  const body = { clientId: sp.body.id, consentType: 'AllPrincipals', resourceId: crm.body.value[0].id, scope: 'user_impersonation' };
  const grant = await http(`${graph}/oauth2PermissionGrants`, { token, json: body });
  assert.equal(grant.status, 201);
  assert.equal(grant.body.principalId, null);
  const again = await http(`${graph}/oauth2PermissionGrants`, { token, json: body });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'Request_MultipleObjectsWithSameKeyValue');
  const filter = `clientId eq '${sp.body.id}' and consentType eq 'AllPrincipals' and resourceId eq '${crm.body.value[0].id}'`;
  const found = await http(`${graph}/oauth2PermissionGrants?$filter=${encodeURIComponent(filter)}`, { token });
  assert.deepEqual(
    found.body.value.map((g: { id: string }) => g.id),
    [grant.body.id],
  );
  assert.equal(
    (
      await http(`${graph}/oauth2PermissionGrants/${grant.body.id}`, {
        method: 'PATCH',
        token,
        json: { scope: 'user_impersonation offline_access' },
      })
    ).status,
    204,
  );
  assert.equal(emulator.state.oauth2PermissionGrants[0]!.scope, 'user_impersonation offline_access');
  assert.equal((await http(`${graph}/oauth2PermissionGrants/${grant.body.id}`, { method: 'DELETE', token })).status, 204);
  assert.equal(emulator.state.oauth2PermissionGrants.length, 0);
});

test('the CRM service principal can be created when the tenant has none', async (t) => {
  const emulator = await emulatorFor(t, { seed: { withoutDynamicsCrmServicePrincipal: true } });
  const graph = `${emulator.cloudConfig.graphEndpoint}/v1.0`;
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const none = await http(`${graph}/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${CRM}'`)}`, { token });
  assert.deepEqual(none.body.value, []);
  const created = await http(`${graph}/servicePrincipals`, { token, json: { appId: CRM } });
  assert.equal(created.status, 201);
  assert.equal(created.body.displayName, 'Dynamics CRM');
});

test('Graph 401 for missing, wrong-audience and expired tokens; 403 without the permission', async (t) => {
  const emulator = await emulatorFor(t, { seed: { adminGraphScopes: ['User.Read'] } });
  const graph = `${emulator.cloudConfig.graphEndpoint}/v1.0`;
  const missing = await http(`${graph}/applications`);
  assert.equal(missing.status, 401);
  assert.equal(missing.body.error.code, 'InvalidAuthenticationToken');
  assert.equal(missing.body.error.message, 'Access token is empty.');
  assert.match(missing.headers.get('www-authenticate')!, /^Bearer /);
  const bapToken = await appToken(
    emulator,
    emulator.automation.clientId,
    emulator.automation.clientSecret,
    emulator.cloudConfig.powerPlatformScope,
  );
  const wrongAudience = await http(`${graph}/applications`, { token: bapToken });
  assert.equal(wrongAudience.status, 401);
  assert.equal(wrongAudience.body.error.message, 'Access token validation failure. Invalid audience.');

  const userToken = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const denied = await http(`${graph}/applications`, { token: userToken, json: { displayName: 'x' } });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error.code, 'Authorization_RequestDenied');
  assert.equal(denied.body.error.message, 'Insufficient privileges to complete the operation.');
  const me = await http(`${graph}/me`, { token: userToken });
  assert.equal(me.body.userPrincipalName, emulator.admin.userPrincipalName);

  // Only the token meant to expire is short-lived: the ones above stay valid however slow the machine is.
  emulator.setTokenLifetime(1);
  const shortLived = await adminToken(emulator, emulator.cloudConfig.graphScope);
  await new Promise((resolve) => setTimeout(resolve, 2100));
  const expired = await http(`${graph}/organization`, { token: shortLived });
  assert.equal(expired.status, 401);
  assert.equal(expired.body.error.message, 'Lifetime validation failed, the token is expired.');
});
