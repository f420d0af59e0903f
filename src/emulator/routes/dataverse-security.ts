// Dataverse security tables: businessunits, systemusers, roles, privileges, their associations and actions.
import { isVisible } from '../context.ts';
import type { Reply } from '../http.ts';
import { isGuid, newGuid } from '../ids.ts';
import { DEPTH, DEPTH_NAMES } from '../privileges.ts';
import { applicationUser } from '../seed.ts';
import {
  findApplicationByAppId,
  findServicePrincipalByAppId,
  rolePrivileges,
  rootBusinessUnit,
  userPrivileges,
  type Role,
  type SystemUser,
} from '../state.ts';
import {
  boundId,
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

export const BUSINESS_UNITS: CollectionOptions = {
  entitySet: 'businessunits',
  entityType: 'businessunit',
  aliases: { parentbusinessunitid: '_parentbusinessunitid_value' },
};
export const ROLES: CollectionOptions = {
  entitySet: 'roles',
  entityType: 'role',
  aliases: { businessunitid: '_businessunitid_value', parentrootroleid: '_parentrootroleid_value' },
};
export const PRIVILEGES: CollectionOptions = { entitySet: 'privileges', entityType: 'privilege' };

export function systemUsersOptions(r: DataverseRequest): CollectionOptions {
  return {
    entitySet: 'systemusers',
    entityType: 'systemuser',
    aliases: { businessunitid: '_businessunitid_value' },
    expand: (row, name, select) => {
      if (name.toLowerCase() !== 'systemuserroles_association') return undefined;
      const user = r.dv.systemusers.find((u) => u.systemuserid === row['systemuserid']);
      return (user?.roleIds ?? []).flatMap((id) => {
        const role = r.dv.roles.find((x) => x.roleid === id);
        return role ? [selectRow(roleRow(role), select)] : [];
      });
    },
  };
}

function selectRow(row: Record<string, unknown>, select: string | undefined): Record<string, unknown> {
  if (!select) return row;
  const fields = select.split(',').map((f) => f.trim().toLowerCase());
  return Object.fromEntries(Object.entries(row).filter(([k]) => k === '@odata.etag' || fields.includes(k.toLowerCase())));
}

export function businessUnitRow(r: DataverseRequest, id: string): Record<string, unknown> | undefined {
  const bu = r.dv.businessUnits.find((b) => b.businessunitid === id);
  return (
    bu && {
      '@odata.etag': etag(),
      businessunitid: bu.businessunitid,
      name: bu.name,
      _parentbusinessunitid_value: bu.parentbusinessunitid,
      isdisabled: false,
    }
  );
}

export function userRow(user: SystemUser): Record<string, unknown> {
  return {
    '@odata.etag': etag(),
    systemuserid: user.systemuserid,
    fullname: user.fullname,
    domainname: user.domainname,
    internalemailaddress: user.internalemailaddress,
    applicationid: user.applicationid,
    azureactivedirectoryobjectid: user.azureactivedirectoryobjectid,
    isdisabled: user.isdisabled,
    accessmode: user.accessmode,
    _businessunitid_value: user.businessunitid,
  };
}

export function roleRow(role: Role): Record<string, unknown> {
  return {
    '@odata.etag': etag(),
    roleid: role.roleid,
    name: role.name,
    _businessunitid_value: role.businessunitid,
    _parentrootroleid_value: role.parentrootroleid,
    ismanaged: role.ismanaged,
  };
}

export function privilegeRows(r: DataverseRequest): Array<Record<string, unknown>> {
  return r.dv.privileges.map((p) => ({
    '@odata.etag': etag(),
    privilegeid: p.privilegeid,
    name: p.name,
    accessright: p.accessright,
    canbebasic: p.entity !== null,
    canbelocal: p.entity !== null,
    canbedeep: p.entity !== null,
    canbeglobal: true,
  }));
}

export function created(
  r: DataverseRequest,
  entitySet: string,
  id: string,
  row: Record<string, unknown>,
  options: CollectionOptions,
): Reply {
  const location = `${r.base}${entitySet}(${id})`;
  const prefer = String(r.req.headers['prefer'] ?? '');
  if (/return=representation/i.test(prefer)) {
    const reply = entityReply(r, row, options, 201);
    reply.headers = { ...reply.headers, 'odata-entityid': location, location, 'preference-applied': 'return=representation' };
    return reply;
  }
  return { status: 204, headers: { ...dataverseHeaders(r.req), 'odata-entityid': location, location } };
}

export function createSystemUser(r: DataverseRequest): Reply {
  requirePrivilege(r, 'prvCreateUser');
  const body = jsonObject(r.req);
  const appId = typeof body['applicationid'] === 'string' ? body['applicationid'].toLowerCase() : undefined;
  if (!appId || !isGuid(appId)) {
    dvFail(
      r.req,
      400,
      '0x80040203',
      'The dynauth sandbox creates application users only: applicationid (the Entra application id) is required.',
    );
  }
  const app = findApplicationByAppId(r.ctx.state, appId);
  const sp = findServicePrincipalByAppId(r.ctx.state, appId);
  // Dataverse looks the app up in Entra, so a new app or service principal fails here until it replicates.
  // ASSUMPTION: status, code and message are not documented and no public report of them was found;
  // 400 0x80040203 (invalid argument) naming the app id is a plausible stand-in. Clients should match loosely.
  if (!app || !isVisible(r.ctx, app) || !sp || !isVisible(r.ctx, sp)) {
    dvFail(
      r.req,
      400,
      '0x80040203',
      `The application with id ${appId} was not found in the Microsoft Entra tenant ${r.ctx.state.tenant.id}, or it has no service principal.`,
    );
  }
  const bindKey = Object.keys(body).find((k) => k.toLowerCase() === 'businessunitid@odata.bind');
  const businessUnitId = bindKey ? boundId(body[bindKey], 'businessunits') : rootBusinessUnit(r.dv).businessunitid;
  if (!businessUnitId)
    dvFail(r.req, 400, '0x80060888', "Invalid value for 'businessunitid@odata.bind'; expected '/businessunits(<guid>)'.");
  if (!r.dv.businessUnits.some((b) => b.businessunitid === businessUnitId)) doesNotExist(r.req, 'businessunit', businessUnitId);
  if (r.dv.systemusers.some((u) => u.applicationid === appId)) {
    dvFail(r.req, 412, '0x80040237', 'A record with matching key values already exists.');
  }
  const user = applicationUser(r.env.uniqueName, app, businessUnitId, [], r.ctx.now(), newGuid());
  user.visibleAt = r.ctx.replication.visibleAt('appUser', user.createdAt);
  if (typeof body['isdisabled'] === 'boolean') user.isdisabled = body['isdisabled'];
  r.dv.systemusers.push(user);
  return created(r, 'systemusers', user.systemuserid, userRow(user), systemUsersOptions(r));
}

/**
 * PATCH systemusers(id) { isdisabled }: how an application user is deactivated (the admin center's
 * Deactivate: learn.microsoft.com/power-platform/admin/manage-application-users#activate-or-deactivate-an-application-user;
 * isdisabled is writable: learn.microsoft.com/power-apps/developer/data-platform/reference/entities/systemuser#BKMK_IsDisabled).
 * Needs prvWriteUser. The emulator models no other column of a user, so any other one is refused rather than ignored.
 */
export function updateSystemUser(r: DataverseRequest, user: SystemUser): Reply {
  requirePrivilege(r, 'prvWriteUser');
  const body = jsonObject(r.req);
  const unknown = Object.keys(body).find((key) => key !== 'isdisabled');
  if (unknown !== undefined)
    dvFail(r.req, 400, '0x80060888', `The property '${unknown}' cannot be updated on systemuser by this emulator.`);
  if (typeof body['isdisabled'] !== 'boolean') dvFail(r.req, 400, '0x80040203', "Invalid value for 'isdisabled'; expected true or false.");
  user.isdisabled = body['isdisabled'];
  return { status: 204, headers: { ...dataverseHeaders(r.req), 'odata-entityid': `${r.base}systemusers(${user.systemuserid})` } };
}

export function createRole(r: DataverseRequest): Reply {
  requirePrivilege(r, 'prvCreateRole');
  const body = jsonObject(r.req);
  const name = body['name'];
  if (typeof name !== 'string' || !name.trim()) dvFail(r.req, 400, '0x80040203', "Required field 'name' is missing.");
  const bindKey = Object.keys(body).find((k) => k.toLowerCase() === 'businessunitid@odata.bind');
  const businessUnitId = bindKey ? boundId(body[bindKey], 'businessunits') : rootBusinessUnit(r.dv).businessunitid;
  if (!businessUnitId || !r.dv.businessUnits.some((b) => b.businessunitid === businessUnitId))
    doesNotExist(r.req, 'businessunit', String(businessUnitId));
  const roleid = newGuid();
  const role: Role = { roleid, name, businessunitid: businessUnitId, parentrootroleid: roleid, ismanaged: false, privileges: [] };
  r.dv.roles.push(role);
  // As in Dataverse, a role created in the root business unit is copied into every child unit.
  if (businessUnitId === rootBusinessUnit(r.dv).businessunitid) {
    for (const bu of r.dv.businessUnits.filter((b) => b.parentbusinessunitid !== null)) {
      r.dv.roles.push({
        roleid: newGuid(),
        name,
        businessunitid: bu.businessunitid,
        parentrootroleid: roleid,
        ismanaged: false,
        privileges: [],
      });
    }
  }
  return created(r, 'roles', roleid, roleRow(role), ROLES);
}

export function findRole(r: DataverseRequest, id: string): Role {
  const role = r.dv.roles.find((x) => x.roleid === id.toLowerCase());
  if (!role) doesNotExist(r.req, 'role', id);
  return role;
}

export function findUser(r: DataverseRequest, id: string): SystemUser {
  const user = r.dv.systemusers.find((u) => u.systemuserid === id.toLowerCase());
  if (!user) doesNotExist(r.req, 'systemuser', id);
  return user;
}

/** AddPrivilegesRole merges (depth replaced per privilege); ReplacePrivilegesRole replaces the set. */
export function changeRolePrivileges(r: DataverseRequest, role: Role, replace: boolean): Reply {
  requirePrivilege(r, 'prvWriteRole');
  const body = jsonObject(r.req);
  const list = body['Privileges'];
  if (!Array.isArray(list)) dvFail(r.req, 400, '0x80040203', "Required parameter 'Privileges' is missing or not an array.");
  const changes = list.map((entry: unknown) => {
    const fields = (entry ?? {}) as Record<string, unknown>;
    const id = typeof fields['PrivilegeId'] === 'string' ? fields['PrivilegeId'].toLowerCase() : '';
    if (!r.dv.privileges.some((p) => p.privilegeid === id)) doesNotExist(r.req, 'privilege', id);
    return { privilegeid: id, depth: parseDepth(r, fields['Depth']) };
  });
  if (role.ismanaged && role.name === 'System Administrator') {
    dvFail(r.req, 400, '0x80040203', 'The System Administrator role cannot be modified.');
  }
  const root = role.parentrootroleid === role.roleid ? role : findRole(r, role.parentrootroleid);
  if (replace) root.privileges = [];
  for (const change of changes) {
    const existing = root.privileges.find((p) => p.privilegeid === change.privilegeid);
    if (existing) existing.depth = change.depth;
    else root.privileges.push(change);
  }
  return { status: 204, headers: dataverseHeaders(r.req) };
}

function parseDepth(r: DataverseRequest, value: unknown): number {
  if (typeof value === 'number' && value >= 0 && value <= 3) return value;
  if (typeof value === 'string') {
    if (/^[0-3]$/.test(value)) return Number(value);
    const named = DEPTH[value as keyof typeof DEPTH];
    if (named !== undefined) return named;
  }
  dvFail(r.req, 400, '0x80040203', `Invalid Depth '${String(value)}': expected Basic, Local, Deep or Global (0–3).`);
}

export function rolePrivilegesReply(
  r: DataverseRequest,
  role: Role,
  entries: Array<{ privilegeid: string; depth: number }>,
  responseType: string,
): Reply {
  return {
    status: 200,
    headers: { ...dataverseHeaders(r.req), 'content-type': 'application/json; odata.metadata=minimal' },
    body: {
      '@odata.context': `${r.base}$metadata#Microsoft.Dynamics.CRM.${responseType}`,
      // PrivilegeName joined RolePrivilege later than the other three: older answers lack it
      // (learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/roleprivilege, against the CRM 2016 page mt608001).
      RolePrivileges: entries.map((p) => ({
        Depth: DEPTH_NAMES[p.depth],
        PrivilegeId: p.privilegeid,
        BusinessUnitId: role.businessunitid,
        ...(r.dv.privilegeRowsWithoutNames
          ? {}
          : { PrivilegeName: r.dv.privileges.find((x) => x.privilegeid === p.privilegeid)?.name ?? '' }),
      })),
    },
  };
}

export function retrieveUserPrivileges(r: DataverseRequest, user: SystemUser): Reply {
  // Assumption (unconfirmed): a principal may always read its own privileges; anyone else's needs prvReadUser.
  if (r.ctx.strictSelfPrivileges || user.systemuserid !== r.caller.systemuserid) requirePrivilege(r, 'prvReadUser');
  // A user with no role at all, neither their own nor through a team: the refusal microsoft/coe-starter-kit
  // issue 678 quotes ("…has not been assigned any roles. They need a role with the prvReadUser privilege.").
  const teamRoles = r.dv.teams.some((team) => team.memberIds.includes(user.systemuserid) && team.roleIds.length > 0);
  if (!user.roleIds.length && !teamRoles) {
    dvFail(
      r.req,
      403,
      '0x80040220',
      `RetrievePrivilegeForUser: The user with id ${user.systemuserid} has not been assigned any roles. They need a role with the prvReadUser privilege.`,
    );
  }
  // Directly assigned roles only. Today's reference says team privileges come back too, at Basic
  // depth; recorded traffic and older orgs show none ("neither is a superset"): the harder shape
  // is modelled, and RetrieveUsersPrivilegesThroughTeams gives the rest (dataverse-teams.ts).
  const held = userPrivileges(r.dv, user);
  const entries = [...held].map(([privilegeid, depth]) => ({ privilegeid, depth }));
  const pseudoRole = { businessunitid: user.businessunitid } as Role;
  return rolePrivilegesReply(r, pseudoRole, entries, 'RetrieveUserPrivilegesResponse');
}

export function retrieveRolePrivileges(r: DataverseRequest, role: Role): Reply {
  requirePrivilege(r, 'prvReadRole');
  return rolePrivilegesReply(r, role, rolePrivileges(r.dv, role), 'RetrieveRolePrivilegesRoleResponse');
}

export function associateRole(r: DataverseRequest, user: SystemUser): Reply {
  requirePrivilege(r, 'prvAssignRole');
  const body = jsonObject(r.req);
  const roleId = boundId(body['@odata.id'], 'roles');
  if (!roleId) dvFail(r.req, 400, '0x80060888', "The '@odata.id' must reference a role: '<env>/api/data/v9.2/roles(<guid>)'.");
  const role = findRole(r, roleId);
  if (user.roleIds.includes(role.roleid)) dvFail(r.req, 412, '0x80040237', 'Cannot insert duplicate key.');
  user.roleIds.push(role.roleid);
  return { status: 204, headers: dataverseHeaders(r.req) };
}

export function disassociateRole(r: DataverseRequest, user: SystemUser, roleId: string | undefined): Reply {
  requirePrivilege(r, 'prvAssignRole');
  if (!roleId) dvFail(r.req, 400, '0x80060888', "The '$id' query option must reference a role: '$id=<env>/api/data/v9.2/roles(<guid>)'.");
  const role = findRole(r, roleId);
  user.roleIds = user.roleIds.filter((id) => id !== role.roleid);
  return { status: 204, headers: dataverseHeaders(r.req) };
}
