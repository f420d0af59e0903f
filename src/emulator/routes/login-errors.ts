// Entra ID (AADSTS) error replies, shaped like the v2 token endpoint's.
import { newGuid } from '../ids.ts';
import type { Reply, RequestContext } from '../http.ts';

export function aadError(req: RequestContext, status: number, error: string, code: number, description: string): Reply {
  const traceId = newGuid();
  const correlationId = headerValue(req.headers['client-request-id']) ?? newGuid();
  const now = new Date();
  const timestamp = `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;
  return {
    status,
    headers: { 'x-ms-request-id': traceId, 'client-request-id': correlationId },
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${req.origin}/error?code=${code}`,
    },
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export const AADSTS = {
  invalidSecret: (req: RequestContext, appId: string): Reply =>
    aadError(
      req,
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
    ),
  expiredSecret: (req: RequestContext, appId: string): Reply =>
    aadError(
      req,
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    ),
  unknownApp: (req: RequestContext, appId: string, tenantName: string): Reply =>
    aadError(
      req,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${appId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  unknownTenant: (req: RequestContext, tenant: string): Reply =>
    aadError(
      req,
      400,
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  unknownResource: (req: RequestContext, resource: string, tenantName: string): Reply =>
    aadError(
      req,
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  badAssertion: (req: RequestContext, reason: string): Reply => aadError(req, 401, 'invalid_client', 700027, reason),
  assertionTime: (req: RequestContext): Reply =>
    aadError(req, 401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.'),
  disabledApp: (req: RequestContext, appId: string, name: string): Reply =>
    aadError(req, 400, 'unauthorized_client', 7000112, `Application '${appId}'(${name}) is disabled.`),
  missingServicePrincipal: (req: RequestContext, appId: string, tenantId: string): Reply =>
    aadError(
      req,
      401,
      'invalid_client',
      7000229,
      `The client application ${appId} is missing service principal in the tenant ${tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
    ),
  missingCredential: (req: RequestContext): Reply =>
    aadError(
      req,
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  missingParameter: (req: RequestContext, name: string): Reply =>
    aadError(req, 400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrant: (req: RequestContext, grant: string): Reply =>
    aadError(req, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  clientCredentialsScope: (req: RequestContext, scope: string): Reply =>
    aadError(
      req,
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  multipleResources: (req: RequestContext): Reply =>
    aadError(
      req,
      400,
      'invalid_scope',
      28000,
      'Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid.',
    ),
  consentRequired: (req: RequestContext, appId: string, name: string): Reply =>
    aadError(
      req,
      400,
      'invalid_grant',
      65001,
      `The user or administrator has not consented to use the application with ID '${appId}' named '${name}'. Send an interactive authorization request for this user and resource.`,
    ),
  badVerifier: (req: RequestContext): Reply =>
    aadError(
      req,
      400,
      'invalid_grant',
      501481,
      'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
    ),
  codeRedeemed: (req: RequestContext): Reply =>
    aadError(
      req,
      400,
      'invalid_grant',
      54005,
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    ),
  badCode: (req: RequestContext): Reply =>
    aadError(req, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  badRefreshToken: (req: RequestContext): Reply =>
    aadError(req, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  expiredDeviceCode: (req: RequestContext): Reply =>
    aadError(
      req,
      400,
      'expired_token',
      70020,
      "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
    ),
  badDeviceCode: (req: RequestContext): Reply =>
    aadError(req, 400, 'invalid_grant', 70000, "The provided value for the input parameter 'device_code' is not valid."),
  redirectMismatch: (req: RequestContext, redirectUri: string, appId: string): Reply =>
    aadError(
      req,
      400,
      'invalid_request',
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    ),
  blockedByConditionalAccess: (req: RequestContext): Reply =>
    aadError(
      req,
      400,
      'invalid_grant',
      53003,
      'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    ),
  /** The wording Entra uses in the field ("request is being redirected"); the error docs' template is "belongs to the National Cloud". */
  tenantInOtherCloud: (req: RequestContext, tenant: string, cloud: string): Reply =>
    aadError(req, 400, 'invalid_request', 90038, `Tenant '${tenant}' request is being redirected to the National Cloud '${cloud}'.`),
  /**
   * The delegated refusals of a refresh-token redemption, worded as Entra answers them in the field
   * (azure-cli issue 14244, mspnp/identity-reference-architectures issue 9 for 700082; the texts of
   * the others from learn.microsoft.com/entra/identity-platform/reference-error-codes).
   */
  refreshTokenIdle: (req: RequestContext, issuedAt: number): Reply =>
    aadError(
      req,
      400,
      'invalid_grant',
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${new Date(issuedAt).toISOString()} and was inactive for 90.00:00:00.`,
    ),
  revokedGrant: (req: RequestContext, issuedAt: number, validFrom: number): Reply =>
    aadError(
      req,
      400,
      'invalid_grant',
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${new Date(issuedAt).toISOString()}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${new Date(validFrom).toISOString()}'.`,
    ),
  mfaRequired: (req: RequestContext, resourceAppId: string): Reply =>
    aadError(
      req,
      400,
      'interaction_required',
      50076,
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resourceAppId}'.`,
    ),
  mfaEnrollmentRequired: (req: RequestContext, resourceAppId: string): Reply =>
    aadError(
      req,
      400,
      'interaction_required',
      50079,
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '${resourceAppId}'.`,
    ),
  publicClientWithCredential: (req: RequestContext): Reply =>
    aadError(req, 401, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."),
  notPublicClient: (req: RequestContext): Reply =>
    aadError(
      req,
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
};
