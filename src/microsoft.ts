/** Well-known identifiers that are the same in every cloud (endpoints live in clouds.ts). */
export const DYNAMICS_CRM_APP_ID = '00000007-0000-0000-c000-000000000000';
export const USER_IMPERSONATION = 'user_impersonation';
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const DATAVERSE_API_VERSION = 'v9.2';
export const BAP_API_VERSION = '2020-10-01';
/** Entra refuses password credentials that live longer than two years. */
export const MAX_SECRET_LIFETIME_DAYS = 730;
/** The delegated Graph permissions the signed-in admin needs for `init` and `rotate-secret`. */
export const ADMIN_GRAPH_PERMISSIONS = ['Application.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'User.Read'];
