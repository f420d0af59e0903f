import { AuthError, UsageError } from '../../cli/errors.ts';
import { ApiError } from '../../clients/api-error.ts';
import type { DataverseApi, UserPrivilege } from '../../clients/dataverse.ts';
import type { Application, GraphApi } from '../../clients/graph.ts';
import { DYNAMICS_CRM_APP_ID, MICROSOFT_GRAPH_APP_ID } from '../../microsoft.ts';
import { readAppPolicies, readTenantPolicy } from '../../steps/credential-policy.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';
import type { StoredCredential } from '../../connection/credential.ts';
import type { Discovery, EnvironmentState, InitAnswers, RoleState } from './model.ts';

export type StoredCredentialLookup = (profile: string, app: Application) => Promise<StoredCredential | undefined>;
/** An app an interrupted run made moments ago, which Graph's lists may not show yet (see recent-app.ts). */
export type RecentAppLookup = (appName: string) => Promise<Application | undefined>;

/**
 * Finds, with read calls only, everything a previous run (or an admin by hand) already made.
 * The Entra side and each environment are read side by side.
 */
export async function discover(
  session: AdminSession,
  answers: InitAnswers,
  lookupCredential: StoredCredentialLookup,
  recentApp: RecentAppLookup = async () => undefined,
): Promise<Discovery> {
  // What may cap or forbid a new client secret, read beside the rest (Graph may refuse: then unknown).
  const delegated = answers.flow === 'delegated';
  const keyless = answers.delegated?.publicClient === true;
  const secretPolicy = answers.credential === 'secret' && !keyless ? readTenantPolicy(session.graph) : undefined;
  secretPolicy?.catch(() => {}); // awaited with the app below
  const entra = (async () => {
    const [app, crm, graph] = await Promise.all([
      answers.appId ? session.graph.findApplicationByAppId(answers.appId) : findApp(session.graph, answers.appName, recentApp),
      session.graph.findServicePrincipal(DYNAMICS_CRM_APP_ID),
      delegated ? session.graph.findServicePrincipal(MICROSOFT_GRAPH_APP_ID) : undefined,
    ]);
    if (answers.appId && !app) {
      throw new UsageError(`The app of this profile (client id ${answers.appId}) no longer exists in the tenant.`, {
        hint: 'Run dynauth init without --add-environment to set up a new one.',
      });
    }
    const [servicePrincipal, credential, appPolicies] = await Promise.all([
      app ? session.graph.findServicePrincipal(app.appId) : undefined,
      app && !keyless ? firstStoredCredential(answers, app, lookupCredential) : undefined,
      app && secretPolicy ? readAppPolicies(session.graph, app.id) : undefined,
    ]);
    const [grant, graphGrant] = await Promise.all([
      servicePrincipal && crm ? session.graph.findPermissionGrant(servicePrincipal.id, crm.id) : undefined,
      servicePrincipal && graph ? session.graph.findPermissionGrant(servicePrincipal.id, graph.id) : undefined,
    ]);
    const policies = secretPolicy ? { tenant: await secretPolicy, app: appPolicies } : undefined;
    return { app, crm, servicePrincipal, credential, grant, policies, ...(delegated ? { graph, graphGrant } : {}) };
  })();
  const appId = entra.then((found) => found.app?.appId);
  appId.catch(() => {}); // the failure is reported through `entra`
  const [found, environments] = await Promise.all([
    entra,
    // A delegated setup makes nothing in Dataverse: the integration account is checked once signed in.
    delegated ? [] : Promise.all(answers.targets.map((target) => discoverEnvironment(session, answers, target, appId))),
  ]);
  return { ...found, environments };
}

async function findApp(graph: GraphApi, displayName: string, recentApp: RecentAppLookup): Promise<Application | undefined> {
  const apps = await graph.findApplications(displayName);
  if (apps.length === 0) return recentApp(displayName);
  if (apps.length > 1) {
    throw new UsageError(`${apps.length} app registrations are named "${displayName}"; dynauth will not guess which one to use.`, {
      hint: `Pick another --app-name, or delete the extra ones (app ids: ${apps.map((a) => a.appId).join(', ')}).`,
    });
  }
  return apps[0];
}

async function firstStoredCredential(
  answers: InitAnswers,
  app: Application,
  lookup: StoredCredentialLookup,
): Promise<StoredCredential | undefined> {
  for (const target of answers.targets) {
    const stored = await lookup(target.profile, app);
    if (stored) return stored;
  }
  return undefined;
}

async function discoverEnvironment(
  session: AdminSession,
  answers: InitAnswers,
  target: InitAnswers['targets'][number],
  appIdFound: Promise<string | undefined>,
): Promise<EnvironmentState> {
  const dataverse = session.dataverse(target.url);
  const rightsChecked = assertAdminMayProvision(dataverse, target.displayName);
  rightsChecked.catch(() => {}); // awaited below, after the reads that run beside it
  // A plain Dataverse environment (no Dynamics 365 apps) lacks some tables, so some privileges.
  const preset = customPreset(answers);
  const presetLookup = preset ? dataverse.findPrivileges(preset.privileges) : Promise.resolve([]);
  presetLookup.catch(() => {});
  const [rootBusinessUnit, namedUnit] = await Promise.all([
    dataverse.rootBusinessUnit(),
    answers.businessUnit ? dataverse.findBusinessUnit(answers.businessUnit) : undefined,
  ]);
  const businessUnit = answers.businessUnit ? namedUnit : rootBusinessUnit;
  if (!businessUnit) {
    await rightsChecked;
    const known = await dataverse.listBusinessUnits();
    throw new UsageError(`No business unit "${answers.businessUnit}" in ${target.displayName}.`, {
      hint: `Business units: ${known.map((unit) => unit.name).join(', ')}.`,
    });
  }
  // Roles are looked up in the chosen unit while the application user is looked up; an existing
  // user in another unit (it is never moved) needs that unit's copies instead.
  const lookup = (unitId: string) => lookupRoles(dataverse, answers, target, unitId);
  const inChosenUnit = lookup(businessUnit.businessunitid);
  inChosenUnit.catch(() => {});
  const appUser = await appIdFound.then((appId) => (appId ? dataverse.findApplicationUser(appId) : undefined));
  const userUnit = appUser?._businessunitid_value ?? businessUnit.businessunitid;
  await rightsChecked;
  const found = userUnit === businessUnit.businessunitid ? await inChosenUnit : await lookup(userUnit);
  const existing = await presetLookup;
  const presetPrivileges = (preset?.privileges ?? []).flatMap((name) =>
    existing.filter((p) => p.name.toLowerCase() === name.toLowerCase()).map((p) => ({ privilegeid: p.privilegeid, name })),
  );
  const available = new Set(presetPrivileges.map((p) => p.name));
  const unavailablePrivileges = (preset?.privileges ?? []).filter((name) => !available.has(name));
  const assigned = new Set((appUser?.systemuserroles_association ?? []).map((role) => role.roleid));
  const roles = found.map((role) => ({
    ...role,
    // A role is completed only with privileges the environment has.
    missingPrivileges: role.missingPrivileges.filter((name) => available.has(name)),
    assigned: role.id ? assigned.has(role.id) : false,
  }));
  return { target, dataverse, rootBusinessUnit, businessUnit, appUser, roles, presetPrivileges, unavailablePrivileges };
}

function customPreset(answers: InitAnswers) {
  return answers.roleChoice.kind === 'preset' && !answers.roleChoice.preset.builtIn ? answers.roleChoice.preset : undefined;
}

async function lookupRoles(
  dataverse: DataverseApi,
  answers: InitAnswers,
  target: InitAnswers['targets'][number],
  unitId: string,
): Promise<RoleState[]> {
  const custom = customPreset(answers);
  const names = answers.roleChoice.kind === 'preset' ? [answers.roleChoice.preset.roleName] : answers.roleChoice.names;
  return Promise.all(
    names.map(async (name): Promise<RoleState> => {
      const role = await dataverse.findRole(name, unitId);
      if (!role && !custom) {
        const existing = await dataverse.listRoles(unitId);
        throw new UsageError(`No security role "${name}" in ${target.displayName}.`, {
          hint: `Roles there: ${existing.map((r) => r.name).join(', ')}.`,
        });
      }
      const present = role && custom ? new Set(await dataverse.rolePrivilegeNames(role.roleid)) : undefined;
      return {
        name,
        id: role?.roleid,
        create: !role,
        missingPrivileges: custom ? custom.privileges.filter((p) => !present?.has(p)) : [],
        assigned: false,
      };
    }),
  );
}

const PROVISIONING_PRIVILEGES = ['prvCreateUser', 'prvReadUser', 'prvAssignRole', 'prvReadRole', 'prvCreateRole'];

/**
 * Checks the admin's own Dataverse privileges before anything is created anywhere: those of their
 * own roles and those held through teams (an Entra group team is the usual way to be System
 * Administrator), which RetrieveUserPrivileges leaves out.
 */
async function assertAdminMayProvision(dataverse: DataverseApi, where: string): Promise<void> {
  const me = await dataverse.whoAmI();
  const throughTeams = throughTeamsOrUnknown(dataverse, me.UserId);
  const direct = await dataverse.retrieveUserPrivileges(me.UserId);
  const lacking = (held: UserPrivilege[]) => {
    const names = new Set(held.map((p) => p.PrivilegeName));
    return PROVISIONING_PRIVILEGES.filter((name) => !names.has(name));
  };
  if (!lacking(direct).length) return;
  const teams = await throughTeams;
  // Unknown: the run goes on, and a write Dataverse refuses is reported as the missing privilege it names.
  if (teams === undefined) return;
  const missing = lacking([...direct, ...teams]);
  if (missing.length) {
    throw new AuthError(`Your account may not create application users and roles in ${where} (missing ${missing.join(', ')}).`, {
      hint: 'Sign in as a user with the System Administrator security role in that environment.',
      code: 'dataverse-missing-privilege',
    });
  }
}

/**
 * The privileges held through teams; undefined when the org will not say (an older org without
 * the function answers 404, a refusing one 403 or 400): the pre-check then cannot decide.
 */
async function throughTeamsOrUnknown(dataverse: DataverseApi, userId: string): Promise<UserPrivilege[] | undefined> {
  const settled = dataverse.retrieveTeamPrivileges(userId).then(
    (rows) => rows,
    (error: unknown) => {
      if (error instanceof ApiError && [400, 403, 404].includes(error.status)) return undefined;
      throw error;
    },
  );
  settled.catch(() => {}); // awaited only when the direct privileges do not suffice
  return settled;
}
