// Building token responses: app-only (client credentials) and delegated (user flows).
import { createHash } from 'node:crypto';
import { opaque } from '../ids.ts';
import { isVisible, resolveResource, type EmulatorContext, type Resource } from '../context.ts';
import type { Reply, RequestContext } from '../http.ts';
import { WELL_KNOWN_APP_IDS, findApplicationByAppId, findServicePrincipalByAppId, type ServicePrincipal, type User } from '../state.ts';
import type { AccessTokenClaims } from '../tokens.ts';
import { AADSTS } from './login-errors.ts';

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
/** First-party public clients the admin has already consented to (their scopes come from the user's consent). */
const FIRST_PARTY_CLIENTS = new Set<string>([WELL_KNOWN_APP_IDS.azureCli]);
const REFRESH_TOKEN_LIFETIME_MS = 90 * 86_400_000;

export function issuer(ctx: EmulatorContext): string {
  return `${ctx.origins.login}/${ctx.state.tenant.id}/v2.0`;
}

function baseClaims(
  ctx: EmulatorContext,
  audience: string,
): Pick<AccessTokenClaims, 'aud' | 'iss' | 'iat' | 'nbf' | 'exp' | 'tid' | 'ver' | 'uti'> {
  const now = Math.floor(ctx.now() / 1000);
  return {
    aud: audience,
    iss: issuer(ctx),
    iat: now,
    nbf: now,
    exp: now + ctx.tokenLifetimeSeconds,
    tid: ctx.state.tenant.id,
    ver: '2.0',
    uti: opaque(16),
  };
}

export function appOnlyTokenReply(ctx: EmulatorContext, sp: ServicePrincipal, resource: Resource): Reply {
  const roles =
    resource.kind === 'graph'
      ? ctx.state.appRoleGrants.filter((g) => g.principalId === sp.id && g.resourceAppId === resource.appId).map((g) => g.value)
      : [];
  const claims: AccessTokenClaims = {
    ...baseClaims(ctx, resource.audience),
    appid: sp.appId,
    azp: sp.appId,
    oid: sp.id,
    sub: sp.id,
    idtyp: 'app',
    ...(roles.length ? { roles } : {}),
  };
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: ctx.tokenLifetimeSeconds,
      ext_expires_in: ctx.tokenLifetimeSeconds,
      access_token: ctx.signer.sign({ ...claims }),
    },
  };
}

interface DelegatedRequest {
  clientId: string;
  user: User;
  scopes: string[];
  nonce?: string;
  /** The client sent no credential: the refresh token issued is a public client's. */
  publicClient?: boolean;
  /** The sign-in a refreshed grant goes back to (default now: a new sign-in). */
  authTime?: number;
}

type ScopeResolution = { ok: true; resource: Resource; names: string[] } | { ok: false; reply: Reply };

/** Splits requested scopes into OIDC scopes and one resource's scopes (bare names mean Graph). */
export function resolveScopes(ctx: EmulatorContext, req: RequestContext, scopes: string[]): ScopeResolution {
  const byResource = new Map<string, string[]>();
  for (const scope of scopes) {
    if (OIDC_SCOPES.has(scope.toLowerCase())) continue;
    const slash = scope.lastIndexOf('/');
    const resource = slash === -1 ? ctx.origins.graph : scope.slice(0, slash).replace(/\/+$/, '');
    const name = slash === -1 ? scope : scope.slice(slash + 1);
    byResource.set(resource.toLowerCase(), [...(byResource.get(resource.toLowerCase()) ?? []), name]);
  }
  if (byResource.size > 1) return { ok: false, reply: AADSTS.multipleResources(req) };
  const [identifier = ctx.origins.graph, names = ['.default']] = [...byResource.entries()][0] ?? [];
  const resource = resolveResource(ctx, identifier);
  if (!resource) return { ok: false, reply: AADSTS.unknownResource(req, identifier, ctx.state.tenant.displayName) };
  return { ok: true, resource, names };
}

/** Tokens for the signed-in user: access token (scp), id token, client info, and a refresh token when offline_access was asked for. */
export function delegatedTokenReply(ctx: EmulatorContext, req: RequestContext, request: DelegatedRequest): Reply {
  const resolution = resolveScopes(ctx, req, request.scopes);
  if (!resolution.ok) return resolution.reply;
  const { resource, names } = resolution;
  const granted = consentedScopes(ctx, request.clientId, request.user, resource);
  const wantsDefault = names.includes('.default');
  const missing = names.filter((n) => n !== '.default' && !granted.includes(n));
  if (granted.length === 0 || missing.length > 0) {
    const name = findApplicationByAppId(ctx.state, request.clientId)?.displayName ?? request.clientId;
    return AADSTS.consentRequired(req, request.clientId, name);
  }
  const scp = wantsDefault ? granted : names;
  const { user } = request;
  const claims: AccessTokenClaims = {
    ...baseClaims(ctx, resource.audience),
    appid: request.clientId,
    azp: request.clientId,
    oid: user.id,
    sub: pairwiseSubject(user.id, request.clientId),
    idtyp: 'user',
    scp: scp.join(' '),
    upn: user.userPrincipalName,
    name: user.displayName,
    preferred_username: user.userPrincipalName,
  };
  const requested = new Set(request.scopes.map((s) => s.toLowerCase()));
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: [
      ...scp.map((s) => (resource.kind === 'graph' ? s : `${resource.audience}/${s}`)),
      ...[...requested].filter((s) => OIDC_SCOPES.has(s)),
    ].join(' '),
    expires_in: ctx.tokenLifetimeSeconds,
    ext_expires_in: ctx.tokenLifetimeSeconds,
    access_token: ctx.signer.sign({ ...claims }),
  };
  if (requested.has('offline_access')) {
    const refreshToken = opaque(64);
    // A new refresh token at every redemption, valid 90 days from now: the inactivity window follows the last use
    // (learn.microsoft.com/entra/identity-platform/refresh-tokens#token-lifetime).
    ctx.refreshTokens.set(refreshToken, {
      clientId: request.clientId,
      userId: user.id,
      expiresAt: ctx.now() + REFRESH_TOKEN_LIFETIME_MS,
      issuedAt: ctx.now(),
      authTime: request.authTime ?? ctx.now(),
      publicClient: request.publicClient ?? true,
    });
    body['refresh_token'] = refreshToken;
  }
  if (requested.has('openid') || requested.has('profile')) body['id_token'] = idToken(ctx, request);
  body['client_info'] = Buffer.from(JSON.stringify({ uid: user.id, utid: ctx.state.tenant.id })).toString('base64url');
  return { status: 200, body };
}

function consentedScopes(ctx: EmulatorContext, clientId: string, user: User, resource: Resource): string[] {
  if (FIRST_PARTY_CLIENTS.has(clientId)) return user.delegatedScopes[resource.appId] ?? [];
  const clientSp = findServicePrincipalByAppId(ctx.state, clientId);
  const resourceSp = findServicePrincipalByAppId(ctx.state, resource.appId);
  // A grant naming a service principal that has not replicated does not count yet.
  if (!clientSp || !resourceSp || !isVisible(ctx, clientSp) || !isVisible(ctx, resourceSp)) return [];
  const scopes = ctx.state.oauth2PermissionGrants
    .filter((g) => g.clientId === clientSp.id && g.resourceId === resourceSp.id)
    .filter((g) => g.consentType === 'AllPrincipals' || g.principalId === user.id)
    .flatMap((g) => g.scope.split(' ').filter(Boolean));
  return [...new Set(scopes)];
}

function idToken(ctx: EmulatorContext, request: DelegatedRequest): string {
  const now = Math.floor(ctx.now() / 1000);
  return ctx.signer.sign({
    aud: request.clientId,
    iss: issuer(ctx),
    iat: now,
    nbf: now,
    exp: now + 3600,
    name: request.user.displayName,
    oid: request.user.id,
    preferred_username: request.user.userPrincipalName,
    sub: pairwiseSubject(request.user.id, request.clientId),
    tid: ctx.state.tenant.id,
    ver: '2.0',
    ...(request.nonce ? { nonce: request.nonce } : {}),
  });
}

/** Entra's `sub` is pairwise: stable per user and application, different across applications. */
function pairwiseSubject(userId: string, clientId: string): string {
  return createHash('sha256').update(`${userId}:${clientId}`).digest('base64url').slice(0, 43);
}
