/** oidc: the emulated external OIDC issuer (a GitHub Actions-like token issuer) that federated credentials trust. */
export type ServiceName = 'login' | 'graph' | 'bap' | 'dataverse' | 'oidc' | 'github' | 'keyvault';

/** The claims of the bearer token a request carried, as far as a test needs them. */
export interface TokenSummary {
  appid: string;
  oid: string;
  aud: string;
  tid: string;
  scp?: string;
  roles?: string[];
}

export interface RecordedRequest {
  service: ServiceName;
  /** Dataverse requests: the environment's uniqueName. */
  environment?: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parsed JSON or form body; credential fields (client_secret, assertions, codes, tokens) are redacted. */
  body: unknown;
  token?: TokenSummary;
  /** HTTP status sent, or 0 when the connection was dropped by a fault. */
  status: number;
  /** When the request arrived (its headers were read), epoch milliseconds. */
  at: number;
  /** When the response was handed to the connection (or the connection dropped). */
  answeredAt: number;
}

/**
 * The LONGEST replication delay per kind of new object. Each new object draws its own delay
 * uniformly in [max/2, max] from the seeded PRNG; a max of 0 makes that kind visible at once.
 * Kinds not given: DEFAULT_REPLICATION_LAG_MS (300 ms) each.
 */
export interface ReplicationLag {
  /** A new application: Graph 404s it and leaves it out of lists, token issuance says AADSTS700016, SP creation fails. */
  appMs?: number;
  /** A new service principal: Graph 404s it, grants naming it fail, token issuance says AADSTS7000229. */
  servicePrincipalMs?: number;
  /** A new password credential is rejected (AADSTS7000215). */
  secretMs?: number;
  /** A new certificate (keyCredential) is an unknown key (AADSTS700027). */
  certificateMs?: number;
  /** A new Dataverse application user is "not a member of the organization" (0x80072560). */
  appUserMs?: number;
  /** A new federated identity credential is not yet matched at sign-in (AADSTS700211 / 700213). */
  federatedCredentialMs?: number;
}

export interface SeedApplication {
  displayName: string;
  appId?: string;
  /** Its service principal is disabled (accountEnabled false): AADSTS7000112. */
  disabled?: boolean;
  /** No service principal in the tenant: AADSTS7000229. */
  withoutServicePrincipal?: boolean;
  /** A password credential with this value (e.g. an expired one, for AADSTS7000222). */
  secret?: { value: string; startDateTime?: string; endDateTime?: string };
  isFallbackPublicClient?: boolean;
  /** A Conditional Access policy for workload identities blocks its sign-in: AADSTS53003 once its credential checks out. */
  blockedByConditionalAccess?: boolean;
  /** An admin policy blocks it in Dataverse (403 0x80095ffc): true for every environment, or these uniqueNames. */
  blockedInDataverse?: true | string[];
  /** An app-management policy assigned to it: while enabled it replaces the tenant's default for this app. */
  appManagementPolicy?: SeedAppManagementPolicy;
}

/** One passwordCredentials restriction of an app-management policy (passwordcredentialconfiguration). */
export interface SeedPasswordRestriction {
  restrictionType: 'passwordAddition' | 'passwordLifetime' | 'customPasswordAddition' | 'symmetricKeyAddition' | 'symmetricKeyLifetime';
  /** ISO 8601 duration such as P90D; required for passwordLifetime. */
  maxLifetime?: string;
  /** Only apps created on or after it are restricted (default: every app). */
  restrictForAppsCreatedAfterDateTime?: string;
  /** Default enabled. */
  state?: 'enabled' | 'disabled';
}

export interface SeedAppManagementPolicy {
  displayName?: string;
  /** Default true (a new tenant's default policy is disabled: leave defaultAppManagementPolicy out for that). */
  isEnabled?: boolean;
  passwordCredentials: SeedPasswordRestriction[];
}

export interface SeedOptions {
  /** The admin's consented delegated Microsoft Graph scopes (default: Application.ReadWrite.All DelegatedPermissionGrant.ReadWrite.All User.Read). */
  adminGraphScopes?: string[];
  /** Environments (uniqueName) where the admin is a user with Basic User only, not System Administrator. */
  adminNotSystemAdministratorIn?: string[];
  /** Environments (uniqueName) where the admin has no systemuser at all. */
  adminNotUserIn?: string[];
  applications?: SeedApplication[];
  /** The tenant has no Dynamics CRM service principal yet (created by POST /servicePrincipals). */
  withoutDynamicsCrmServicePrincipal?: boolean;
  /** Tenants (id or domain) that live in another national cloud: any login request for them is AADSTS90038. */
  tenantsInOtherClouds?: string[];
  /** appIds an admin policy blocks in every Dataverse environment (403 0x80095ffc), e.g. an app init will create with a known id. */
  dataverseBlockedApps?: string[];
  /** Environments (uniqueName) without Dynamics 365 apps: plain Dataverse, no incident, lead, opportunity… tables nor their privileges. */
  withoutDynamicsApps?: string[];
  /** Environments (uniqueName) where the admin has no role of their own, only System Administrator through an Entra group team. */
  adminSystemAdministratorThroughTeamIn?: string[];
  /** RetrieveUserPrivileges (and the other RolePrivilege answers) leave PrivilegeName out: everywhere, or in these environments. */
  privilegeRowsWithoutNames?: true | string[];
  /** Environments (uniqueName) where RetrieveUsersPrivilegesThroughTeams is unknown (404, an older org) or refused (403). */
  teamPrivilegesFunction?: Record<string, 'unknown' | 'forbidden'>;
  /** The tenant's default app-management policy (default: disabled, no restrictions, as in a new tenant). */
  defaultAppManagementPolicy?: SeedAppManagementPolicy;
  /** The admin has also consented Policy.Read.All, so may read app-management policies (without it: 403 Authorization_RequestDenied). */
  adminReadsPolicies?: boolean;
  /**
   * Names other admins chose, by environment uniqueName: the environment's display name and its root
   * business unit's name. Both are free text in the Power Platform admin center and Dataverse, so
   * they may hold anything, control characters included.
   */
  names?: Record<string, { environment?: string; rootBusinessUnit?: string }>;
}
