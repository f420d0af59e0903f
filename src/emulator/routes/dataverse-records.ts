// Dataverse business tables (accounts, contacts, leads, incidents, activities): read, create, update, upsert, delete,
// each checked against the caller's privileges and their depth.
// learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api
// learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
import type { Reply } from '../http.ts';
import { isGuid, newGuid } from '../ids.ts';
import { DEPTH } from '../privileges.ts';
import { effectivePrivileges, type TableRow } from '../state.ts';
import { created } from './dataverse-security.ts';
import {
  collectionReply,
  dataverseHeaders,
  doesNotExist,
  dvFail,
  entityReply,
  etag,
  jsonObject,
  requirePrivilege,
  type CollectionOptions,
  type DataverseRequest,
} from './dataverse-shared.ts';

interface Table {
  /** Suffix of the table's privileges: prvCreate<suffix>, prvRead<suffix>, … */
  privilege: string;
  entityType: string;
  primaryKey: string;
  /** Where the rows live in Dataverse state (tasks are activitypointer rows). */
  storedIn: string;
  /** Columns a create or update may set; any other property is refused, as Dataverse refuses a name its type lacks. */
  columns: string[];
  /** Lookups a body may bind: navigation property → the entity sets it may point at. */
  lookups?: Record<string, string[]>;
  /** A create without one of these binds fails (a case needs its customer). */
  requiredLookup?: string[];
  /** Only read: activitypointer is the activities' common view, not a table one creates rows in. */
  readOnly?: boolean;
  activityTypeCode?: string;
}

const TABLES: Record<string, Table> = {
  accounts: {
    privilege: 'Account',
    entityType: 'account',
    primaryKey: 'accountid',
    storedIn: 'accounts',
    columns: ['name', 'accountnumber', 'telephone1', 'emailaddress1', 'websiteurl', 'description', 'address1_city'],
  },
  contacts: {
    privilege: 'Contact',
    entityType: 'contact',
    primaryKey: 'contactid',
    storedIn: 'contacts',
    columns: ['firstname', 'lastname', 'emailaddress1', 'telephone1', 'jobtitle', 'description'],
    lookups: { parentcustomerid_account: ['accounts'] },
  },
  leads: {
    privilege: 'Lead',
    entityType: 'lead',
    primaryKey: 'leadid',
    storedIn: 'leads',
    columns: ['subject', 'firstname', 'lastname', 'companyname', 'emailaddress1', 'telephone1', 'description'],
  },
  incidents: {
    privilege: 'Incident',
    entityType: 'incident',
    primaryKey: 'incidentid',
    storedIn: 'incidents',
    columns: ['title', 'description', 'prioritycode', 'caseorigincode'],
    lookups: { customerid_account: ['accounts'], customerid_contact: ['contacts'] },
    requiredLookup: ['customerid_account', 'customerid_contact'],
  },
  activitypointers: {
    privilege: 'Activity',
    entityType: 'activitypointer',
    primaryKey: 'activityid',
    storedIn: 'activitypointers',
    columns: [],
    readOnly: true,
  },
  tasks: {
    privilege: 'Activity',
    entityType: 'task',
    primaryKey: 'activityid',
    storedIn: 'activitypointers',
    columns: ['subject', 'description', 'scheduledend', 'prioritycode'],
    lookups: { regardingobjectid_account_task: ['accounts'], regardingobjectid_contact_task: ['contacts'] },
    activityTypeCode: 'task',
  },
};

/** The table behind an entity set, if this environment has it (without Dynamics 365 apps: no leads, no incidents). */
export function businessTable(r: DataverseRequest, set: string): Table | undefined {
  const table = TABLES[set.toLowerCase()];
  return table && table.storedIn in r.dv.tables ? table : undefined;
}

export function tableRecords(
  r: DataverseRequest,
  table: Table,
  id: string | undefined,
  sub: string | undefined,
  notAllowed: () => Reply,
): Reply {
  const method = r.req.method;
  if (sub) return notAllowed();
  if (id === undefined || id === '') {
    if (method === 'GET') return readCollection(r, table);
    if (method === 'POST') return create(r, table);
    return notAllowed();
  }
  // A key that is not a GUID is a bad request, before any privilege check.
  if (!isGuid(id)) dvFail(r.req, 400, '0x80060888', `Bad Request - Error in query syntax: the key '${id}' is not a Guid.`);
  const key = id.toLowerCase();
  if (method === 'GET') return readOne(r, table, key);
  if (method === 'PATCH') return update(r, table, key);
  if (method === 'DELETE') return remove(r, table, key);
  return notAllowed();
}

function rowsOf(r: DataverseRequest, table: Table): TableRow[] {
  const rows = r.dv.tables[table.storedIn]!;
  return table.activityTypeCode ? rows.filter((row) => row['activitytypecode'] === table.activityTypeCode) : rows;
}

function options(set: Table): CollectionOptions {
  return { entitySet: Object.keys(TABLES).find((k) => TABLES[k] === set)!, entityType: set.entityType };
}

function readCollection(r: DataverseRequest, table: Table): Reply {
  requirePrivilege(r, `prvRead${table.privilege}`);
  // A read returns only the rows the privilege's depth reaches: with Basic, the caller's own.
  const rows = rowsOf(r, table)
    .filter((row) => reaches(r, table, 'Read', row))
    .map((row) => ({ '@odata.etag': 'W/"1"', ...row }));
  return collectionReply(r, rows, options(table));
}

function readOne(r: DataverseRequest, table: Table, id: string): Reply {
  requirePrivilege(r, `prvRead${table.privilege}`);
  const row = find(r, table, id);
  if (!row) doesNotExist(r.req, table.entityType, id);
  requireDepth(r, table, 'Read', row);
  return entityReply(r, { '@odata.etag': etag(), ...row }, options(table));
}

function create(r: DataverseRequest, table: Table, id?: string): Reply {
  refuseReadOnly(r, table);
  requirePrivilege(r, `prvCreate${table.privilege}`);
  const fields = fieldsOf(r, table, jsonObject(r.req));
  if (table.requiredLookup && !table.requiredLookup.some((name) => name in fields)) {
    // A case cannot exist without its customer (learn.microsoft.com/dynamics365/customer-service/develop/reference/entities/incident, customerid: required).
    dvFail(r.req, 400, '0x80040203', `You should specify a parent contact or account. (${table.requiredLookup.join(' or ')})`);
  }
  // A create may name its own primary key (create-entity-web-api); a key already taken is a duplicate.
  const given = fields[table.primaryKey];
  delete fields[table.primaryKey];
  if (given !== undefined && (typeof given !== 'string' || !isGuid(given)))
    dvFail(r.req, 400, '0x80040203', `Invalid value for '${table.primaryKey}': expected a Guid.`);
  if (id && typeof given === 'string' && given.toLowerCase() !== id) keyMismatch(r, table);
  const key = id ?? (typeof given === 'string' ? given.toLowerCase() : newGuid());
  if (find(r, table, key) || r.dv.tables[table.storedIn]!.some((row) => row[table.primaryKey] === key))
    dvFail(r.req, 412, '0x80040237', 'Cannot insert duplicate key.');
  const now = new Date(r.ctx.now()).toISOString();
  const row: TableRow = {
    [table.primaryKey]: key,
    ...(table.activityTypeCode ? { activitytypecode: table.activityTypeCode } : {}),
    ...fields,
    _ownerid_value: r.caller.systemuserid,
    _owningbusinessunit_value: r.caller.businessunitid,
    createdon: now,
    modifiedon: now,
  };
  r.dv.tables[table.storedIn]!.push(row);
  return created(r, options(table).entitySet, key, row, options(table));
}

/**
 * PATCH updates, or creates the row when none has that key (upsert). `If-Match: *` prevents the create (404),
 * `If-None-Match: *` the update (412), as the update-delete page's "Upsert a table row" and "Prevent create/update
 * in upsert" sections describe.
 */
function update(r: DataverseRequest, table: Table, id: string): Reply {
  refuseReadOnly(r, table);
  // The privilege comes first: a caller who may not write learns nothing about which rows exist.
  // ASSUMPTION: an upsert needs prvWrite even when it creates (and prvCreate too then): never kinder than either order.
  requirePrivilege(r, `prvWrite${table.privilege}`);
  const row = find(r, table, id);
  const ifMatch = header(r, 'if-match');
  const ifNoneMatch = header(r, 'if-none-match');
  if (!row) {
    if (ifMatch === '*') doesNotExist(r.req, table.entityType, id);
    return create(r, table, id);
  }
  if (ifNoneMatch === '*') dvFail(r.req, 412, '0x80040237', 'A record with matching key values already exists.');
  requireDepth(r, table, 'Write', row);
  const fields = fieldsOf(r, table, jsonObject(r.req));
  if (table.primaryKey in fields && String(fields[table.primaryKey]).toLowerCase() !== id) keyMismatch(r, table);
  delete fields[table.primaryKey];
  Object.assign(row, fields, { modifiedon: new Date(r.ctx.now()).toISOString() });
  if (/return=representation/i.test(header(r, 'prefer'))) {
    const reply = entityReply(r, { '@odata.etag': etag(), ...row }, options(table));
    reply.headers = { ...reply.headers, 'preference-applied': 'return=representation' };
    return reply;
  }
  return { status: 204, headers: { ...dataverseHeaders(r.req), 'odata-entityid': `${r.base}${options(table).entitySet}(${id})` } };
}

function remove(r: DataverseRequest, table: Table, id: string): Reply {
  refuseReadOnly(r, table);
  requirePrivilege(r, `prvDelete${table.privilege}`);
  const row = find(r, table, id);
  if (!row) doesNotExist(r.req, table.entityType, id);
  requireDepth(r, table, 'Delete', row);
  const rows = r.dv.tables[table.storedIn]!;
  rows.splice(rows.indexOf(row), 1);
  return { status: 204, headers: dataverseHeaders(r.req) };
}

function find(r: DataverseRequest, table: Table, id: string): TableRow | undefined {
  return rowsOf(r, table).find((row) => String(row[table.primaryKey]).toLowerCase() === id);
}

function keyMismatch(r: DataverseRequest, table: Table): never {
  // ASSUMPTION: the exact text is not published; a row's key never changes.
  dvFail(r.req, 400, '0x80040203', `The body's ${table.primaryKey} differs from the key in the URL: a row's primary key cannot change.`);
}

function header(r: DataverseRequest, name: string): string {
  const value = r.req.headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim();
}

function refuseReadOnly(r: DataverseRequest, table: Table): void {
  if (!table.readOnly) return;
  // ASSUMPTION: Dataverse refuses writes to activitypointer ("activities are created through their own tables");
  // the exact code and text are not published: this 400 is the emulator's. Create a task (tasks) instead.
  dvFail(
    r.req,
    400,
    '0x80040203',
    `The '${r.req.method}' method does not support entities of type '${table.entityType}'. Create the activity through its own table (tasks, emails, phonecalls…).`,
  );
}

/** The body's columns and lookups as row fields; anything the table lacks is refused as Dataverse does. */
function fieldsOf(r: DataverseRequest, table: Table, body: Record<string, unknown>): TableRow {
  const fields: TableRow = {};
  for (const [name, value] of Object.entries(body)) {
    const bind = /^(.+)@odata\.bind$/i.exec(name);
    if (bind) {
      const navigation = bind[1]!.toLowerCase();
      const targets = table.lookups?.[navigation];
      if (!targets) unknownProperty(r, table, bind[1]!);
      fields[navigation] = boundRow(r, targets, value);
      continue;
    }
    if (name.startsWith('@odata.')) continue;
    if (!table.columns.includes(name.toLowerCase()) && name.toLowerCase() !== table.primaryKey) unknownProperty(r, table, name);
    fields[name.toLowerCase()] = value;
  }
  return fields;
}

function boundRow(r: DataverseRequest, targets: string[], value: unknown): string {
  const m = typeof value === 'string' ? /(?:^|\/)([A-Za-z_]+)\(([0-9a-fA-F-]{36})\)$/.exec(value.trim()) : null;
  const set = m?.[1]?.toLowerCase();
  if (!m || !set || !targets.includes(set)) {
    dvFail(r.req, 400, '0x80060888', `Invalid @odata.bind value '${String(value)}': expected '/${targets[0]}(<guid>)'.`);
  }
  const target = TABLES[set]!;
  const id = m[2]!.toLowerCase();
  if (!find(r, target, id)) doesNotExist(r.req, target.entityType, id);
  return id;
}

function unknownProperty(r: DataverseRequest, table: Table, name: string): never {
  // OData's answer to a body property the entity type does not declare (Dataverse runs it on every payload).
  dvFail(
    r.req,
    400,
    '0x80060888',
    `The property '${name}' does not exist on type 'Microsoft.Dynamics.CRM.${table.entityType}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  );
}

/**
 * Depth: Basic reaches the caller's own records, Local its business unit's, Deep that unit and the units below it,
 * Global every record (learn.microsoft.com/power-platform/admin/security-roles-privileges#record-level-privileges).
 * A row with no owner (seeded) belongs to another user of the root business unit: never the caller's own.
 * ASSUMPTION: Dataverse answers an out-of-depth access with 403 0x80040220 in a SecLib::AccessCheckEx text;
 * the emulator answers with the same code in its missing-privilege text.
 */
function requireDepth(r: DataverseRequest, table: Table, action: Action, row: TableRow): void {
  if (reaches(r, table, action, row)) return;
  const name = `prv${action}${table.privilege}`;
  const privilege = r.dv.privileges.find((p) => p.name === name)!;
  dvFail(
    r.req,
    403,
    '0x80040220',
    `Principal user (Id=${r.caller.systemuserid}, type=8, roleCount=${r.caller.roleIds.length}, privilegeCount=${effectivePrivileges(r.dv, r.caller).size}, accessMode=${r.caller.accessmode}), is missing ${name} privilege (Id=${privilege.privilegeid}) on OTC=${privilege.entity?.objectTypeCode} for entity '${privilege.entity?.logicalName}' at the depth this record needs (record ${String(row[table.primaryKey])}). context.Caller=${r.caller.systemuserid}`,
  );
}

type Action = 'Read' | 'Write' | 'Delete';

function reaches(r: DataverseRequest, table: Table, action: Action, row: TableRow): boolean {
  const privilege = r.dv.privileges.find((p) => p.name === `prv${action}${table.privilege}`)!;
  const depth = effectivePrivileges(r.dv, r.caller).get(privilege.privilegeid) ?? -1;
  const ownerUnit = typeof row['_owningbusinessunit_value'] === 'string' ? row['_owningbusinessunit_value'] : rootUnitId(r);
  return (
    depth >= DEPTH.Global ||
    (depth >= DEPTH.Deep && unitAndBelow(r, r.caller.businessunitid).has(ownerUnit)) ||
    (depth >= DEPTH.Local && ownerUnit === r.caller.businessunitid) ||
    (depth >= DEPTH.Basic && row['_ownerid_value'] === r.caller.systemuserid)
  );
}

function rootUnitId(r: DataverseRequest): string {
  return r.dv.businessUnits.find((b) => b.parentbusinessunitid === null)!.businessunitid;
}

function unitAndBelow(r: DataverseRequest, unitId: string): Set<string> {
  const units = new Set([unitId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const b of r.dv.businessUnits) {
      if (b.parentbusinessunitid && units.has(b.parentbusinessunitid) && !units.has(b.businessunitid)) {
        units.add(b.businessunitid);
        grew = true;
      }
    }
  }
  return units;
}
