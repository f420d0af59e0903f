// Entra ID (login) endpoints: OpenID metadata, signing keys, authorize, device code, token.
import { opaque } from '../ids.ts';
import type { EmulatorContext } from '../context.ts';
import type { Reply, RequestContext } from '../http.ts';
import { AADSTS, aadError } from './login-errors.ts';
import { handleAuthorize, handleAuthorizeV1, handleDeviceCode } from './login-interactive.ts';
import { resolveTenant, type TenantRoute } from './login-tenant.ts';
import { handleToken } from './login-token.ts';

/** Where a tenant in another national cloud is said to live (Azure Government's instance). */
const OTHER_CLOUD_INSTANCE = 'microsoftonline.us';

export async function handleLogin(ctx: EmulatorContext, req: RequestContext): Promise<Reply> {
  const segments = req.path.split('/').filter(Boolean);
  const [tenantSegment = '', ...rest] = segments;
  const route = rest.join('/').toLowerCase();
  if (tenantSegment.toLowerCase() === 'common' && route === 'discovery/instance') return instanceDiscovery(ctx);
  const tenantRoute = resolveTenant(ctx, tenantSegment);
  if (!tenantRoute && ctx.state.policies.tenantsInOtherClouds.includes(tenantSegment.toLowerCase())) {
    return AADSTS.tenantInOtherCloud(req, tenantSegment, OTHER_CLOUD_INSTANCE);
  }
  if (!tenantRoute) {
    if (segments.length === 0) return notFound();
    return AADSTS.unknownTenant(req, tenantSegment);
  }
  switch (`${req.method} ${route}`) {
    case 'GET v2.0/.well-known/openid-configuration':
      return { status: 200, body: openIdConfiguration(ctx, tenantRoute) };
    case 'GET discovery/v2.0/keys':
    case 'GET discovery/keys':
      return { status: 200, body: ctx.signer.jwks };
    case 'POST oauth2/v2.0/token':
      return handleToken(ctx, req, tenantRoute);
    case 'POST oauth2/v2.0/devicecode':
      return handleDeviceCode(ctx, req, tenantRoute);
    case 'GET oauth2/v2.0/authorize':
      return handleAuthorize(ctx, req, tenantRoute);
    case 'GET oauth2/authorize':
      return handleAuthorizeV1(ctx, req, tenantRoute);
    case 'GET oauth2/deviceauth':
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: `<!doctype html><title>Device sign-in</title><p>The dynauth sandbox approves device codes automatically as ${ctx.state.users[0]?.userPrincipalName ?? 'the admin'}. You can close this page.</p>`,
      };
    case 'GET oauth2/v2.0/logout':
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<!doctype html><title>Signed out</title><p>You have signed out of the dynauth sandbox.</p>',
      };
    default:
      if (route.startsWith('oauth2/v2.0/') || route.startsWith('v2.0/')) {
        return aadError(
          req,
          404,
          'invalid_request',
          900561,
          `The endpoint only accepts ${route.endsWith('token') ? 'POST' : 'GET'} requests. Received a ${req.method} request.`,
        );
      }
      return notFound();
  }
}

function notFound(): Reply {
  return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
}

function openIdConfiguration(ctx: EmulatorContext, route: TenantRoute): Record<string, unknown> {
  const base = ctx.origins.login;
  const segment = route.isCommon ? route.segment : route.tenant.id;
  const tenantClaim = route.isCommon ? '{tenantid}' : route.tenant.id;
  return {
    token_endpoint: `${base}/${segment}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/${segment}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/${tenantClaim}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${ctx.origins.graph}/oidc/userinfo`,
    authorization_endpoint: `${base}/${segment}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/${segment}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${segment}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'cloud_instance_name',
      'cloud_instance_host_name',
      'cloud_graph_host_name',
      'msgraph_host',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'acr',
      'nonce',
      'preferred_username',
      'name',
      'tid',
      'ver',
      'at_hash',
      'c_hash',
      'email',
    ],
    kerberos_endpoint: `${base}/${segment}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: new URL(base).host,
    cloud_graph_host_name: new URL(ctx.origins.graph).host,
    msgraph_host: new URL(ctx.origins.graph).host,
    rbac_url: `${ctx.origins.bap}`,
  };
}

function instanceDiscovery(ctx: EmulatorContext): Reply {
  const host = new URL(ctx.origins.login).host;
  return {
    status: 200,
    body: {
      tenant_discovery_endpoint: `${ctx.origins.login}/{tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    },
  };
}

export function newCode(): string {
  return opaque(48);
}
