/** Well-known identifiers that are the same in every cloud (endpoints live in clouds.ts). */
export const DYNAMICS_CRM_APP_ID = '00000007-0000-0000-c000-000000000000';
export const USER_IMPERSONATION = 'user_impersonation';
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const DATAVERSE_API_VERSION = 'v9.2';
export const BAP_API_VERSION = '2020-10-01';
/**
 * dynauth's own ceiling on a credential's lifetime, not Entra's: Graph sets no maximum unless a
 * tenant app-management policy does (then dynauth applies the policy's). Two years is the longest
 * the Entra admin center offers, and Microsoft recommends shorter-lived secrets.
 */
export const MAX_SECRET_LIFETIME_DAYS = 730;
/** The delegated Graph permissions the signed-in admin needs for `init` and `rotate-secret`. */
export const ADMIN_GRAPH_PERMISSIONS = ['Application.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'User.Read'];
/**
 * Microsoft Graph's OpenID Connect scopes a delegated integration asks for beside Dataverse's
 * user_impersonation (their published permission ids, the same in every tenant:
 * learn.microsoft.com/graph/permissions-reference): admin consent to them spares the integration
 * account a consent prompt, which a tenant that forbids user consent would refuse outright.
 */
export const GRAPH_SIGN_IN_SCOPES = {
  openid: '37f7f235-527c-4136-accd-4a02d197296e',
  profile: '14dad69e-099b-42c9-810b-d002981feec1',
  offline_access: '7427e0e9-2fba-42fe-b0c0-848c9e6a8182',
} as const;
/** The redirect URI a delegated setup registers by default (the vendors' forms ask for exactly this). */
export const DEFAULT_DELEGATED_REDIRECT_URI = 'http://localhost';
