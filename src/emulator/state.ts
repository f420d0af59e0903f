// The emulated cloud's data. Plain objects so tests can read them directly (emulator.state).

export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  hint: string;
  startDateTime: string;
  endDateTime: string;
  /** SHA-256 of the secret value; the value itself is never stored. */
  secretHash: string;
  /** When Entra accepted it (ms since epoch). */
  createdAt: number;
  /** When it becomes visible to reads, sign-ins and dependent writes (ms since epoch): replication lag. */
  visibleAt: number;
}

export interface KeyCredential {
  keyId: string;
  type: string;
  usage: string;
  /** Base64 DER of the public certificate. */
  key: string;
  displayName: string | null;
  startDateTime: string;
  endDateTime: string;
  customKeyIdentifier: string | null;
  /** When it becomes visible to reads, sign-ins and dependent writes (ms since epoch): replication lag. */
  visibleAt: number;
}

/**
 * A federated identity credential on an application: tokens from `issuer` about `subject`, with an
 * audience among `audiences`, sign the app in (learn.microsoft.com/graph/api/resources/federatedidentitycredential).
 */
export interface FederatedIdentityCredential {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description: string | null;
  /** When sign-ins start to accept it (ms since epoch): replication lag. */
  visibleAt: number;
}

export interface RequiredResourceAccess {
  resourceAppId: string;
  resourceAccess: Array<{ id: string; type: string }>;
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: string;
  createdDateTime: string;
  createdAt: number;
  requiredResourceAccess: RequiredResourceAccess[];
  web: { redirectUris: string[] };
  publicClient: { redirectUris: string[] };
  spa: { redirectUris: string[] };
  isFallbackPublicClient: boolean | null;
  identifierUris: string[];
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  /** Absent on apps that never had one. */
  federatedIdentityCredentials?: FederatedIdentityCredential[];
  /** When it becomes visible to reads, sign-ins and dependent writes (ms since epoch): replication lag. */
  visibleAt: number;
}

export interface PermissionScope {
  id: string;
  value: string;
  type: 'User' | 'Admin';
  adminConsentDisplayName: string;
  adminConsentDescription: string;
  isEnabled: boolean;
}

export interface AppRole {
  id: string;
  value: string;
  displayName: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  servicePrincipalType: string;
  appOwnerOrganizationId: string;
  servicePrincipalNames: string[];
  oauth2PermissionScopes: PermissionScope[];
  appRoles: AppRole[];
  createdAt: number;
  /** When it becomes visible to reads, sign-ins and dependent writes (ms since epoch): replication lag. */
  visibleAt: number;
}

export interface OAuth2PermissionGrant {
  id: string;
  clientId: string;
  consentType: 'AllPrincipals' | 'Principal';
  principalId: string | null;
  resourceId: string;
  scope: string;
}

/** An application permission (app role) granted to a service principal, by value. */
export interface AppRoleGrant {
  principalId: string;
  resourceAppId: string;
  value: string;
}

export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail: string;
  /** Delegated scopes the user has consented to through first-party public clients, by resource appId. */
  delegatedScopes: Record<string, string[]>;
  /** Graph's signInSessionsValidFromDateTime (ms): refresh tokens issued before it are revoked (revokeSignInSessions). */
  signInSessionsValidFrom?: number;
  /** When the password last changed (ms): public-client refresh tokens issued before it are revoked. */
  passwordChangedAt?: number;
  /** A Conditional Access policy demands MFA of this user: 'required' (registered) or 'unregistered' (must enrol first). */
  mfa?: 'required' | 'unregistered';
}

export interface BusinessUnit {
  businessunitid: string;
  name: string;
  parentbusinessunitid: string | null;
}

export interface Privilege {
  privilegeid: string;
  name: string;
  accessright: number;
  /** Entity the privilege applies to, when any (used in missing-privilege messages). */
  entity: { logicalName: string; objectTypeCode: number } | null;
}

/** Depth: Basic 0, Local 1, Deep 2, Global 3. */
export interface RolePrivilege {
  privilegeid: string;
  depth: number;
}

export interface Role {
  roleid: string;
  name: string;
  businessunitid: string;
  /** The root-business-unit role this copy inherits from (itself for a root role). */
  parentrootroleid: string;
  ismanaged: boolean;
  /** Only meaningful on root roles: copies read their root's privileges. */
  privileges: RolePrivilege[];
}

export interface SystemUser {
  systemuserid: string;
  fullname: string;
  domainname: string;
  internalemailaddress: string | null;
  applicationid: string | null;
  azureactivedirectoryobjectid: string | null;
  businessunitid: string;
  isdisabled: boolean;
  /** systemuser.islicensed; absent means licensed (application users need none). */
  islicensed?: boolean;
  /** 0 read-write (people), 4 non-interactive (application users). */
  accessmode: number;
  roleIds: string[];
  createdAt: number;
  /** When it becomes visible to reads, sign-ins and dependent writes (ms since epoch): replication lag. */
  visibleAt: number;
}

/**
 * A Dataverse team; its roles' privileges reach every member
 * (learn.microsoft.com/power-platform/admin/manage-group-teams). teamtype: 0 Owner, 1 Access,
 * 2 Microsoft Entra security group, 3 Microsoft Entra Office group.
 */
export interface Team {
  teamid: string;
  name: string;
  businessunitid: string;
  teamtype: number;
  azureactivedirectoryobjectid: string | null;
  roleIds: string[];
  memberIds: string[];
}

export interface TableRow {
  [column: string]: unknown;
}

export interface Dataverse {
  organizationId: string;
  version: string;
  businessUnits: BusinessUnit[];
  roles: Role[];
  privileges: Privilege[];
  systemusers: SystemUser[];
  teams: Team[];
  tables: Record<string, TableRow[]>;
  /** RolePrivilege rows carry only PrivilegeId, Depth and BusinessUnitId, as older responses do. */
  privilegeRowsWithoutNames: boolean;
  /** How RetrieveUsersPrivilegesThroughTeams answers: normally, 404 (an org without it) or 403. */
  teamPrivilegesFunction: 'available' | 'unknown' | 'forbidden';
  /** appIds an admin policy keeps out of this environment (403 0x80095ffc), lower case. */
  blockedAppIds: string[];
}

export interface Environment {
  id: string;
  uniqueName: string;
  displayName: string;
  sku: 'Production' | 'Sandbox' | 'Trial' | 'Developer' | 'Default' | 'Teams';
  isDefault: boolean;
  location: string;
  azureRegion: string;
  createdTime: string;
  /** Set once its HTTPS listener is up (origin, no trailing slash). */
  url: string | undefined;
  dataverse: Dataverse | undefined;
}

export interface Tenant {
  id: string;
  domain: string;
  displayName: string;
}

export interface EmulatorState {
  tenant: Tenant;
  users: User[];
  applications: Application[];
  servicePrincipals: ServicePrincipal[];
  oauth2PermissionGrants: OAuth2PermissionGrant[];
  appRoleGrants: AppRoleGrant[];
  /** appIds registered as Power Platform management applications (allowed to call BAP app-only). */
  powerPlatformManagementApps: string[];
  environments: Environment[];
  policies: TenantPolicies;
}

export interface TenantPolicies {
  /** appIds whose sign-in a Conditional Access policy blocks (AADSTS53003), lower case. */
  conditionalAccessBlockedApps: string[];
  /** Tenant ids or domains, lower case, that belong to another national cloud (AADSTS90038). */
  tenantsInOtherClouds: string[];
  /** GET /policies/defaultAppManagementPolicy: applies to every app without an enabled policy of its own. */
  defaultAppManagement: TenantAppManagementPolicy;
  /** /policies/appManagementPolicies: each overrides the default for the apps it is assigned to. */
  appManagement: AppManagementPolicy[];
}

/** learn.microsoft.com/graph/api/resources/passwordcredentialconfiguration */
export interface PasswordCredentialRestriction {
  restrictionType: 'passwordAddition' | 'passwordLifetime' | 'customPasswordAddition' | 'symmetricKeyAddition' | 'symmetricKeyLifetime';
  /** ISO 8601 duration (P90D); required for passwordLifetime and symmetricKeyLifetime. */
  maxLifetime: string | null;
  /** Only apps created on or after it are restricted; null restricts every app. */
  restrictForAppsCreatedAfterDateTime: string | null;
  /** A disabled restriction is not evaluated. */
  state: 'enabled' | 'disabled';
}

export interface AppManagementRestrictions {
  passwordCredentials: PasswordCredentialRestriction[];
  keyCredentials: Array<Record<string, unknown>>;
}

/** learn.microsoft.com/graph/api/resources/tenantappmanagementpolicy */
export interface TenantAppManagementPolicy {
  id: string;
  displayName: string;
  description: string;
  isEnabled: boolean;
  applicationRestrictions: AppManagementRestrictions;
  servicePrincipalRestrictions: AppManagementRestrictions;
}

/** learn.microsoft.com/graph/api/resources/appmanagementpolicy */
export interface AppManagementPolicy {
  id: string;
  displayName: string;
  description: string;
  isEnabled: boolean;
  restrictions: AppManagementRestrictions;
  /** Object ids of the applications it is assigned to (appliesTo). */
  appliesTo: string[];
}

export const WELL_KNOWN_APP_IDS = {
  graph: '00000003-0000-0000-c000-000000000000',
  dynamicsCrm: '00000007-0000-0000-c000-000000000000',
  powerAppsService: '475226c6-020e-4fb2-8a90-7a972cbfc1d4',
  /** Azure Key Vault's first-party resource. */
  keyVault: 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093',
  azureCli: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
} as const;

export const USER_IMPERSONATION_SCOPE_ID = '78ce3f0f-a1ce-49c2-8cde-64b5c0896db4';

export function findApplicationByAppId(state: EmulatorState, appId: string): Application | undefined {
  const wanted = appId.toLowerCase();
  return state.applications.find((app) => app.appId === wanted);
}

export function findServicePrincipalByAppId(state: EmulatorState, appId: string): ServicePrincipal | undefined {
  const wanted = appId.toLowerCase();
  return state.servicePrincipals.find((sp) => sp.appId === wanted);
}

export function findEnvironmentByUrl(state: EmulatorState, origin: string): Environment | undefined {
  const wanted = origin.replace(/\/+$/, '').toLowerCase();
  return state.environments.find((env) => env.url !== undefined && env.url.toLowerCase() === wanted);
}

/** The privileges a role grants: a business-unit copy inherits its root role's. */
export function rolePrivileges(dataverse: Dataverse, role: Role): RolePrivilege[] {
  if (role.parentrootroleid === role.roleid) return role.privileges;
  return dataverse.roles.find((r) => r.roleid === role.parentrootroleid)?.privileges ?? role.privileges;
}

/** The privileges of the user's directly assigned roles: union, deepest depth wins. */
export function userPrivileges(dataverse: Dataverse, user: SystemUser): Map<string, number> {
  return privilegesOfRoles(dataverse, user.roleIds);
}

/** The privileges the user holds through the roles of the teams they are a member of. */
export function teamPrivileges(dataverse: Dataverse, user: SystemUser): Map<string, number> {
  const teams = dataverse.teams.filter((team) => team.memberIds.includes(user.systemuserid));
  return privilegesOfRoles(
    dataverse,
    teams.flatMap((team) => team.roleIds),
  );
}

/** What Dataverse authorises: the user's own roles and their teams' roles together. */
export function effectivePrivileges(dataverse: Dataverse, user: SystemUser): Map<string, number> {
  const result = userPrivileges(dataverse, user);
  for (const [id, depth] of teamPrivileges(dataverse, user)) result.set(id, Math.max(result.get(id) ?? -1, depth));
  return result;
}

function privilegesOfRoles(dataverse: Dataverse, roleIds: string[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const roleId of roleIds) {
    const role = dataverse.roles.find((r) => r.roleid === roleId);
    if (!role) continue;
    for (const p of rolePrivileges(dataverse, role)) {
      result.set(p.privilegeid, Math.max(result.get(p.privilegeid) ?? -1, p.depth));
    }
  }
  return result;
}

export function rootBusinessUnit(dataverse: Dataverse): BusinessUnit {
  const root = dataverse.businessUnits.find((bu) => bu.parentbusinessunitid === null);
  if (!root) throw new Error('emulator state: environment has no root business unit');
  return root;
}

/** A public client: may redeem codes and device codes without a credential. */
export function isPublicClient(app: Application): boolean {
  return app.isFallbackPublicClient === true || app.publicClient.redirectUris.length > 0;
}
