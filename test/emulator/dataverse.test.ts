import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminToken, appToken, dataverseUrl, emulatorFor, http, NO_REPLICATION_LAG } from './helpers.ts';
import type { Emulator } from '../../src/emulator/index.ts';

// Tests here that create objects and use them at once switch replication lag off (NO_REPLICATION_LAG):
// they are about other behaviour; test/emulator/replication.test.ts covers the lag.

const API = '/api/data/v9.2';

/** An app with a service principal and a secret, created by the automation app through Graph. */
async function newApp(emulator: Emulator, name: string): Promise<{ appId: string; secret: string }> {
  const graph = `${emulator.cloudConfig.graphEndpoint}/v1.0`;
  const token = await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, emulator.cloudConfig.graphScope);
  const app = await http(`${graph}/applications`, { token, json: { displayName: name, signInAudience: 'AzureADMyOrg' } });
  await http(`${graph}/servicePrincipals`, { token, json: { appId: app.body.appId } });
  const secret = await http(`${graph}/applications/${app.body.id}/addPassword`, { token, json: {} });
  return { appId: app.body.appId, secret: secret.body.secretText };
}

test('BAP lists environments in the documented shape, reads one, 404 EnvironmentNotFound', async (t) => {
  const emulator = await emulatorFor(t);
  const token = await adminToken(emulator, emulator.cloudConfig.powerPlatformScope);
  const base = `${emulator.cloudConfig.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments`;
  const list = await http(`${base}?api-version=2020-10-01&$expand=properties.permissions`, { token });
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.value.map((e: { properties: { displayName: string; environmentSku: string } }) => [
      e.properties.displayName,
      e.properties.environmentSku,
    ]),
    [
      ['Contoso Sales', 'Production'],
      ['Contoso Dev', 'Sandbox'],
      ['Contoso (default)', 'Default'],
    ],
  );
  const sales = list.body.value[0];
  assert.equal(sales.properties.linkedEnvironmentMetadata.instanceUrl, `${dataverseUrl(emulator, 'contososales')}/`);
  assert.equal(sales.properties.linkedEnvironmentMetadata.uniqueName, 'contososales');
  assert.equal(list.body.value[2].properties.linkedEnvironmentMetadata.instanceUrl, '');
  const one = await http(`${base}/${sales.name}?api-version=2020-10-01`, { token });
  assert.equal(one.body.name, sales.name);
  const missing = await http(`${base}/00000000-0000-0000-0000-000000000000?api-version=2020-10-01`, { token });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'EnvironmentNotFound');
  const noVersion = await http(base, { token });
  assert.equal(noVersion.status, 400);
  const graphToken = await adminToken(emulator, emulator.cloudConfig.graphScope);
  assert.equal((await http(`${base}?api-version=2020-10-01`, { token: graphToken })).status, 401);
});

test('BAP addAppUser creates an application user with System Administrator', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const { appId, secret } = await newApp(emulator, 'bap app');
  const env = emulator.environments.find((e) => e.uniqueName === 'contosodev')!;
  const token = await adminToken(emulator, emulator.cloudConfig.powerPlatformScope);
  const url = `${emulator.cloudConfig.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${env.id}/addAppUser?api-version=2020-10-01`;
  const res = await http(url, { token, json: { servicePrincipalAppId: appId } });
  assert.equal(res.status, 200);
  const dvToken = await appToken(emulator, appId, secret, `${env.url}/.default`);
  const whoami = await http(`${env.url}${API}/WhoAmI`, { token: dvToken });
  assert.equal(whoami.status, 200);
  const user = emulator.state.environments
    .find((e) => e.uniqueName === 'contosodev')!
    .dataverse!.systemusers.find((u) => u.applicationid === appId)!;
  assert.equal(whoami.body.UserId, user.systemuserid);
  const missing = await http(url.replace(env.id, 'ffffffff-0000-0000-0000-000000000000'), {
    token,
    json: { servicePrincipalAppId: appId },
  });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'EnvironmentNotFound');
});

test('Dataverse: 401 wrong audience, 403 0x80072560 without an application user', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const sales = dataverseUrl(emulator, 'contososales');
  const dev = dataverseUrl(emulator, 'contosodev');
  const devToken = await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, `${dev}/.default`);
  const wrongEnv = await http(`${sales}${API}/WhoAmI`, { token: devToken });
  assert.equal(wrongEnv.status, 401);
  assert.equal(wrongEnv.text, '');
  assert.match(wrongEnv.headers.get('www-authenticate')!, /^Bearer authorization_uri=/);
  assert.equal((await http(`${sales}${API}/WhoAmI`)).status, 401);

  const { appId, secret } = await newApp(emulator, 'no app user');
  const token = await appToken(emulator, appId, secret, `${sales}/.default`);
  const notMember = await http(`${sales}${API}/WhoAmI`, { token });
  assert.equal(notMember.status, 403);
  assert.deepEqual(notMember.body, { error: { code: '0x80072560', message: 'The user is not a member of the organization.' } });

  const unknown = await http(`${sales}${API}/nosuchtable`, {
    token: await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, `${sales}/.default`),
  });
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, { error: { code: '0x80060888', message: "Resource not found for the segment 'nosuchtable'." } });
});

test('Dataverse: the full application-user setup as the admin, and what the app can then do', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const env = dataverseUrl(emulator, 'contososales');
  const api = `${env}${API}`;
  const token = await adminToken(emulator, `${env}/.default`);
  const { appId, secret } = await newApp(emulator, 'contact centre');

  const root = await http(`${api}/businessunits?$select=businessunitid,name&$filter=parentbusinessunitid eq null`, { token });
  assert.equal(root.body.value.length, 1);
  const buId = root.body.value[0].businessunitid;
  assert.equal(root.body['@odata.context'], `${api}/$metadata#businessunits(businessunitid,name)`);

  const before = await http(`${api}/systemusers?$select=systemuserid&$filter=applicationid eq ${appId}`, { token });
  assert.deepEqual(before.body.value, []);
  const created = await http(`${api}/systemusers`, {
    token,
    json: { applicationid: appId, accessmode: 4, isdisabled: false, 'businessunitid@odata.bind': `/businessunits(${buId})` },
  });
  assert.equal(created.status, 204);
  const entityId = created.headers.get('odata-entityid')!;
  const userId = /systemusers\(([0-9a-f-]{36})\)$/.exec(entityId)![1]!;
  const duplicate = await http(`${api}/systemusers`, {
    token,
    json: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${buId})` },
  });
  assert.equal(duplicate.status, 412);

  // The app user exists but has no role: it can sign in but not read accounts.
  const appDv = await appToken(emulator, appId, secret, `${env}/.default`);
  assert.equal((await http(`${api}/WhoAmI`, { token: appDv })).body.UserId, userId);
  const denied = await http(`${api}/accounts`, { token: appDv });
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error.code, '0x80040220');
  assert.match(
    denied.body.error.message,
    new RegExp(
      `^Principal user \\(Id=${userId}, type=8, roleCount=0, privilegeCount=0, accessMode=4\\), is missing prvReadAccount privilege \\(Id=[0-9a-f-]{36}\\) on OTC=1 for entity 'account'`,
    ),
  );

  // Custom role with exactly the vendor's privileges.
  const role = await http(`${api}/roles`, {
    token,
    headers: { prefer: 'return=representation' },
    json: { name: 'Contact centre integration', 'businessunitid@odata.bind': `/businessunits(${buId})` },
  });
  assert.equal(role.status, 201);
  const roleId = role.body.roleid;
  const wanted = [
    'prvReadAccount',
    'prvReadContact',
    'prvReadIncident',
    'prvReadLead',
    'prvWriteLead',
    'prvReadActivity',
    'prvWriteActivity',
  ];
  const filter = wanted.map((n) => `name eq '${n}'`).join(' or ');
  const privileges = await http(`${api}/privileges?$select=privilegeid,name&$filter=${encodeURIComponent(filter)}`, { token });
  assert.equal(privileges.body.value.length, wanted.length);
  const add = await http(`${api}/roles(${roleId})/Microsoft.Dynamics.CRM.AddPrivilegesRole`, {
    token,
    json: { Privileges: privileges.body.value.map((p: { privilegeid: string }) => ({ PrivilegeId: p.privilegeid, Depth: 'Global' })) },
  });
  assert.equal(add.status, 204);
  const got = await http(`${api}/roles(${roleId})/roleprivileges_association?$select=name`, { token });
  assert.deepEqual(got.body.value.map((p: { name: string }) => p.name).sort(), [...wanted].sort());

  const assign = await http(`${api}/systemusers(${userId})/systemuserroles_association/$ref`, {
    token,
    json: { '@odata.id': `${api}/roles(${roleId})` },
  });
  assert.equal(assign.status, 204);
  const expanded = await http(
    `${api}/systemusers?$select=systemuserid,applicationid,isdisabled,_businessunitid_value&$filter=applicationid eq ${appId}&$expand=systemuserroles_association($select=roleid,name)`,
    { token },
  );
  assert.deepEqual(
    expanded.body.value[0].systemuserroles_association.map((r: { roleid: string; name: string }) => ({ roleid: r.roleid, name: r.name })),
    [{ roleid: roleId, name: 'Contact centre integration' }],
  );
  assert.equal(expanded.body.value[0]._businessunitid_value, buId);

  const accounts = await http(`${api}/accounts?$select=name`, { token: appDv });
  assert.equal(accounts.status, 200);
  assert.deepEqual(
    accounts.body.value.map((a: { name: string }) => a.name),
    ['Fabrikam, Inc.', 'Adatum Corporation'],
  );
  const privs = await http(`${api}/systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`, { token });
  assert.deepEqual(privs.body.RolePrivileges.map((p: { PrivilegeName: string }) => p.PrivilegeName).sort(), [...wanted].sort());
  assert.ok(privs.body.RolePrivileges.every((p: { Depth: string }) => p.Depth === 'Global'));
  // The app may read its own privileges without prvReadUser, but not another user's.
  const own = await http(`${api}/systemusers(${userId})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`, { token: appDv });
  assert.equal(own.status, 200);
  assert.equal(own.body.RolePrivileges.length, wanted.length);
  const adminId = (await http(`${api}/WhoAmI`, { token })).body.UserId;
  const others = await http(`${api}/systemusers(${adminId})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`, { token: appDv });
  assert.equal(others.status, 403);
  assert.match(others.body.error.message, /is missing prvReadUser privilege/);

  const remove = await http(
    `${api}/systemusers(${userId})/systemuserroles_association/$ref?$id=${encodeURIComponent(`${api}/roles(${roleId})`)}`,
    { method: 'DELETE', token },
  );
  assert.equal(remove.status, 204);
  assert.equal((await http(`${api}/accounts`, { token: appDv })).status, 403);
});

test('Dataverse: roles by name per business unit; admin without System Administrator gets 0x80040220 on create', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG, seed: { adminNotSystemAdministratorIn: ['contosodev'] } });
  const dev = `${dataverseUrl(emulator, 'contosodev')}${API}`;
  const token = await adminToken(emulator, `${dataverseUrl(emulator, 'contosodev')}/.default`);
  const bus = await http(`${dev}/businessunits?$select=businessunitid,name`, { token });
  assert.equal(bus.body.value.length, 2);
  for (const bu of bus.body.value) {
    const roles = await http(
      `${dev}/roles?$select=roleid,name&$filter=${encodeURIComponent(`name eq 'Basic User' and _businessunitid_value eq ${bu.businessunitid}`)}`,
      { token },
    );
    assert.equal(roles.body.value.length, 1);
  }
  const { appId } = await newApp(emulator, 'denied');
  const root = bus.body.value.find((b: { name: string }) => b.name === 'contosodev').businessunitid;
  const create = await http(`${dev}/systemusers`, {
    token,
    json: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${root})` },
  });
  assert.equal(create.status, 403);
  assert.equal(create.body.error.code, '0x80040220');
  assert.match(create.body.error.message, /type=8, roleCount=1, .*is missing prvCreateUser privilege/);
  // The same admin is System Administrator in Contoso Sales.
  const sales = dataverseUrl(emulator, 'contososales');
  const salesToken = await adminToken(emulator, `${sales}/.default`);
  const salesRoot = await http(`${sales}${API}/businessunits?$filter=parentbusinessunitid eq null`, { token: salesToken });
  const ok = await http(`${sales}${API}/systemusers`, {
    token: salesToken,
    json: { applicationid: appId, 'businessunitid@odata.bind': `/businessunits(${salesRoot.body.value[0].businessunitid})` },
  });
  assert.equal(ok.status, 204);
});
