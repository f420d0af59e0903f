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
