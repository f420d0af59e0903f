import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminToken, dataverseUrl, emulatorFor, http } from './helpers.ts';
import type { Emulator } from '../../src/emulator/index.ts';

const API = '/api/data/v9.2';

/** A team row with its roles and members expanded ($select=name,teamtype). */
interface Team {
  name: string;
  teamtype: number;
  teamroles_association: Array<{ name: string }>;
  teammembership_association: Array<{ systemuserid: string }>;
}

async function adminApi(emulator: Emulator, uniqueName: string): Promise<{ api: string; token: string }> {
  const url = dataverseUrl(emulator, uniqueName);
  return { api: `${url}${API}`, token: await adminToken(emulator, `${url}/.default`) };
}

const byName = (names: string[]) => `privileges?$select=privilegeid,name&$filter=${names.map((n) => `name eq '${n}'`).join(' or ')}`;

test('Dataverse without Dynamics 365 apps: no incident or lead privileges, tables nor app roles; the other environment keeps them', async (t) => {
  const emulator = await emulatorFor(t, { seed: { withoutDynamicsApps: ['contosodev'] } });
  const wanted = ['prvReadAccount', 'prvReadIncident', 'prvReadLead', 'prvWriteLead', 'prvReadOpportunity'];
  const dev = await adminApi(emulator, 'contosodev');
  const found = await http(`${dev.api}/${byName(wanted)}`, { token: dev.token });
  assert.equal(found.status, 200);
  assert.deepEqual(
    found.body.value.map((p: { name: string }) => p.name),
    ['prvReadAccount'],
  );
  const incidents = await http(`${dev.api}/incidents?$select=title`, { token: dev.token });
  assert.equal(incidents.status, 404);
  assert.equal(incidents.body.error.code, '0x80060888');
  assert.equal((await http(`${dev.api}/accounts?$select=name`, { token: dev.token })).status, 200);
  const roles = await http(`${dev.api}/roles?$select=name`, { token: dev.token });
  const names = new Set(roles.body.value.map((r: { name: string }) => r.name));
  assert.ok(names.has('System Administrator') && names.has('Basic User'));
  assert.ok(!names.has('Salesperson') && !names.has('Customer Service Representative'), 'the apps bring their own roles');

  const sales = await adminApi(emulator, 'contososales');
  const full = await http(`${sales.api}/${byName(wanted)}`, { token: sales.token });
  assert.equal(full.body.value.length, wanted.length);
  assert.equal((await http(`${sales.api}/incidents?$select=title`, { token: sales.token })).status, 200);
});

test('Dataverse: System Administrator through an Entra group team is authorised, but RetrieveUserPrivileges lists only direct roles', async (t) => {
  const emulator = await emulatorFor(t, { seed: { adminSystemAdministratorThroughTeamIn: ['contososales'] } });
  const { api, token } = await adminApi(emulator, 'contososales');
  const me = (await http(`${api}/WhoAmI`, { token })).body.UserId as string;
  const direct = await http(`${api}/systemusers(${me})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`, { token });
  assert.equal(direct.status, 200);
  assert.deepEqual(direct.body.RolePrivileges, []);
  const throughTeams = await http(`${api}/RetrieveUsersPrivilegesThroughTeams(UserId=${me})`, { token });
  assert.equal(throughTeams.status, 200);
  assert.match(throughTeams.body['@odata.context'], /RetrieveUsersPrivilegesThroughTeamsResponse$/);
  const held = new Set(throughTeams.body.RolePrivileges.map((p: { PrivilegeName: string }) => p.PrivilegeName));
  for (const name of ['prvCreateUser', 'prvCreateRole', 'prvAssignRole', 'prvReadUser', 'prvReadRole']) assert.ok(held.has(name), name);
  const qualified = await http(`${api}/Microsoft.Dynamics.CRM.RetrieveUsersPrivilegesThroughTeams(UserId=@u)?@u=${me}`, { token });
  assert.equal(qualified.body.RolePrivileges.length, throughTeams.body.RolePrivileges.length);
  assert.equal((await http(`${api}/RetrieveUsersPrivilegesThroughTeams(UserId='nope')`, { token })).status, 400);

  // The team's roles authorise writes exactly as a direct role would.
  const root = (await http(`${api}/businessunits?$select=businessunitid&$filter=parentbusinessunitid eq null`, { token })).body.value[0]
    .businessunitid;
  const created = await http(`${api}/roles`, {
    token,
    json: { name: 'made by a team admin', 'businessunitid@odata.bind': `/businessunits(${root})` },
  });
  assert.equal(created.status, 204);

  const teams = await http(
    `${api}/teams?$select=name,teamtype&$expand=teamroles_association($select=name),teammembership_association($select=systemuserid)`,
    { token },
  );
  assert.equal(teams.status, 200);
  assert.deepEqual(
    teams.body.value.map((team: Team) => [
      team.name,
      team.teamtype,
      team.teamroles_association.map((r) => r.name),
      team.teammembership_association.map((u) => u.systemuserid),
    ]),
    [['Dataverse admins', 2, ['System Administrator'], [me]]],
  );
  const teamId = emulator.state.environments.find((e) => e.uniqueName === 'contososales')!.dataverse!.teams[0]!.teamid;
  const teamRoles = await http(`${api}/teams(${teamId})/teamroles_association?$select=name`, { token });
  assert.deepEqual(
    teamRoles.body.value.map((r: { name: string }) => r.name),
    ['System Administrator'],
  );
});

test('Dataverse: a user without teams gets an empty RetrieveUsersPrivilegesThroughTeams; an org without it 404s, a refusing one 403s', async (t) => {
  const emulator = await emulatorFor(t, { seed: { teamPrivilegesFunction: { contosodev: 'unknown', contososales: 'forbidden' } } });
  const sales = await adminApi(emulator, 'contososales');
  const me = (await http(`${sales.api}/WhoAmI`, { token: sales.token })).body.UserId as string;
  const refused = await http(`${sales.api}/RetrieveUsersPrivilegesThroughTeams(UserId=${me})`, { token: sales.token });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, '0x80040220');
  const dev = await adminApi(emulator, 'contosodev');
  const devMe = (await http(`${dev.api}/WhoAmI`, { token: dev.token })).body.UserId as string;
  const unknown = await http(`${dev.api}/RetrieveUsersPrivilegesThroughTeams(UserId=${devMe})`, { token: dev.token });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, '0x80060888');

  const plain = await emulatorFor(t);
  const other = await adminApi(plain, 'contososales');
  const otherMe = (await http(`${other.api}/WhoAmI`, { token: other.token })).body.UserId as string;
  const none = await http(`${other.api}/RetrieveUsersPrivilegesThroughTeams(UserId=${otherMe})`, { token: other.token });
  assert.equal(none.status, 200);
  assert.deepEqual(none.body.RolePrivileges, []);
});

test('Dataverse: privilege rows without PrivilegeName carry only PrivilegeId, Depth and BusinessUnitId', async (t) => {
  const emulator = await emulatorFor(t, { seed: { privilegeRowsWithoutNames: ['contososales'] } });
  const { api, token } = await adminApi(emulator, 'contososales');
  const me = (await http(`${api}/WhoAmI`, { token })).body.UserId as string;
  const rows = (await http(`${api}/systemusers(${me})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`, { token })).body.RolePrivileges;
  assert.ok(rows.length > 50);
  for (const row of rows) assert.deepEqual(Object.keys(row).sort(), ['BusinessUnitId', 'Depth', 'PrivilegeId']);
  const dev = await adminApi(emulator, 'contosodev');
  const devMe = (await http(`${dev.api}/WhoAmI`, { token: dev.token })).body.UserId as string;
  const named = (await http(`${dev.api}/systemusers(${devMe})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`, { token: dev.token })).body
    .RolePrivileges;
  assert.ok(named.every((row: { PrivilegeName?: string }) => typeof row.PrivilegeName === 'string' && row.PrivilegeName.startsWith('prv')));
});
