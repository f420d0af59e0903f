// The deterministic sandbox tenant: ids derive from names, so docs and tests can rely on them.
import { createHash } from 'node:crypto';
import { appManagementPolicy, tenantAppManagementPolicy } from './app-management-policies.ts';
import { newClientSecret, stableGuid } from './ids.ts';
import { privilegeCatalogue, standardRoles } from './privileges.ts';
import {
  USER_IMPERSONATION_SCOPE_ID,
  WELL_KNOWN_APP_IDS,
  type Application,
  type Dataverse,
  type EmulatorState,
  type Environment,
  type PermissionScope,
  type ServicePrincipal,
  type SystemUser,
  type User,
} from './state.ts';
import type { SeedApplication, SeedOptions } from './types.ts';

export const TENANT = {
  id: stableGuid('tenant:contoso-sandbox'),
  domain: 'contoso-sandbox.onmicrosoft.com',
  displayName: 'Contoso (dynauth sandbox)',
};

export const DEFAULT_ADMIN_GRAPH_SCOPES = ['Application.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'User.Read'];

export const AUTOMATION_GRAPH_ROLES = [
  'Application.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'DelegatedPermissionGrant.ReadWrite.All',
  'Organization.Read.All',
];

/** Graph permissions the emulator knows: value → [delegated scope id, application role id] (Microsoft's published ids). */
const GRAPH_PERMISSIONS: Record<string, [string, string | null]> = {
  'Application.Read.All': ['c79f8feb-a9db-4090-85f9-90d820caa0eb', '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30'],
  'Application.ReadWrite.All': ['bdfbf15f-ee85-4955-8675-146e8e5296b5', '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9'],
  'AppRoleAssignment.ReadWrite.All': ['84bccea3-f856-4a8a-967b-dbe0a3d53a64', '06b708a9-e830-4db3-a914-8e69da51d44f'],
  'DelegatedPermissionGrant.ReadWrite.All': ['41ce6ca6-6826-4807-84f1-1c82854f7ee5', '8e8e4742-1d95-4f68-9d56-6ee75648c72a'],
  'Directory.Read.All': ['06da0dbc-49e2-44d2-8312-53f166ab848a', '7ab1d382-f21e-4acd-a863-ba3e13f7da61'],
  'Directory.ReadWrite.All': ['c5366453-9fb0-48a5-a156-24f0c49a4b84', '19dbc75e-c2e2-444c-a770-ec69d8559fc7'],
  'Organization.Read.All': ['4908d5b9-3fb2-4b1e-9336-1888b7937185', '498476ce-e0fe-48b0-b801-37ba7e2685c6'],
  'Policy.Read.All': ['572fea84-0151-49b2-9301-11cb16974376', '246dd0d5-5bd0-4def-940b-0421030a5b68'],
  'User.Read': ['e1fe6dd8-ba31-4d61-89e7-88639da4683d', null],
  // OpenID Connect scopes: delegated only (learn.microsoft.com/graph/permissions-reference#openid).
  openid: ['37f7f235-527c-4136-accd-4a02d197296e', null],
  profile: ['14dad69e-099b-42c9-810b-d002981feec1', null],
  offline_access: ['7427e0e9-2fba-42fe-b0c0-848c9e6a8182', null],
  'User.Read.All': ['a154be20-db9c-4678-8ab7-66f6cc099a59', 'df021288-bdef-4463-88db-98f22de89214'],
};

export interface SeedResult {
  state: EmulatorState;
  admin: User;
  /** The account a delegated integration signs in as: not an admin, a user of every Dataverse environment. */
  integration: User;
  automation: { clientId: string; clientSecret: string };
}

export function seedState(options: SeedOptions, now: number): SeedResult {
  // Seeded objects are old enough that replication lag never applies to them.
  const seededAt = now - 86_400_000;
  const createdDateTime = new Date(seededAt).toISOString();
  const admin: User = {
    id: stableGuid('user:admin'),
    userPrincipalName: `admin@${TENANT.domain}`,
    displayName: 'Contoso Admin',
    mail: `admin@${TENANT.domain}`,
    delegatedScopes: {
      [WELL_KNOWN_APP_IDS.graph]: [
        ...(options.adminGraphScopes ?? DEFAULT_ADMIN_GRAPH_SCOPES),
        ...(options.adminReadsPolicies ? ['Policy.Read.All'] : []),
      ],
      [WELL_KNOWN_APP_IDS.dynamicsCrm]: ['user_impersonation'],
      [WELL_KNOWN_APP_IDS.powerAppsService]: ['user_impersonation'],
      [WELL_KNOWN_APP_IDS.keyVault]: ['user_impersonation'],
    },
  };
  const integration: User = {
    id: stableGuid('user:integration'),
    userPrincipalName: `integration@${TENANT.domain}`,
    displayName: 'Contoso Integration',
    mail: `integration@${TENANT.domain}`,
    delegatedScopes: {},
  };
  const state: EmulatorState = {
    tenant: { ...TENANT },
    users: [admin, integration],
    applications: [],
    servicePrincipals: [WELL_KNOWN_APP_IDS.graph, WELL_KNOWN_APP_IDS.dynamicsCrm, WELL_KNOWN_APP_IDS.powerAppsService]
      .filter((appId) => !(appId === WELL_KNOWN_APP_IDS.dynamicsCrm && options.withoutDynamicsCrmServicePrincipal))
      .map((appId) => firstPartyServicePrincipal(appId, seededAt)!),
    oauth2PermissionGrants: [],
    appRoleGrants: [],
    powerPlatformManagementApps: [],
    environments: [],
    policies: {
      conditionalAccessBlockedApps: [],
      tenantsInOtherClouds: (options.tenantsInOtherClouds ?? []).map((t) => t.toLowerCase()),
      defaultAppManagement: tenantAppManagementPolicy(options.defaultAppManagementPolicy),
      appManagement: [],
    },
  };

  const automationSecret = newClientSecret();
  const automation = addApplication(
    state,
    {
      displayName: 'Contoso automation (sandbox)',
      appId: stableGuid('application:automation'),
      secret: { value: automationSecret, endDateTime: new Date(now + 730 * 86_400_000).toISOString() },
    },
    seededAt,
  );
  const automationSp = findSp(state, automation.appId);
  for (const value of AUTOMATION_GRAPH_ROLES) {
    state.appRoleGrants.push({ principalId: automationSp.id, resourceAppId: WELL_KNOWN_APP_IDS.graph, value });
  }
  state.powerPlatformManagementApps.push(automation.appId);
  const extras = (options.applications ?? []).map((seed) => ({ seed, app: addApplication(state, seed, seededAt) }));
  for (const { seed, app } of extras) if (seed.blockedByConditionalAccess) state.policies.conditionalAccessBlockedApps.push(app.appId);
  for (const { seed, app } of extras)
    if (seed.appManagementPolicy) state.policies.appManagement.push(appManagementPolicy(seed.appManagementPolicy, [app.id]));

  const environments: Array<Pick<Environment, 'uniqueName' | 'displayName' | 'sku' | 'isDefault'> & { dataverse: boolean }> = [
    { uniqueName: 'contososales', displayName: 'Contoso Sales', sku: 'Production', isDefault: false, dataverse: true },
    { uniqueName: 'contosodev', displayName: 'Contoso Dev', sku: 'Sandbox', isDefault: false, dataverse: true },
    { uniqueName: 'contosodefault', displayName: 'Contoso (default)', sku: 'Default', isDefault: true, dataverse: false },
  ];
  for (const env of environments) {
    state.environments.push({
      id: env.isDefault ? `Default-${TENANT.id}` : stableGuid(`environment:${env.uniqueName}`),
      uniqueName: env.uniqueName,
      displayName: options.names?.[env.uniqueName]?.environment ?? env.displayName,
      sku: env.sku,
      isDefault: env.isDefault,
      location: 'unitedstates',
      azureRegion: 'westus',
      createdTime: createdDateTime,
      url: undefined,
      dataverse: env.dataverse ? seedDataverse(env.uniqueName, options, { admin, integration }, automation, seededAt) : undefined,
    });
    const dataverse = state.environments.at(-1)!.dataverse;
    if (dataverse)
      dataverse.blockedAppIds = blockedAppIds(
        env.uniqueName,
        options,
        extras.map((e) => ({ ...e.seed, appId: e.app.appId })),
      );
  }
  return { state, admin, integration, automation: { clientId: automation.appId, clientSecret: automationSecret } };
}

function seedDataverse(
  uniqueName: string,
  options: SeedOptions,
  people: { admin: User; integration: User },
  automation: Application,
  seededAt: number,
): Dataverse {
  const { admin } = people;
  const rootId = stableGuid(`businessunit:${uniqueName}:root`);
  const childId = stableGuid(`businessunit:${uniqueName}:Contoso Support`);
  const withDynamicsApps = !options.withoutDynamicsApps?.includes(uniqueName);
  const catalogue = privilegeCatalogue({ withDynamicsApps });
  const dataverse: Dataverse = {
    organizationId: stableGuid(`organization:${uniqueName}`),
    version: '9.2.25041.00185',
    businessUnits: [
      { businessunitid: rootId, name: options.names?.[uniqueName]?.rootBusinessUnit ?? uniqueName, parentbusinessunitid: null },
      { businessunitid: childId, name: 'Contoso Support', parentbusinessunitid: rootId },
    ],
    roles: [],
    privileges: catalogue,
    systemusers: [],
    teams: [],
    tables: seedTables(uniqueName, withDynamicsApps),
    blockedAppIds: [],
    privilegeRowsWithoutNames:
      options.privilegeRowsWithoutNames === true || Boolean(options.privilegeRowsWithoutNames?.includes(uniqueName)),
    teamPrivilegesFunction: options.teamPrivilegesFunction?.[uniqueName] ?? 'available',
  };
  for (const template of standardRoles(catalogue)) {
    const rootRoleId = stableGuid(`role:${uniqueName}:${rootId}:${template.name}`);
    for (const bu of dataverse.businessUnits) {
      const roleid = bu.businessunitid === rootId ? rootRoleId : stableGuid(`role:${uniqueName}:${bu.businessunitid}:${template.name}`);
      dataverse.roles.push({
        roleid,
        name: template.name,
        businessunitid: bu.businessunitid,
        parentrootroleid: rootRoleId,
        ismanaged: true,
        privileges: roleid === rootRoleId ? template.privileges : [],
      });
    }
  }
  const rootRole = (name: string): string => stableGuid(`role:${uniqueName}:${rootId}:${name}`);
  if (options.adminSystemAdministratorThroughTeamIn?.includes(uniqueName) && !options.adminNotUserIn?.includes(uniqueName)) {
    // The enterprise setup: a member of an Entra group team has a user of their own (made on first
    // sign-in) with no roles; the team carries the role (learn.microsoft.com/power-platform/admin/manage-group-teams).
    const user = personUser(uniqueName, admin, rootId, [], seededAt);
    dataverse.systemusers.push(user);
    dataverse.teams.push({
      teamid: stableGuid(`team:${uniqueName}:Dataverse admins`),
      name: 'Dataverse admins',
      businessunitid: rootId,
      teamtype: 2,
      azureactivedirectoryobjectid: stableGuid('group:Dataverse admins'),
      roleIds: [rootRole('System Administrator')],
      memberIds: [user.systemuserid],
    });
  } else if (!options.adminNotUserIn?.includes(uniqueName)) {
    const isSysAdmin = !options.adminNotSystemAdministratorIn?.includes(uniqueName);
    dataverse.systemusers.push(
      personUser(uniqueName, admin, rootId, [rootRole(isSysAdmin ? 'System Administrator' : 'Basic User')], seededAt),
    );
  }
  dataverse.systemusers.push(applicationUser(uniqueName, automation, rootId, [rootRole('System Administrator')], seededAt));
  // The integration account a delegated product signs in as: a licensed user with a working role, not an admin.
  const integrationRole = withDynamicsApps ? 'Customer Service Representative' : 'Basic User';
  dataverse.systemusers.push(personUser(uniqueName, people.integration, rootId, [rootRole(integrationRole)], seededAt));
  return dataverse;
}

function blockedAppIds(uniqueName: string, options: SeedOptions, apps: Array<SeedApplication & { appId: string }>): string[] {
  const perApp = apps.filter((a) => a.blockedInDataverse === true || a.blockedInDataverse?.includes(uniqueName)).map((a) => a.appId);
  return [...new Set([...(options.dataverseBlockedApps ?? []).map((id) => id.toLowerCase()), ...perApp])];
}

export function applicationUser(
  uniqueName: string,
  app: Pick<Application, 'appId' | 'displayName'>,
  businessunitid: string,
  roleIds: string[],
  createdAt: number,
  id?: string,
): SystemUser {
  return {
    systemuserid: id ?? stableGuid(`systemuser:${uniqueName}:app:${app.appId}`),
    fullname: `# ${app.displayName}`,
    domainname: `${app.appId}@${TENANT.domain}`,
    internalemailaddress: `${app.appId}@${TENANT.domain}`,
    applicationid: app.appId,
    azureactivedirectoryobjectid: null,
    businessunitid,
    isdisabled: false,
    accessmode: 4,
    roleIds,
    createdAt,
    visibleAt: createdAt,
  };
}

function personUser(uniqueName: string, user: User, businessunitid: string, roleIds: string[], createdAt: number): SystemUser {
  return {
    systemuserid: stableGuid(`systemuser:${uniqueName}:user:${user.id}`),
    fullname: user.displayName,
    domainname: user.userPrincipalName,
    internalemailaddress: user.mail,
    applicationid: null,
    azureactivedirectoryobjectid: user.id,
    businessunitid,
    isdisabled: false,
    accessmode: 0,
    roleIds,
    createdAt,
    visibleAt: createdAt,
  };
}

function seedTables(uniqueName: string, withDynamicsApps: boolean): Record<string, Array<Record<string, unknown>>> {
  const id = (name: string): string => stableGuid(`row:${uniqueName}:${name}`);
  return {
    accounts: [
      { accountid: id('account:fabrikam'), name: 'Fabrikam, Inc.', accountnumber: 'ACC-0001', telephone1: '+1 425 555 0100' },
      { accountid: id('account:adatum'), name: 'Adatum Corporation', accountnumber: 'ACC-0002', telephone1: '+1 425 555 0101' },
    ],
    contacts: [{ contactid: id('contact:yvonne'), fullname: 'Yvonne McKay', emailaddress1: 'yvonne@fabrikam.example' }],
    ...(withDynamicsApps
      ? {
          incidents: [{ incidentid: id('incident:1'), title: 'Printer offline', ticketnumber: 'CAS-01001', statecode: 0 }],
          leads: [
            { leadid: id('lead:contoso-coffee'), subject: 'Coffee machines for 40 offices', companyname: 'Contoso Coffee', statecode: 0 },
          ],
        }
      : {}),
    activitypointers: [],
  };
}

function addApplication(state: EmulatorState, seed: SeedApplication, seededAt: number): Application {
  const appId = (seed.appId ?? stableGuid(`application:${seed.displayName}`)).toLowerCase();
  const createdDateTime = new Date(seededAt).toISOString();
  const app: Application = {
    id: stableGuid(`application-object:${appId}`),
    appId,
    displayName: seed.displayName,
    signInAudience: 'AzureADMyOrg',
    createdDateTime,
    createdAt: seededAt,
    visibleAt: seededAt,
    requiredResourceAccess: [],
    web: { redirectUris: [] },
    publicClient: { redirectUris: [] },
    spa: { redirectUris: [] },
    isFallbackPublicClient: seed.isFallbackPublicClient ?? null,
    identifierUris: [],
    passwordCredentials: [],
    keyCredentials: [],
  };
  if (seed.secret) {
    const start = seed.secret.startDateTime ?? createdDateTime;
    app.passwordCredentials.push({
      keyId: stableGuid(`password:${appId}:${seed.secret.value.length}:${start}`),
      displayName: 'seeded secret',
      hint: seed.secret.value.slice(0, 3),
      startDateTime: start,
      endDateTime: seed.secret.endDateTime ?? new Date(Date.parse(start) + 730 * 86_400_000).toISOString(),
      secretHash: hashSecret(seed.secret.value),
      createdAt: seededAt,
      visibleAt: seededAt,
    });
  }
  state.applications.push(app);
  if (!seed.withoutServicePrincipal) {
    state.servicePrincipals.push({
      id: stableGuid(`service-principal:${appId}`),
      appId,
      displayName: seed.displayName,
      accountEnabled: !seed.disabled,
      servicePrincipalType: 'Application',
      appOwnerOrganizationId: TENANT.id,
      servicePrincipalNames: [appId],
      oauth2PermissionScopes: [],
      appRoles: [],
      createdAt: seededAt,
      visibleAt: seededAt,
    });
  }
  return app;
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function findSp(state: EmulatorState, appId: string): ServicePrincipal {
  const sp = state.servicePrincipals.find((s) => s.appId === appId);
  if (!sp) throw new Error(`seed: no service principal for ${appId}`);
  return sp;
}

/** Microsoft's own service principals, as they appear in a tenant; undefined for any other appId. */
export function firstPartyServicePrincipal(appId: string, createdAt: number): ServicePrincipal | undefined {
  switch (appId) {
    case WELL_KNOWN_APP_IDS.graph:
      return microsoftServicePrincipal(WELL_KNOWN_APP_IDS.graph, 'Microsoft Graph', graphScopes(), graphAppRoles(), createdAt);
    case WELL_KNOWN_APP_IDS.dynamicsCrm:
      return microsoftServicePrincipal(WELL_KNOWN_APP_IDS.dynamicsCrm, 'Dynamics CRM', [crmUserImpersonation()], [], createdAt);
    case WELL_KNOWN_APP_IDS.powerAppsService:
      return microsoftServicePrincipal(
        WELL_KNOWN_APP_IDS.powerAppsService,
        'PowerApps Service',
        [scope(stableGuid('scope:powerapps:user_impersonation'), 'user_impersonation', 'Access the PowerApps Service API')],
        [],
        createdAt,
      );
    default:
      return undefined;
  }
}

function microsoftServicePrincipal(
  appId: string,
  displayName: string,
  scopes: PermissionScope[],
  appRoles: ServicePrincipal['appRoles'],
  createdAt: number,
): ServicePrincipal {
  return {
    id: stableGuid(`service-principal:${appId}`),
    appId,
    displayName,
    accountEnabled: true,
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a', // Microsoft Services' tenant
    servicePrincipalNames: [appId],
    oauth2PermissionScopes: scopes,
    appRoles,
    createdAt,
    visibleAt: createdAt,
  };
}

function scope(id: string, value: string, description: string): PermissionScope {
  return { id, value, type: 'User', adminConsentDisplayName: description, adminConsentDescription: description, isEnabled: true };
}

function crmUserImpersonation(): PermissionScope {
  return scope(USER_IMPERSONATION_SCOPE_ID, 'user_impersonation', 'Access Common Data Service as organization users');
}

function graphScopes(): PermissionScope[] {
  return Object.entries(GRAPH_PERMISSIONS).map(([value, [id]]) => scope(id, value, value));
}

function graphAppRoles(): ServicePrincipal['appRoles'] {
  return Object.entries(GRAPH_PERMISSIONS).flatMap(([value, [, id]]) =>
    id ? [{ id, value, displayName: value, allowedMemberTypes: ['Application'], isEnabled: true }] : [],
  );
}
