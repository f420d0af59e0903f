import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminToken, appToken, dataverseUrl, emulatorFor, http, NO_REPLICATION_LAG } from './helpers.ts';
import type { Emulator } from '../../src/emulator/index.ts';
import { DEPTH } from '../../src/emulator/privileges.ts';
import type { Dataverse, EmulatorState } from '../../src/emulator/state.ts';

const API = '/api/data/v9.2';

/** The live state, writable: the tests give callers their roles and teams directly. */
function dataverseOf(emulator: Emulator, uniqueName: string): Dataverse {
  return (emulator.state as unknown as EmulatorState).environments.find((e) => e.uniqueName === uniqueName)!.dataverse!;
}

/** A root-business-unit role holding exactly these privileges. */
function roleWith(dv: Dataverse, name: string, privileges: Array<[string, number]>): string {
  const bu = dv.businessUnits.find((b) => b.parentbusinessunitid === null)!;
  const roleid = crypto.randomUUID();
  dv.roles.push({
    roleid,
    name,
    businessunitid: bu.businessunitid,
    parentrootroleid: roleid,
    ismanaged: false,
    privileges: privileges.map(([p, depth]) => ({ privilegeid: dv.privileges.find((x) => x.name === p)!.privilegeid, depth })),
  });
  return roleid;
}

/** The automation app (an application user of contososales) with one role only, and its Dataverse token. */
async function appUserWith(
  emulator: Emulator,
  privileges: Array<[string, number]>,
): Promise<{ api: string; token: string; userId: string }> {
  const env = dataverseUrl(emulator, 'contososales');
  const dv = dataverseOf(emulator, 'contososales');
  const roleId = roleWith(dv, 'records test', privileges);
  // The automation app is an application user of every environment: it keeps only this role.
  const user = dv.systemusers.find((u) => u.applicationid === emulator.automation.clientId.toLowerCase())!;
  user.roleIds = [roleId];
  const userId = user.systemuserid;
  const token = await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, `${env}/.default`);
  return { api: `${env}${API}`, token, userId };
}

test('Dataverse records: POST creates (204 + OData-EntityId, or 201 with the row on return=representation), GET reads it back', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const { api, token, userId } = await appUserWith(emulator, [
    ['prvCreateAccount', DEPTH.Basic],
    ['prvReadAccount', DEPTH.Basic],
  ]);
  const created = await http(`${api}/accounts`, { token, json: { name: 'Contoso' } });
  assert.equal(created.status, 204);
  assert.equal(created.text, '');
  const entityId = created.headers.get('odata-entityid')!;
  const id = new RegExp(`^${api.replace(/[.]/g, '\\.')}/accounts\\(([0-9a-f-]{36})\\)$`).exec(entityId)?.[1];
  assert.ok(id, entityId);
  const read = await http(`${api}/accounts(${id})?$select=name`, { token });
  assert.equal(read.status, 200);
  assert.equal(read.body.name, 'Contoso');
  const row = dataverseOf(emulator, 'contososales').tables['accounts']!.find((a) => a['accountid'] === id)!;
  assert.equal(row['_ownerid_value'], userId, 'the caller owns what it creates');

  const represented = await http(`${api}/accounts`, { token, json: { name: 'Litware' }, headers: { prefer: 'return=representation' } });
  assert.equal(represented.status, 201);
  assert.equal(represented.body.name, 'Litware');
  assert.match(represented.headers.get('odata-entityid')!, new RegExp(`accounts\\(${represented.body.accountid}\\)$`));

  // Basic read depth reaches the caller's own rows only: a seeded account belongs to someone else.
  const listed = await http(`${api}/accounts?$select=name`, { token });
  assert.deepEqual(
    listed.body.value.map((a: { name: string }) => a.name),
    ['Contoso', 'Litware'],
  );
  const seeded = dataverseOf(emulator, 'contososales').tables['accounts']![0]!['accountid'];
  const notOwn = await http(`${api}/accounts(${seeded})`, { token });
  assert.equal(notOwn.status, 403);
  assert.equal(notOwn.body.error.code, '0x80040220');
  assert.match(notOwn.body.error.message, /is missing prvReadAccount privilege/);
});

test('Dataverse records: a caller without the privilege gets 403 0x80040220 naming it, and nothing changes', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const { api, token, userId } = await appUserWith(emulator, [
    ['prvReadLead', DEPTH.Global],
    ['prvWriteLead', DEPTH.Global],
  ]);
  const dv = dataverseOf(emulator, 'contososales');
  const before = JSON.stringify(dv.tables);
  const create = await http(`${api}/accounts`, { token, json: { name: 'Contoso' } });
  assert.equal(create.status, 403);
  assert.equal(create.body.error.code, '0x80040220');
  assert.match(
    create.body.error.message,
    new RegExp(
      `^Principal user \\(Id=${userId}, type=8, roleCount=1, privilegeCount=2, accessMode=4\\), is missing prvCreateAccount privilege \\(Id=[0-9a-f-]{36}\\) on OTC=1 for entity 'account'`,
    ),
  );
  const leadId = dv.tables['leads']![0]!['leadid'];
  const createLead = await http(`${api}/leads`, { token, json: { subject: 'x' } });
  assert.match(createLead.body.error.message, /is missing prvCreateLead privilege/);
  const del = await http(`${api}/leads(${leadId})`, { method: 'DELETE', token });
  assert.equal(del.status, 403);
  assert.match(del.body.error.message, /is missing prvDeleteLead privilege/);
  // Refused before any lookup: a missing row says nothing to a caller who may not delete.
  const delMissing = await http(`${api}/leads(${crypto.randomUUID()})`, { method: 'DELETE', token });
  assert.equal(delMissing.status, 403);
  const patchAccount = await http(`${api}/accounts(${dv.tables['accounts']![0]!['accountid']})`, {
    method: 'PATCH',
    token,
    json: { name: 'x' },
  });
  assert.match(patchAccount.body.error.message, /is missing prvWriteAccount privilege/);
  assert.equal(JSON.stringify(dv.tables), before, 'no row added, changed or removed');

  // What it holds, it may do: write a lead at Global depth.
  const update = await http(`${api}/leads(${leadId})`, { method: 'PATCH', token, json: { subject: 'Coffee for 41 offices' } });
  assert.equal(update.status, 204, update.text);
  assert.equal(dv.tables['leads']![0]!['subject'], 'Coffee for 41 offices');
});

test('Dataverse records: PATCH is an upsert; If-Match: * prevents the create (404), If-None-Match: * the update (412); DELETE 204 then 404', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const { api, token } = await appUserWith(emulator, [
    ['prvCreateContact', DEPTH.Global],
    ['prvReadContact', DEPTH.Global],
    ['prvWriteContact', DEPTH.Global],
    ['prvDeleteContact', DEPTH.Global],
  ]);
  const id = crypto.randomUUID();
  const updateOnly = await http(`${api}/contacts(${id})`, {
    method: 'PATCH',
    token,
    json: { lastname: 'Ray' },
    headers: { 'if-match': '*' },
  });
  assert.equal(updateOnly.status, 404);
  assert.equal(updateOnly.body.error.code, '0x80040217');
  assert.equal(updateOnly.body.error.message, `contact With Id = ${id} Does Not Exist`);

  const upsert = await http(`${api}/contacts(${id})`, { method: 'PATCH', token, json: { lastname: 'Ray' } });
  assert.equal(upsert.status, 204);
  assert.match(upsert.headers.get('odata-entityid')!, new RegExp(`contacts\\(${id}\\)$`));
  const createOnly = await http(`${api}/contacts(${id})`, {
    method: 'PATCH',
    token,
    json: { lastname: 'Other' },
    headers: { 'if-none-match': '*' },
  });
  assert.equal(createOnly.status, 412);
  const update = await http(`${api}/contacts(${id})`, { method: 'PATCH', token, json: { firstname: 'Jo' }, headers: { 'if-match': '*' } });
  assert.equal(update.status, 204);
  const read = await http(`${api}/contacts(${id})`, { token });
  assert.equal(read.body.firstname, 'Jo');
  assert.equal(read.body.lastname, 'Ray', 'PATCH changes only what it names');

  const unknownColumn = await http(`${api}/contacts(${id})`, { method: 'PATCH', token, json: { shoesize: 9 } });
  assert.equal(unknownColumn.status, 400);
  assert.match(unknownColumn.body.error.message, /The property 'shoesize' does not exist on type 'Microsoft\.Dynamics\.CRM\.contact'/);

  // A create may choose its key, once; a body key that disagrees with the URL's is refused.
  const chosen = crypto.randomUUID();
  assert.equal((await http(`${api}/contacts`, { token, json: { contactid: chosen, lastname: 'Kim' } })).status, 204);
  const taken = await http(`${api}/contacts`, { token, json: { contactid: chosen, lastname: 'Kim' } });
  assert.equal(taken.status, 412);
  assert.equal(taken.body.error.code, '0x80040237');
  const moved = await http(`${api}/contacts(${id})`, { method: 'PATCH', token, json: { contactid: chosen } });
  assert.equal(moved.status, 400);
  assert.equal((await http(`${api}/contacts(${id})`, { token })).body.contactid, id);

  assert.equal((await http(`${api}/contacts(${id})`, { method: 'DELETE', token })).status, 204);
  const again = await http(`${api}/contacts(${id})`, { method: 'DELETE', token });
  assert.equal(again.status, 404);
  assert.equal(again.body.error.code, '0x80040217');
  assert.equal((await http(`${api}/contacts(not-a-guid)`, { method: 'DELETE', token })).status, 400);
});

test('Dataverse records: a case needs its customer; activities are created as tasks, not activitypointers', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const { api, token } = await appUserWith(emulator, [
    ['prvCreateIncident', DEPTH.Global],
    ['prvCreateActivity', DEPTH.Global],
    ['prvReadActivity', DEPTH.Global],
  ]);
  const accountId = dataverseOf(emulator, 'contososales').tables['accounts']![0]!['accountid'];
  const orphan = await http(`${api}/incidents`, { token, json: { title: 'Broken' } });
  assert.equal(orphan.status, 400);
  const missingCustomer = await http(`${api}/incidents`, {
    token,
    json: { title: 'Broken', 'customerid_account@odata.bind': `/accounts(${crypto.randomUUID()})` },
  });
  assert.equal(missingCustomer.status, 404);
  const ok = await http(`${api}/incidents`, {
    token,
    json: { title: 'Broken', 'customerid_account@odata.bind': `/accounts(${accountId})` },
  });
  assert.equal(ok.status, 204, ok.text);

  assert.equal((await http(`${api}/activitypointers`, { token, json: { subject: 'Call back' } })).status, 400);
  const task = await http(`${api}/tasks`, { token, json: { subject: 'Call back' } });
  assert.equal(task.status, 204, task.text);
  const activities = await http(`${api}/activitypointers?$select=subject,activitytypecode`, { token });
  assert.deepEqual(
    activities.body.value.map((a: { subject: string; activitytypecode: string }) => [a.subject, a.activitytypecode]),
    [['Call back', 'task']],
  );
});

test('Dataverse records: a delegated user writes through a team role; without Dynamics 365 apps leads is an unknown segment', async (t) => {
  const emulator = await emulatorFor(t, {
    replicationLag: NO_REPLICATION_LAG,
    seed: { adminNotSystemAdministratorIn: ['contosodev'], withoutDynamicsApps: ['contosodev'] },
  });
  const env = dataverseUrl(emulator, 'contosodev');
  const api = `${env}${API}`;
  const token = await adminToken(emulator, `${env}/.default`);
  const dv = dataverseOf(emulator, 'contosodev');
  const userId = (await http(`${api}/WhoAmI`, { token })).body.UserId;
  // The admin's own Basic User role would let it create accounts: it keeps no role of its own.
  dv.systemusers.find((u) => u.systemuserid === userId)!.roleIds = [];
  const denied = await http(`${api}/accounts`, { token, json: { name: 'Team work' } });
  assert.equal(denied.status, 403);
  assert.match(denied.body.error.message, /is missing prvCreateAccount privilege/);

  const bu = dv.businessUnits.find((b) => b.parentbusinessunitid === null)!;
  dv.teams.push({
    teamid: crypto.randomUUID(),
    name: 'Integrations',
    businessunitid: bu.businessunitid,
    teamtype: 0,
    azureactivedirectoryobjectid: null,
    roleIds: [roleWith(dv, 'team creates accounts', [['prvCreateAccount', DEPTH.Basic]])],
    memberIds: [userId],
  });
  const created = await http(`${api}/accounts`, { token, json: { name: 'Team work' } });
  assert.equal(created.status, 204, created.text);

  const leads = await http(`${api}/leads`, { token, json: { subject: 'x' } });
  assert.equal(leads.status, 404);
  assert.equal(leads.body.error.message, "Resource not found for the segment 'leads'.");
});
