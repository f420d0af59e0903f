// Dataverse teams: the teams table with its role and member associations, and the privileges a
// user holds through them (RetrieveUsersPrivilegesThroughTeams).
import type { Reply } from '../http.ts';
import { isGuid } from '../ids.ts';
import { teamPrivileges, type Role, type Team } from '../state.ts';
import { findUser, roleRow, rolePrivilegesReply, ROLES, userRow } from './dataverse-security.ts';
import {
  collectionReply,
  doesNotExist,
  dvFail,
  entityReply,
  etag,
  requirePrivilege,
  type CollectionOptions,
  type DataverseRequest,
} from './dataverse-shared.ts';

const FUNCTION = /^(?:Microsoft\.Dynamics\.CRM\.)?RetrieveUsersPrivilegesThroughTeams\((.*)\)$/i;

function teamsOptions(r: DataverseRequest): CollectionOptions {
  return {
    entitySet: 'teams',
    entityType: 'team',
    aliases: { businessunitid: '_businessunitid_value' },
    expand: (row, name, select) => {
      const team = r.dv.teams.find((t) => t.teamid === row['teamid']);
      if (!team) return undefined;
      const pick = (fields: Record<string, unknown>) => pickFields(fields, select);
      if (name.toLowerCase() === 'teamroles_association') return rolesOf(r, team).map((role) => pick(roleRow(role)));
      if (name.toLowerCase() === 'teammembership_association') {
        return team.memberIds.flatMap((id) => r.dv.systemusers.filter((u) => u.systemuserid === id).map((u) => pick(userRow(u))));
      }
      return undefined;
    },
  };
}

function pickFields(row: Record<string, unknown>, select: string | undefined): Record<string, unknown> {
  if (!select) return row;
  const fields = select.split(',').map((f) => f.trim().toLowerCase());
  return Object.fromEntries(Object.entries(row).filter(([k]) => k === '@odata.etag' || fields.includes(k.toLowerCase())));
}

function teamRow(team: Team): Record<string, unknown> {
  return {
    '@odata.etag': etag(),
    teamid: team.teamid,
    name: team.name,
    teamtype: team.teamtype,
    azureactivedirectoryobjectid: team.azureactivedirectoryobjectid,
    _businessunitid_value: team.businessunitid,
  };
}

function rolesOf(r: DataverseRequest, team: Team): Role[] {
  return team.roleIds.flatMap((id) => r.dv.roles.filter((role) => role.roleid === id));
}

/** GET teams, teams(<id>), teams(<id>)/teamroles_association, teams(<id>)/teammembership_association. */
export function teams(r: DataverseRequest, id: string | undefined, sub: string | undefined): Reply {
  if (r.req.method !== 'GET') {
    dvFail(r.req, 405, '0x80060888', `The HTTP method '${r.req.method}' is not allowed for this resource.`);
  }
  requirePrivilege(r, 'prvReadTeam');
  const options = teamsOptions(r);
  if (!id) return collectionReply(r, r.dv.teams.map(teamRow), options);
  const team = r.dv.teams.find((t) => t.teamid === id.toLowerCase());
  if (!team) doesNotExist(r.req, 'team', id);
  if (!sub) return entityReply(r, teamRow(team), options);
  switch (sub.toLowerCase()) {
    case 'teamroles_association':
      requirePrivilege(r, 'prvReadRole');
      return collectionReply(r, rolesOf(r, team).map(roleRow), ROLES);
    case 'teammembership_association':
      requirePrivilege(r, 'prvReadUser');
      return collectionReply(
        r,
        team.memberIds.flatMap((m) => r.dv.systemusers.filter((u) => u.systemuserid === m).map(userRow)),
        {
          entitySet: 'systemusers',
          entityType: 'systemuser',
        },
      );
    default:
      return dvFail(r.req, 404, '0x80060888', `Resource not found for the segment '${sub.split('/')[0]}'.`);
  }
}

/** The path is the unbound function RetrieveUsersPrivilegesThroughTeams(UserId=…). */
export function isTeamPrivilegesFunction(path: string): boolean {
  return FUNCTION.test(path);
}

/**
 * RetrieveUsersPrivilegesThroughTeams(UserId=<guid>) → {RolePrivileges:[…]}: only what the user's
 * teams' roles grant (learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/retrieveusersprivilegesthroughteamsresponse).
 * An org without the function answers 404 like any unknown segment; a refusing one 403 (both modelled
 * by seed option, for the client's fallback).
 */
export function retrieveUsersPrivilegesThroughTeams(r: DataverseRequest, path: string): Reply {
  if (r.dv.teamPrivilegesFunction === 'unknown') {
    dvFail(r.req, 404, '0x80060888', "Resource not found for the segment 'RetrieveUsersPrivilegesThroughTeams'.");
  }
  if (r.req.method !== 'GET') dvFail(r.req, 405, '0x80060888', `The HTTP method '${r.req.method}' is not allowed for this resource.`);
  const args = FUNCTION.exec(path)?.[1] ?? '';
  const raw = /^\s*UserId\s*=\s*([^,]+?)\s*$/i.exec(args)?.[1];
  // Parameter aliases (UserId=@p1 with @p1=<guid> in the query) are OData's other form.
  const value = raw?.startsWith('@') ? r.req.query[raw] : raw;
  if (!value || !isGuid(value)) {
    dvFail(
      r.req,
      400,
      '0x80060888',
      `Bad Request - Error in query syntax: the function parameter 'UserId' must be a Guid literal, not '${raw ?? ''}'.`,
    );
  }
  const user = findUser(r, value);
  if (r.dv.teamPrivilegesFunction === 'forbidden') {
    const privilege = r.dv.privileges.find((p) => p.name === 'prvReadTeam')!;
    dvFail(
      r.req,
      403,
      '0x80040220',
      `Principal user (Id=${r.caller.systemuserid}, type=8), is missing prvReadTeam privilege (Id=${privilege.privilegeid}) on OTC=9 for entity 'team'. context.Caller=${r.caller.systemuserid}`,
    );
  }
  // Assumption (unconfirmed), as for RetrieveUserPrivileges: oneself always, anyone else with prvReadUser.
  if (r.ctx.strictSelfPrivileges || user.systemuserid !== r.caller.systemuserid) requirePrivilege(r, 'prvReadUser');
  const entries = [...teamPrivileges(r.dv, user)].map(([privilegeid, depth]) => ({ privilegeid, depth }));
  return rolePrivilegesReply(r, { businessunitid: user.businessunitid } as Role, entries, 'RetrieveUsersPrivilegesThroughTeamsResponse');
}
