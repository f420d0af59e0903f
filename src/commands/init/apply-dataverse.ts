import type { DataverseApi } from '../../clients/dataverse.ts';
import type { RolePreset } from '../../roles/presets.ts';
import { createOrFind } from '../../steps/create-or-find.ts';
import { dataverseDoesNotKnowApp, whileReplicating } from '../../steps/replication.ts';
import { pollUntil, type PollWaiting } from '../../util/poll.ts';
import type { EnvironmentState, Outcome, RoleChoice } from './model.ts';

type Say = (message: string) => void;

export interface AppliedEnvironment {
  applicationUserId: string;
  businessUnitId: string;
  roles: Array<{ id: string; name: string }>;
}

/**
 * Creates or completes the preset's custom roles, then finds each role's copy in the application
 * user's business unit; needs nothing from Entra, so it starts first.
 */
export function prepareRoles(
  state: EnvironmentState,
  roleChoice: RoleChoice,
  outcome: Outcome,
  waiting: PollWaiting,
  say: Say,
): Promise<string[]> {
  const preset = roleChoice.kind === 'preset' && !roleChoice.preset.builtIn ? roleChoice.preset : undefined;
  const unitId = userUnit(state);
  return Promise.all(
    state.roles.map(async (role) => {
      const known = await prepareRole(state.dataverse, state, role, preset, outcome, say);
      return known ?? roleInUnit(state.dataverse, role.name, unitId, waiting);
    }),
  );
}

function userUnit(state: EnvironmentState): string {
  return state.appUser?._businessunitid_value ?? state.businessUnit.businessunitid;
}

/** The application user for the app, in one environment. */
export async function applicationUserFor(
  state: EnvironmentState,
  appId: string,
  outcome: Outcome,
  waiting: PollWaiting,
  say: Say,
): Promise<string> {
  const userId = await ensureApplicationUser(state.dataverse, state, appId, outcome, waiting);
  say(`Application user ${userId} in ${state.target.displayName}, business unit "${state.businessUnit.name}"`);
  return userId;
}

/** Gives the application user its roles (each business unit's own copy, from prepareRoles), in one environment. */
export async function assignRoles(
  state: EnvironmentState,
  userId: string,
  roleIds: string[],
  outcome: Outcome,
  say: Say,
): Promise<AppliedEnvironment> {
  const where = state.target.uniqueName;
  const roles = await Promise.all(
    state.roles.map(async (role, index) => {
      const id = roleIds[index]!;
      if (role.assigned) outcome.reused.push(`roleAssignment:${role.name}@${where}`);
      else {
        await state.dataverse.assignRole(userId, id);
        outcome.created.push(`roleAssignment:${role.name}@${where}`);
        say(`Security role "${role.name}" assigned`);
      }
      return { id, name: role.name };
    }),
  );
  return { applicationUserId: userId, businessUnitId: userUnit(state), roles };
}

async function ensureApplicationUser(
  dataverse: DataverseApi,
  state: EnvironmentState,
  appId: string,
  outcome: Outcome,
  waiting: PollWaiting,
): Promise<string> {
  const where = state.target.uniqueName;
  if (state.appUser) {
    outcome.reused.push(`applicationUser@${where}`);
    return state.appUser.systemuserid;
  }
  const find = async () => (await dataverse.findApplicationUser(appId))?.systemuserid;
  const create = () => createOrFind(() => dataverse.createApplicationUser(appId, state.businessUnit.businessunitid), find);
  const id = await whileReplicating(create, dataverseDoesNotKnowApp(appId), waiting, `Dataverse in ${where} to accept the new app`);
  outcome.created.push(`applicationUser@${where}`);
  return id;
}

/**
 * Creates the preset's custom role in the root business unit, or completes its privileges.
 * Returns the role's id in the application user's business unit when that is already known.
 */
async function prepareRole(
  dataverse: DataverseApi,
  state: EnvironmentState,
  role: EnvironmentState['roles'][number],
  preset: RolePreset | undefined,
  outcome: Outcome,
  say: Say,
): Promise<string | undefined> {
  const root = state.rootBusinessUnit.businessunitid;
  const inRoot = userUnit(state) === root;
  if (!preset) return role.id;
  const where = state.target.uniqueName;
  // Only the privileges the environment has (discovery found them); --skip-missing-tables let the rest go.
  const privileges = state.presetPrivileges;
  const leftOut = state.unavailablePrivileges.length ? ` (left out, no such tables: ${state.unavailablePrivileges.join(', ')})` : '';
  if (role.create) {
    const roleId = await createOrFind(
      () => dataverse.createRole(role.name, root),
      async () => (await dataverse.findRole(role.name, root))?.roleid,
    );
    await dataverse.addPrivilegesToRole(
      roleId,
      privileges.map((p) => ({ PrivilegeId: p.privilegeid, Depth: 'Global' as const })),
    );
    outcome.created.push(`securityRole:${role.name}@${where}`);
    say(`Security role "${role.name}" created in ${state.target.displayName} with ${privileges.length} privileges${leftOut}`);
    return inRoot ? roleId : undefined;
  }
  if (role.missingPrivileges.length === 0) {
    outcome.reused.push(`securityRole:${role.name}@${where}`);
    return role.id;
  }
  // Privileges belong to the root role; a business unit's copy inherits them.
  const rootId = inRoot ? role.id! : (await dataverse.findRole(role.name, root))!.roleid;
  const missing = privileges.filter((p) => role.missingPrivileges.includes(p.name));
  await dataverse.addPrivilegesToRole(
    rootId,
    missing.map((p) => ({ PrivilegeId: p.privilegeid, Depth: 'Global' as const })),
  );
  outcome.created.push(`securityRolePrivileges:${role.name}@${where}`);
  say(`Security role "${role.name}" completed with ${role.missingPrivileges.join(', ')}`);
  return role.id;
}

/** Each business unit has its own copy of a role; a child unit's copy appears shortly after. */
async function roleInUnit(dataverse: DataverseApi, name: string, unitId: string, waiting: PollWaiting): Promise<string> {
  return pollUntil(
    async () => {
      const role = await dataverse.findRole(name, unitId);
      return role ? { done: true, value: role.roleid } : { done: false, reason: `role "${name}" not yet in the business unit` };
    },
    { ...waiting, waitingFor: `the role "${name}" to reach the business unit` },
  );
}
