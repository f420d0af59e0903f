// POST /{tenant}/oauth2/v2.0/token: client credentials (secret or certificate), device code,
// authorization code with PKCE, refresh token.
import { X509Certificate, createHash, timingSafeEqual } from 'node:crypto';
import { isVisible, resolveResource, type EmulatorContext } from '../context.ts';
import { asRecord, type Reply, type RequestContext } from '../http.ts';
import { decodeJwt, verifyJwtSignature } from '../jwt.ts';
import { hashSecret } from '../seed.ts';
import {
  WELL_KNOWN_APP_IDS,
  findApplicationByAppId,
  findServicePrincipalByAppId,
  isPublicClient,
  type Application,
  type User,
} from '../state.ts';
import { sha256Base64Url } from '../tokens.ts';
import { AADSTS, aadError } from './login-errors.ts';
import { isFederatedAssertion, verifyFederatedAssertion } from './login-federated.ts';
import { redirectRegistered } from './login-interactive.ts';
import { appOnlyTokenReply, delegatedTokenReply, resolveScopes } from './login-issue.ts';
import type { TenantRoute } from './login-tenant.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

type Form = Record<string, string>;

export function handleToken(ctx: EmulatorContext, req: RequestContext, route: TenantRoute): Reply {
  const form = readForm(req);
  const grantType = form['grant_type'];
  if (!grantType) return AADSTS.missingParameter(req, 'grant_type');
  switch (grantType) {
    case 'client_credentials':
      return clientCredentials(ctx, req, route, form);
    case DEVICE_CODE_GRANT:
    case 'device_code':
      return deviceCodeGrant(ctx, req, form);
    case 'authorization_code':
      return authorizationCodeGrant(ctx, req, route, form);
    case 'refresh_token':
      return refreshTokenGrant(ctx, req, route, form);
    default:
      return AADSTS.unsupportedGrant(req, grantType);
  }
}

/** Form fields, with client_secret_basic credentials folded in. */
function readForm(req: RequestContext): Form {
  const form: Form = {};
  for (const [key, value] of Object.entries(asRecord(req.body))) if (typeof value === 'string') form[key] = value;
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      form['client_id'] ??= decodeURIComponent(decoded.slice(0, colon));
      form['client_secret'] ??= decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  return form;
}

function clientCredentials(ctx: EmulatorContext, req: RequestContext, route: TenantRoute, form: Form): Reply {
  const clientId = form['client_id']?.toLowerCase();
  if (!clientId) return AADSTS.missingParameter(req, 'client_id');
  const scope = form['scope'];
  if (!scope) return AADSTS.missingParameter(req, 'scope');
  const app = findApplicationByAppId(ctx.state, clientId);
  // A new app is unknown to sign-in until it replicates: AADSTS700016, "or replication right after creation".
  if (!app || !isVisible(ctx, app)) return AADSTS.unknownApp(req, clientId, ctx.state.tenant.displayName);
  const authFailure = authenticateClient(ctx, req, route, app, form, true);
  if (authFailure) return authFailure;
  const sp = findServicePrincipalByAppId(ctx.state, app.appId);
  // Its new service principal likewise: AADSTS7000229 (missing service principal) until it replicates.
  if (!sp || !isVisible(ctx, sp)) return AADSTS.missingServicePrincipal(req, app.appId, ctx.state.tenant.id);
  if (!sp.accountEnabled) return AADSTS.disabledApp(req, app.appId, app.displayName);
  // Conditional Access for workload identities is evaluated after the client has authenticated.
  if (ctx.state.policies.conditionalAccessBlockedApps.includes(app.appId)) return AADSTS.blockedByConditionalAccess(req);
  const scopes = scope.split(' ').filter(Boolean);
  if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default')) return AADSTS.clientCredentialsScope(req, scope);
  const identifier = scopes[0]!.slice(0, -'/.default'.length);
  const resource = resolveResource(ctx, identifier);
  if (!resource) return AADSTS.unknownResource(req, identifier, ctx.state.tenant.displayName);
  return appOnlyTokenReply(ctx, sp, resource);
}

/** Verifies a secret or certificate assertion; returns an error reply, or undefined when authenticated. */
function authenticateClient(
  ctx: EmulatorContext,
  req: RequestContext,
  route: TenantRoute,
  app: Application,
  form: Form,
  required: boolean,
): Reply | undefined {
  if (form['client_assertion'] !== undefined) {
    if (form['client_assertion_type'] !== JWT_BEARER) {
      return aadError(
        req,
        400,
        'invalid_request',
        700026,
        `Client assertion type '${form['client_assertion_type'] ?? ''}' is not supported; use '${JWT_BEARER}'.`,
      );
    }
    return verifyAssertion(ctx, req, route, app, form['client_assertion']);
  }
  if (form['client_secret'] !== undefined) return verifySecret(ctx, req, app, form['client_secret']);
  return required ? AADSTS.missingCredential(req) : undefined;
}

function verifySecret(ctx: EmulatorContext, req: RequestContext, app: Application, secret: string): Reply | undefined {
  const hash = Buffer.from(hashSecret(secret), 'hex');
  const credential = app.passwordCredentials.find((c) => timingSafeEqual(Buffer.from(c.secretHash, 'hex'), hash));
  // A pasted secret ID (keyId) simply does not match any value: same error, whose text says to send the value.
  // A new secret gets it too until it replicates: 4-18 s reported in microsoft-graph-docs issue 17966.
  if (!credential || !isVisible(ctx, credential)) return AADSTS.invalidSecret(req, app.appId);
  if (Date.parse(credential.endDateTime) <= ctx.now()) return AADSTS.expiredSecret(req, app.appId);
  if (Date.parse(credential.startDateTime) > ctx.now()) return AADSTS.invalidSecret(req, app.appId);
  return undefined;
}

function verifyAssertion(
  ctx: EmulatorContext,
  req: RequestContext,
  route: TenantRoute,
  app: Application,
  assertion: string,
): Reply | undefined {
  const jwt = decodeJwt(assertion);
  if (!jwt)
    return AADSTS.badAssertion(
      req,
      'Client assertion failed signature validation. [Reason - The client assertion is not a well-formed JWT.]',
    );
  if (isFederatedAssertion(jwt, app)) return verifyFederatedAssertion(ctx, req, app, jwt, assertion);
  const sha256 =
    typeof jwt.header['x5t#S256'] === 'string' ? Buffer.from(jwt.header['x5t#S256'], 'base64url').toString('hex').toUpperCase() : undefined;
  const sha1 =
    typeof jwt.header['x5t'] === 'string' ? Buffer.from(jwt.header['x5t'], 'base64url').toString('hex').toUpperCase() : undefined;
  // A new certificate is an unknown key until it replicates: the same 700027 "key was not found".
  const match = app.keyCredentials
    .filter((k) => isVisible(ctx, k))
    .find((k) => {
      const der = Buffer.from(k.key, 'base64');
      if (sha256) return createHash('sha256').update(der).digest('hex').toUpperCase() === sha256;
      return sha1 !== undefined && createHash('sha1').update(der).digest('hex').toUpperCase() === sha1;
    });
  if (!match) {
    return AADSTS.badAssertion(
      req,
      `Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${sha256 ?? sha1 ?? ''}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.appId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${app.appId}']`,
    );
  }
  if (Date.parse(match.endDateTime) <= ctx.now())
    return AADSTS.badAssertion(req, 'Client assertion failed signature validation. [Reason - The key used is expired.]');
  const publicKey = new X509Certificate(Buffer.from(match.key, 'base64')).publicKey;
  if (!verifyJwtSignature(jwt, publicKey)) {
    return AADSTS.badAssertion(
      req,
      'Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value.]',
    );
  }
  const { payload } = jwt;
  const tenant = ctx.state.tenant;
  const audiences = [tenant.id, tenant.domain, route.segment]
    .flatMap((t) => [`${ctx.origins.login}/${t}/oauth2/v2.0/token`, `${ctx.origins.login}/${t}/oauth2/token`])
    .map((a) => a.toLowerCase());
  if (typeof payload['aud'] !== 'string' || !audiences.includes(payload['aud'].toLowerCase())) {
    return AADSTS.badAssertion(req, 'Client assertion audience claim does not match Realm issuer.');
  }
  if (payload['iss'] !== app.appId || payload['sub'] !== app.appId) {
    return AADSTS.badAssertion(req, 'Client assertion contains an invalid issuer or subject: both must be the application (client) id.');
  }
  const now = Math.floor(ctx.now() / 1000);
  if (typeof payload['exp'] !== 'number' || payload['exp'] <= now) return AADSTS.assertionTime(req);
  if (typeof payload['nbf'] === 'number' && payload['nbf'] > now + 300) return AADSTS.assertionTime(req);
  return undefined;
}

/** Public client (no credential) or confidential client (credential sent and checked). */
function authenticateUserFlowClient(
  ctx: EmulatorContext,
  req: RequestContext,
  route: TenantRoute,
  clientId: string,
  form: Form,
): Reply | undefined {
  if (clientId === WELL_KNOWN_APP_IDS.azureCli) return undefined;
  const app = findApplicationByAppId(ctx.state, clientId);
  if (!app || !isVisible(ctx, app)) return AADSTS.unknownApp(req, clientId, ctx.state.tenant.displayName);
  const hasCredential = form['client_secret'] !== undefined || form['client_assertion'] !== undefined;
  if (!hasCredential && !isPublicClient(app)) return AADSTS.notPublicClient(req);
  return authenticateClient(ctx, req, route, app, form, false);
}

function onPublicPlatformOnly(ctx: EmulatorContext, clientId: string, redirectUri: string): boolean {
  const app = findApplicationByAppId(ctx.state, clientId);
  // Loopback redirects match whatever their port (a native app's listener), as at the authorize endpoint.
  return !!app && redirectRegistered(app.publicClient.redirectUris, redirectUri) && !redirectRegistered(app.web.redirectUris, redirectUri);
}

function userById(ctx: EmulatorContext, id: string): User {
  const user = ctx.state.users.find((u) => u.id === id);
  if (!user) throw new Error('emulator: session refers to an unknown user');
  return user;
}

function requestedScopes(form: Form, fallback: string[]): string[] {
  return form['scope'] ? form['scope'].split(' ').filter(Boolean) : fallback;
}

function deviceCodeGrant(ctx: EmulatorContext, req: RequestContext, form: Form): Reply {
  const code = form['device_code'];
  if (!code) return AADSTS.missingParameter(req, 'device_code');
  const entry = ctx.deviceCodes.get(code);
  if (!entry || entry.redeemed || entry.clientId !== form['client_id']?.toLowerCase()) return AADSTS.badDeviceCode(req);
  if (entry.expiresAt <= ctx.now()) return AADSTS.expiredDeviceCode(req);
  entry.redeemed = true;
  return delegatedTokenReply(ctx, req, {
    clientId: entry.clientId,
    user: userById(ctx, entry.userId),
    scopes: requestedScopes(form, entry.scopes),
  });
}

function authorizationCodeGrant(ctx: EmulatorContext, req: RequestContext, route: TenantRoute, form: Form): Reply {
  const code = form['code'];
  if (!code) return AADSTS.missingParameter(req, 'code');
  const clientId = form['client_id']?.toLowerCase();
  if (!clientId) return AADSTS.missingParameter(req, 'client_id');
  const entry = ctx.authorizationCodes.get(code);
  // A v1 code (oauth2/authorize) is for the v1 token endpoint (oauth2/token): refused here.
  if (!entry || entry.clientId !== clientId || entry.endpoint === 'v1') return AADSTS.badCode(req);
  if (entry.redeemed) return AADSTS.codeRedeemed(req);
  if (entry.expiresAt <= ctx.now()) {
    return aadError(
      req,
      400,
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    );
  }
  if (form['redirect_uri'] !== entry.redirectUri) return AADSTS.redirectMismatch(req, form['redirect_uri'] ?? '', clientId);
  if (entry.codeChallenge !== undefined) {
    const verifier = form['code_verifier'] ?? '';
    const computed = entry.codeChallengeMethod === 'S256' ? sha256Base64Url(verifier) : verifier;
    if (!verifier || computed !== entry.codeChallenge) return AADSTS.badVerifier(req);
  }
  const authFailure = authenticateUserFlowClient(ctx, req, route, clientId, form);
  if (authFailure) return authFailure;
  const hasCredential = form['client_secret'] !== undefined || form['client_assertion'] !== undefined;
  // A code sent to a redirect URI of the public-client (mobile and desktop) platform is a public client's:
  // a credential with it is refused (AADSTS700025, learn.microsoft.com/entra/identity-platform/reference-error-codes).
  if (hasCredential && onPublicPlatformOnly(ctx, clientId, entry.redirectUri)) return AADSTS.publicClientWithCredential(req);
  entry.redeemed = true;
  return delegatedTokenReply(ctx, req, {
    clientId,
    user: userById(ctx, entry.userId),
    scopes: requestedScopes(form, entry.scopes),
    publicClient: !hasCredential,
    ...(entry.nonce !== undefined ? { nonce: entry.nonce } : {}),
  });
}

function refreshTokenGrant(ctx: EmulatorContext, req: RequestContext, route: TenantRoute, form: Form): Reply {
  const token = form['refresh_token'];
  if (!token) return AADSTS.missingParameter(req, 'refresh_token');
  const clientId = form['client_id']?.toLowerCase();
  if (!clientId) return AADSTS.missingParameter(req, 'client_id');
  const entry = ctx.refreshTokens.get(token);
  if (!entry || entry.clientId !== clientId) return AADSTS.badRefreshToken(req);
  // 90 days unused and it is dead (learn.microsoft.com/entra/identity-platform/refresh-tokens#token-lifetime).
  if (entry.expiresAt <= ctx.now()) return AADSTS.refreshTokenIdle(req, entry.issuedAt);
  const authFailure = authenticateUserFlowClient(ctx, req, route, clientId, form);
  if (authFailure) return authFailure;
  // A refresh token stays with the kind of client it was issued to: a public client's may not be
  // redeemed with a secret (700025), a confidential client's not without one (7000218)
  // (learn.microsoft.com/entra/identity-platform/reference-error-codes).
  const hasCredential = form['client_secret'] !== undefined || form['client_assertion'] !== undefined;
  if (entry.publicClient && hasCredential && clientId !== WELL_KNOWN_APP_IDS.azureCli) return AADSTS.publicClientWithCredential(req);
  if (!entry.publicClient && !hasCredential) return AADSTS.notPublicClient(req);
  const user = userById(ctx, entry.userId);
  const revoked = revokedSince(user, entry);
  if (revoked !== undefined) return AADSTS.revokedGrant(req, entry.authTime, revoked);
  const scopes = requestedScopes(form, ['openid', 'profile', 'offline_access']);
  if (user.mfa) {
    // A Conditional Access policy demanding MFA is not met by a refresh token obtained without it:
    // only an interactive sign-in can (learn.microsoft.com/entra/identity/conditional-access/concept-conditional-access-grant).
    const resolution = resolveScopes(ctx, req, scopes);
    const resource = resolution.ok ? resolution.resource.appId : WELL_KNOWN_APP_IDS.graph;
    return user.mfa === 'unregistered' ? AADSTS.mfaEnrollmentRequired(req, resource) : AADSTS.mfaRequired(req, resource);
  }
  return delegatedTokenReply(ctx, req, { clientId, user, scopes, publicClient: entry.publicClient, authTime: entry.authTime });
}

/**
 * When the user's tokens were revoked after this grant began: every token by revokeSignInSessions
 * (learn.microsoft.com/graph/api/user-revokesigninsessions), a public client's by a password change,
 * while a confidential client's survives it (learn.microsoft.com/entra/identity-platform/refresh-tokens#token-revocation).
 */
function revokedSince(user: User, entry: { authTime: number; publicClient: boolean }): number | undefined {
  if (user.signInSessionsValidFrom !== undefined && user.signInSessionsValidFrom > entry.authTime) return user.signInSessionsValidFrom;
  if (entry.publicClient && user.passwordChangedAt !== undefined && user.passwordChangedAt > entry.authTime) return user.passwordChangedAt;
  return undefined;
}
