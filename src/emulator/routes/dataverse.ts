// Dataverse Web API v9.2, one listener per environment.
import type { EmulatorContext } from '../context.ts';
import type { Reply, RequestContext } from '../http.ts';
import type { Environment } from '../state.ts';
import {
  BUSINESS_UNITS,
  PRIVILEGES,
  ROLES,
  associateRole,
  businessUnitRow,
  changeRolePrivileges,
  createRole,
  createSystemUser,
  disassociateRole,
  findRole,
  findUser,
  privilegeRows,
  retrieveRolePrivileges,
  retrieveUserPrivileges,
  roleRow,
  systemUsersOptions,
  updateSystemUser,
  userRow,
} from './dataverse-security.ts';
import {
  authenticateDataverse,
  boundId,
  collectionReply,
  dataverseError,
  dataverseHeaders,
  doesNotExist,
  entityReply,
  requirePrivilege,
  resolveCaller,
  type DataverseRequest,
} from './dataverse-shared.ts';
import { businessTable, tableRecords } from './dataverse-records.ts';
import { isTeamPrivilegesFunction, retrieveUsersPrivilegesThroughTeams, teams } from './dataverse-teams.ts';

export function handleDataverse(ctx: EmulatorContext, req: RequestContext, env: Environment): Reply {
  const match = /^\/api\/data\/v9\.[0-2]\/(.*)$/i.exec(req.path);
  if (!match || !env.url || !env.dataverse) {
    return dataverseError(
      req,
      404,
      '0x80060888',
      `Resource not found for the segment '${req.path.split('/').filter(Boolean).pop() ?? ''}'.`,
    );
  }
  const withUrl = env as Environment & { url: string };
  const claims = authenticateDataverse(ctx, req, withUrl);
  if (claims.idtyp === 'app' && env.dataverse.blockedAppIds.includes(claims.appid.toLowerCase())) return blockedByPolicy(req, claims.appid);
  const caller = resolveCaller(ctx, req, env.dataverse, claims);
  const r: DataverseRequest = { ctx, req, env: withUrl, dv: env.dataverse, caller, claims, base: `${env.url}/api/data/v9.2/` };
  return route(r, match[1] ?? '');
}

function route(r: DataverseRequest, path: string): Reply {
  const { req } = r;
  if (isTeamPrivilegesFunction(path)) return retrieveUsersPrivilegesThroughTeams(r, path);
  const m = /^([A-Za-z_]+)(?:\(([^)]*)\))?(?:\/(.*))?$/.exec(path.replace(/\/+$/, ''));
  if (!m) return unknownSegment(r, path);
  const [, set = '', key, sub] = m;
  const method = req.method;
  const id = key?.replace(/^'|'$/g, '');
  switch (set.toLowerCase()) {
    case 'whoami':
      if (method !== 'GET' || (key !== undefined && key !== '')) return notAllowed(r);
      return {
        status: 200,
        headers: { ...dataverseHeaders(req), 'content-type': 'application/json; odata.metadata=minimal' },
        body: {
          '@odata.context': `${r.base}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
          BusinessUnitId: r.caller.businessunitid,
          UserId: r.caller.systemuserid,
          OrganizationId: r.dv.organizationId,
        },
      };
    case 'businessunits': {
      requirePrivilege(r, 'prvReadBusinessUnit');
      if (method !== 'GET' || sub) return notAllowed(r);
      if (id) {
        const row = businessUnitRow(r, id.toLowerCase());
        if (!row) doesNotExist(req, 'businessunit', id);
        return entityReply(r, row, BUSINESS_UNITS);
      }
      return collectionReply(
        r,
        r.dv.businessUnits.map((b) => businessUnitRow(r, b.businessunitid)!),
        BUSINESS_UNITS,
      );
    }
    case 'systemusers':
      return systemUsers(r, id, sub);
    case 'roles':
      return roles(r, id, sub);
    case 'teams':
      return teams(r, id, sub);
    case 'privileges':
      requirePrivilege(r, 'prvReadRole');
      if (method !== 'GET' || id || sub) return notAllowed(r);
      return collectionReply(r, privilegeRows(r), PRIVILEGES);
    default: {
      // Without Dynamics 365 apps the apps' tables (incidents, leads) are unknown segments.
      const table = businessTable(r, set);
      if (!table) return unknownSegment(r, set);
      return tableRecords(r, table, id, sub, () => notAllowed(r));
    }
  }
}

function systemUsers(r: DataverseRequest, id: string | undefined, sub: string | undefined): Reply {
  const { req } = r;
  if (!id) {
    if (sub) return unknownSegment(r, sub);
    if (req.method === 'GET') {
      requirePrivilege(r, 'prvReadUser');
      return collectionReply(r, r.dv.systemusers.map(userRow), systemUsersOptions(r));
    }
    if (req.method === 'POST') return createSystemUser(r);
    return notAllowed(r);
  }
  const user = findUser(r, id);
  if (!sub) {
    if (req.method === 'PATCH') return updateSystemUser(r, user);
    // No DELETE: systemuser has no Delete privilege; an application user is deactivated (PATCH isdisabled), and
    // only an inactive one whose records were reassigned may be deleted, in the admin center
    // (learn.microsoft.com/power-platform/admin/manage-application-users#delete-inactive-application-users).
    if (req.method !== 'GET') return notAllowed(r);
    requirePrivilege(r, 'prvReadUser');
    return entityReply(r, userRow(user), systemUsersOptions(r));
  }
  const lower = sub.toLowerCase();
  if (lower === 'systemuserroles_association/$ref') {
    if (req.method === 'POST') return associateRole(r, user);
    if (req.method === 'DELETE') return disassociateRole(r, user, boundId(req.query['$id'], 'roles'));
    return notAllowed(r);
  }
  const single = /^systemuserroles_association\(([0-9a-f-]{36})\)\/\$ref$/i.exec(sub);
  if (single && req.method === 'DELETE') return disassociateRole(r, user, single[1]);
  if (lower === 'systemuserroles_association' && req.method === 'GET') {
    requirePrivilege(r, 'prvReadRole');
    const rows = user.roleIds.flatMap((roleId) => {
      const role = r.dv.roles.find((x) => x.roleid === roleId);
      return role ? [roleRow(role)] : [];
    });
    return collectionReply(r, rows, ROLES);
  }
  if (/^microsoft\.dynamics\.crm\.retrieveuserprivileges(\(\))?$/.test(lower) && req.method === 'GET')
    return retrieveUserPrivileges(r, user);
  return unknownSegment(r, sub);
}

function roles(r: DataverseRequest, id: string | undefined, sub: string | undefined): Reply {
  const { req } = r;
  if (!id) {
    if (sub) return unknownSegment(r, sub);
    if (req.method === 'GET') {
      requirePrivilege(r, 'prvReadRole');
      return collectionReply(r, r.dv.roles.map(roleRow), ROLES);
    }
    if (req.method === 'POST') return createRole(r);
    return notAllowed(r);
  }
  const role = findRole(r, id);
  if (!sub) {
    if (req.method !== 'GET') return notAllowed(r);
    requirePrivilege(r, 'prvReadRole');
    return entityReply(r, roleRow(role), ROLES);
  }
  const lower = sub.toLowerCase();
  if (lower === 'microsoft.dynamics.crm.addprivilegesrole' && req.method === 'POST') return changeRolePrivileges(r, role, false);
  if (lower === 'microsoft.dynamics.crm.replaceprivilegesrole' && req.method === 'POST') return changeRolePrivileges(r, role, true);
  if (/^microsoft\.dynamics\.crm\.retrieveroleprivilegesrole(\(\))?$/.test(lower) && req.method === 'GET')
    return retrieveRolePrivileges(r, role);
  if (lower === 'roleprivileges_association' && req.method === 'GET') {
    requirePrivilege(r, 'prvReadRole');
    const held = new Set(
      (role.parentrootroleid === role.roleid ? role : findRole(r, role.parentrootroleid)).privileges.map((p) => p.privilegeid),
    );
    return collectionReply(
      r,
      privilegeRows(r).filter((p) => held.has(p['privilegeid'] as string)),
      PRIVILEGES,
    );
  }
  return unknownSegment(r, sub);
}

/** An admin policy of the environment keeps the app out (Microsoft's exact message for 0x80095ffc is not published). */
function blockedByPolicy(req: RequestContext, appId: string): Reply {
  return dataverseError(
    req,
    403,
    '0x80095ffc',
    `Access denied by policy: the application ${appId} is blocked from this environment by an administrator policy.`,
  );
}

function unknownSegment(r: DataverseRequest, segment: string): Reply {
  return dataverseError(r.req, 404, '0x80060888', `Resource not found for the segment '${segment.split('/')[0]}'.`);
}

function notAllowed(r: DataverseRequest): Reply {
  return dataverseError(r.req, 405, '0x80060888', `The HTTP method '${r.req.method}' is not allowed for this resource.`);
}
