// The interactive parts of sign-in: the device code endpoint and the authorize endpoint
// (authorization code with PKCE). Nobody types a password in the sandbox: a sign-in to a
// first-party client (Azure CLI, what dynauth signs the admin in with) is approved as the seeded
// admin, a sign-in to any other app (a delegated integration) as the seeded integration account,
// the user an integration is set up to act as.
import { randomInt } from 'node:crypto';
import { isVisible, type EmulatorContext } from '../context.ts';
import { asRecord, type Reply, type RequestContext } from '../http.ts';
import { opaque } from '../ids.ts';
import { WELL_KNOWN_APP_IDS, findApplicationByAppId, isPublicClient, type Application, type User } from '../state.ts';
import { AADSTS } from './login-errors.ts';
import { resolveScopes } from './login-issue.ts';
import type { TenantRoute } from './login-tenant.ts';

const DEVICE_CODE_LIFETIME_S = 900;
const AUTHORIZATION_CODE_LIFETIME_MS = 10 * 60_000;

export function handleDeviceCode(ctx: EmulatorContext, req: RequestContext, _route: TenantRoute): Reply {
  const form = asRecord(req.body);
  const clientId = typeof form['client_id'] === 'string' ? form['client_id'].toLowerCase() : '';
  if (!clientId) return AADSTS.missingParameter(req, 'client_id');
  if (clientId !== WELL_KNOWN_APP_IDS.azureCli) {
    const app = findApplicationByAppId(ctx.state, clientId);
    if (!app || !isVisible(ctx, app)) return AADSTS.unknownApp(req, clientId, ctx.state.tenant.displayName);
    if (!isPublicClient(app)) return AADSTS.notPublicClient(req);
  }
  const scopes = typeof form['scope'] === 'string' ? form['scope'].split(' ').filter(Boolean) : [];
  const resolution = resolveScopes(ctx, req, scopes);
  if (!resolution.ok) return resolution.reply;
  const deviceCode = opaque(48);
  const userCode = Array.from({ length: 9 }, () => 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'[randomInt(32)]).join('');
  ctx.deviceCodes.set(deviceCode, {
    clientId,
    scopes,
    userId: approver(ctx, clientId).id,
    expiresAt: ctx.now() + DEVICE_CODE_LIFETIME_S * 1000,
    redeemed: false,
  });
  const verificationUri = `${ctx.origins.login}/common/oauth2/deviceauth`;
  return {
    status: 200,
    body: {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: DEVICE_CODE_LIFETIME_S,
      interval: 5,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate. (dynauth sandbox: already approved as ${approver(ctx, clientId).userPrincipalName}.)`,
    },
  };
}

/** GET /{tenant}/oauth2/v2.0/authorize: scopes name the resource (learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow). */
export function handleAuthorize(ctx: EmulatorContext, req: RequestContext, _route: TenantRoute): Reply {
  return authorize(ctx, req, 'v2');
}

/**
 * GET /{tenant}/oauth2/authorize, the v1 endpoint older products' forms still ask for: `resource`
 * names the API instead of scopes (learn.microsoft.com/previous-versions/azure/active-directory/azuread-dev/v1-protocols-oauth-code).
 * Its codes belong to the v1 token endpoint, which the sandbox does not serve: the v2 one refuses them.
 */
export function handleAuthorizeV1(ctx: EmulatorContext, req: RequestContext, _route: TenantRoute): Reply {
  return authorize(ctx, req, 'v1');
}

function authorize(ctx: EmulatorContext, req: RequestContext, endpoint: 'v1' | 'v2'): Reply {
  const q = req.query;
  const clientId = q['client_id']?.toLowerCase();
  if (!clientId) return AADSTS.missingParameter(req, 'client_id');
  let app: Application | undefined;
  if (clientId !== WELL_KNOWN_APP_IDS.azureCli) {
    app = findApplicationByAppId(ctx.state, clientId);
    if (!app || !isVisible(ctx, app)) return AADSTS.unknownApp(req, clientId, ctx.state.tenant.displayName);
  }
  const redirectUri = q['redirect_uri'] ?? firstRedirectUri(app);
  if (!redirectUri || !redirectAllowed(app, redirectUri)) return AADSTS.redirectMismatch(req, redirectUri ?? '', clientId);
  const redirectWith = (params: Record<string, string>): Reply => {
    const target = new URL(redirectUri);
    for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
    if (q['state'] !== undefined) target.searchParams.set('state', q['state']);
    return { status: 302, headers: { location: target.toString() } };
  };
  if (q['response_type'] !== 'code') {
    return redirectWith({
      error: 'unsupported_response_type',
      error_description: "AADSTS700054: response_type must be 'code' in the dynauth sandbox.",
    });
  }
  const method = q['code_challenge_method'] ?? (q['code_challenge'] ? 'plain' : undefined);
  if (method !== undefined && method !== 'S256' && method !== 'plain') {
    return redirectWith({ error: 'invalid_request', error_description: 'AADSTS501491: Invalid size of Code_Challenge parameter.' });
  }
  if (endpoint === 'v1' && !q['resource']) {
    return redirectWith({
      error: 'invalid_request',
      error_description: "AADSTS900144: The request body must contain the following parameter: 'resource'.",
    });
  }
  const scopes =
    endpoint === 'v1' ? [`${q['resource']!.replace(/\/+$/, '')}/user_impersonation`] : (q['scope'] ?? '').split(' ').filter(Boolean);
  const resolution = resolveScopes(ctx, req, scopes);
  if (!resolution.ok) {
    const body = asRecord(resolution.reply.body);
    return redirectWith({ error: String(body['error']), error_description: String(body['error_description']) });
  }
  const code = opaque(48);
  ctx.authorizationCodes.set(code, {
    clientId,
    redirectUri,
    scopes,
    ...(q['code_challenge'] !== undefined ? { codeChallenge: q['code_challenge'], codeChallengeMethod: method } : {}),
    ...(q['nonce'] !== undefined ? { nonce: q['nonce'] } : {}),
    userId: approver(ctx, clientId).id,
    expiresAt: ctx.now() + AUTHORIZATION_CODE_LIFETIME_MS,
    redeemed: false,
    ...(endpoint === 'v1' ? { endpoint } : {}),
  });
  const approved = redirectWith({ code, session_state: opaque(16) });
  // Read by `dynauth sandbox`'s stand-in browser, to say whom it signed in (a real Entra has no such header).
  approved.headers = { ...approved.headers, 'x-dynauth-sandbox-approved-as': approver(ctx, clientId).userPrincipalName };
  return approved;
}

/** Who the sandbox signs in: the admin to the first-party clients, the integration account to every other app. */
export function approver(ctx: EmulatorContext, clientId: string): User {
  return clientId === WELL_KNOWN_APP_IDS.azureCli ? ctx.admin : ctx.integration;
}

function firstRedirectUri(app: Application | undefined): string | undefined {
  return app ? [...app.publicClient.redirectUris, ...app.web.redirectUris][0] : undefined;
}

/** Exact match against the registration; for http://localhost and 127.0.0.1 the port is ignored, as Entra does. */
function redirectAllowed(app: Application | undefined, redirectUri: string): boolean {
  if (!app) return isLoopback(redirectUri);
  return redirectRegistered([...app.web.redirectUris, ...app.publicClient.redirectUris, ...app.spa.redirectUris], redirectUri);
}

/**
 * Whether `redirectUri` is one of `registered`: exactly, or a loopback one with any port
 * (learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions).
 */
export function redirectRegistered(registered: string[], redirectUri: string): boolean {
  const loopback = isLoopback(redirectUri);
  return registered.some((uri) => {
    if (uri === redirectUri) return true;
    if (!loopback) return false;
    try {
      const r = new URL(uri);
      const target = new URL(redirectUri);
      return r.protocol === target.protocol && r.hostname === target.hostname && r.pathname === target.pathname;
    } catch {
      return false;
    }
  });
}

function isLoopback(redirectUri: string): boolean {
  try {
    const target = new URL(redirectUri);
    return target.protocol === 'http:' && (target.hostname === 'localhost' || target.hostname === '127.0.0.1');
  } catch {
    return false;
  }
}
