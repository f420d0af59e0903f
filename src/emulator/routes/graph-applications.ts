// Graph /applications: create, read, list, update (keyCredentials replace the collection),
// addPassword / removePassword, delete.
import { X509Certificate } from 'node:crypto';
import { isVisible, type EmulatorContext } from '../context.ts';
import type { Reply, RequestContext } from '../http.ts';
import { isGuid, newClientSecret, newGuid } from '../ids.ts';
import { hashSecret } from '../seed.ts';
import { enforcePasswordPolicy, listAppManagementPolicies } from './graph-policies.ts';
import { handleFederatedCredentials } from './graph-federated-credentials.ts';
import type { Application, KeyCredential, RequiredResourceAccess } from '../state.ts';
import type { AccessTokenClaims } from '../tokens.ts';
import {
  PERMISSIONS,
  badRequest,
  entityReply,
  graphError,
  graphHeaders,
  jsonBody,
  listReply,
  metadataContext,
  noContent,
  notFound,
  optionalString,
  requirePermission,
  stringList,
} from './graph-shared.ts';

const SIGN_IN_AUDIENCES = ['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount'];
const DEFAULT_SECRET_LIFETIME_MS = 2 * 365 * 86_400_000;

/** Routes under /v1.0/applications; `rest` is what follows "applications". */
export function handleApplications(ctx: EmulatorContext, req: RequestContext, claims: AccessTokenClaims, rest: string): Reply {
  if (rest === '' || rest === '/') {
    if (req.method === 'GET') {
      requirePermission(req, claims, PERMISSIONS.applicationsRead);
      // A new app is missing from lists until it replicates (designing-for-eventual-consistency-for-microsoft-entra).
      const visible = ctx.state.applications.filter((a) => isVisible(ctx, a));
      return listReply(
        ctx,
        req,
        'applications',
        'Application',
        visible.map((a) => toGraph(ctx, a, false)),
        ['displayName', 'appId', 'id', 'signInAudience'],
      );
    }
    if (req.method === 'POST') {
      requirePermission(req, claims, PERMISSIONS.applicationsWrite);
      return create(ctx, req);
    }
    return methodNotAllowed(req);
  }
  const match = /^(?:\/([^/()]+)|\(appId='([^']*)'\))(?:\/([^/]+)(?:\/([^/]+))?)?\/?$/i.exec(rest);
  if (!match) return notFoundSegment(req, rest);
  const [, objectId, appId, action, member] = match;
  const app =
    objectId !== undefined
      ? ctx.state.applications.find((a) => a.id === objectId.toLowerCase())
      : ctx.state.applications.find((a) => a.appId === appId!.toLowerCase());
  const key = objectId ?? appId!;
  const write = req.method !== 'GET';
  requirePermission(req, claims, write ? PERMISSIONS.applicationsWrite : PERMISSIONS.applicationsRead);
  // Until it replicates, every call naming a new app 404s: devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/,
  // msgraph-sdk-javascript issue 1999 (create, then addPassword: Request_ResourceNotFound).
  if (!app || !isVisible(ctx, app)) notFound(req, key);
  if (action === undefined) {
    switch (req.method) {
      case 'GET': {
        const withKeys = (req.query['$select'] ?? '').toLowerCase().split(',').includes('keycredentials');
        return entityReply(ctx, req, 'applications', toGraph(ctx, app, withKeys));
      }
      case 'PATCH':
        return update(ctx, req, app);
      case 'DELETE':
        remove(ctx, app);
        return noContent(req);
      default:
        return methodNotAllowed(req);
    }
  }
  if (/^federatedidentitycredentials(\(|$)/i.test(action)) return handleFederatedCredentials(ctx, req, app, action, member);
  if (member !== undefined) return notFoundSegment(req, member);
  if (action.toLowerCase() === 'appmanagementpolicies') return listAppManagementPolicies(ctx, req, claims, app);
  if (req.method !== 'POST') return methodNotAllowed(req);
  switch (action.toLowerCase()) {
    case 'addpassword':
      return addPassword(ctx, req, app);
    case 'removepassword':
      return removePassword(req, app);
    default:
      return notFoundSegment(req, action);
  }
}

function create(ctx: EmulatorContext, req: RequestContext): Reply {
  const body = jsonBody(req);
  const displayName = optionalString(req, body, 'displayName', 'Application');
  if (!displayName) badRequest(req, "Invalid value specified for property 'displayName' of resource 'Application'.");
  const now = ctx.now();
  const appId = newGuid();
  const app: Application = {
    id: newGuid(),
    appId,
    displayName,
    signInAudience: 'AzureADandPersonalMicrosoftAccount',
    createdDateTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    createdAt: now,
    visibleAt: ctx.replication.visibleAt('app', now),
    requiredResourceAccess: [],
    web: { redirectUris: [] },
    publicClient: { redirectUris: [] },
    spa: { redirectUris: [] },
    isFallbackPublicClient: null,
    identifierUris: [],
    passwordCredentials: [],
    keyCredentials: [],
  };
  applyChanges(ctx, req, app, body);
  ctx.state.applications.push(app);
  const reply = entityReply(ctx, req, 'applications', toGraph(ctx, app, false), 201);
  reply.headers = {
    ...reply.headers,
    location: `${ctx.origins.graph}/v2/${ctx.state.tenant.id}/directoryObjects/${app.id}/Microsoft.DirectoryServices.Application`,
  };
  return reply;
}

function update(ctx: EmulatorContext, req: RequestContext, app: Application): Reply {
  const body = jsonBody(req);
  if ('passwordCredentials' in body)
    badRequest(req, "Property 'passwordCredentials' is read-only and cannot be set. Use the addPassword and removePassword actions.");
  if ('appId' in body || 'id' in body) badRequest(req, "Property 'appId' is read-only and cannot be set.");
  applyChanges(ctx, req, app, body);
  return noContent(req);
}

/** Validates first, then writes: a rejected PATCH changes nothing. */
function applyChanges(ctx: EmulatorContext, req: RequestContext, app: Application, body: Record<string, unknown>): void {
  const next = structuredClone(app);
  const displayName = optionalString(req, body, 'displayName', 'Application');
  if (displayName !== undefined) next.displayName = displayName;
  const audience = optionalString(req, body, 'signInAudience', 'Application');
  if (audience !== undefined) {
    if (!SIGN_IN_AUDIENCES.includes(audience))
      badRequest(req, "Invalid value specified for property 'signInAudience' of resource 'Application'.");
    next.signInAudience = audience;
  }
  if ('requiredResourceAccess' in body) next.requiredResourceAccess = requiredResourceAccess(req, body['requiredResourceAccess']);
  for (const platform of ['web', 'publicClient', 'spa'] as const) {
    if (!(platform in body)) continue;
    const value = body[platform];
    if (value === null) next[platform] = { redirectUris: [] };
    else if (typeof value === 'object' && !Array.isArray(value)) {
      const uris = (value as Record<string, unknown>)['redirectUris'];
      if (uris !== undefined) next[platform] = { redirectUris: stringList(req, uris, 'redirectUris', platform) };
    } else badRequest(req, `Invalid value specified for property '${platform}' of resource 'Application'.`);
  }
  if ('isFallbackPublicClient' in body) {
    const value = body['isFallbackPublicClient'];
    if (value !== null && typeof value !== 'boolean')
      badRequest(req, "Invalid value specified for property 'isFallbackPublicClient' of resource 'Application'.");
    next.isFallbackPublicClient = value;
  }
  if ('identifierUris' in body) next.identifierUris = stringList(req, body['identifierUris'], 'identifierUris', 'Application');
  if ('keyCredentials' in body) next.keyCredentials = keyCredentials(ctx, req, app, body['keyCredentials']);
  Object.assign(app, next);
}

function requiredResourceAccess(req: RequestContext, value: unknown): RequiredResourceAccess[] {
  const invalid = (): never => badRequest(req, "Invalid value specified for property 'requiredResourceAccess' of resource 'Application'.");
  if (!Array.isArray(value)) return invalid();
  return value.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return invalid();
    const { resourceAppId, resourceAccess } = entry as Record<string, unknown>;
    if (typeof resourceAppId !== 'string' || !isGuid(resourceAppId) || !Array.isArray(resourceAccess)) return invalid();
    return {
      resourceAppId: resourceAppId.toLowerCase(),
      resourceAccess: resourceAccess.map((access: unknown) => {
        const { id, type } = (access ?? {}) as Record<string, unknown>;
        if (typeof id !== 'string' || !isGuid(id) || (type !== 'Scope' && type !== 'Role')) return invalid();
        return { id: id.toLowerCase(), type };
      }),
    };
  });
}

/** PATCH keyCredentials replaces the whole collection. An entry naming an existing keyId without `key` keeps that certificate. */
function keyCredentials(ctx: EmulatorContext, req: RequestContext, app: Application, value: unknown): KeyCredential[] {
  if (value === null) return [];
  if (!Array.isArray(value)) badRequest(req, "Invalid value specified for property 'keyCredentials' of resource 'Application'.");
  const invalidKey = (): never => badRequest(req, "Invalid value specified for property 'key' of resource 'KeyCredential'.");
  const seen = new Set<string>();
  return value.map((entry: unknown) => {
    const fields = (entry ?? {}) as Record<string, unknown>;
    const keyId = typeof fields['keyId'] === 'string' ? fields['keyId'].toLowerCase() : undefined;
    const existing = keyId ? app.keyCredentials.find((k) => k.keyId === keyId) : undefined;
    if (existing && (fields['key'] === undefined || fields['key'] === null)) return existing;
    if (fields['type'] !== 'AsymmetricX509Cert')
      badRequest(req, "Invalid value specified for property 'type' of resource 'KeyCredential'.");
    if (fields['usage'] !== 'Verify') badRequest(req, "Invalid value specified for property 'usage' of resource 'KeyCredential'.");
    if (typeof fields['key'] !== 'string') return invalidKey();
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(Buffer.from(fields['key'], 'base64'));
    } catch {
      return invalidKey();
    }
    const thumbprint = certificate.fingerprint.replaceAll(':', '');
    const key = Buffer.from(fields['key'], 'base64').toString('base64');
    if (seen.has(thumbprint)) badRequest(req, 'Upload of duplicate certificates is not allowed.');
    seen.add(thumbprint);
    const notBefore = new Date(certificate.validFrom);
    const notAfter = new Date(certificate.validTo);
    const endDateTime = typeof fields['endDateTime'] === 'string' ? new Date(fields['endDateTime']) : notAfter;
    const startDateTime = typeof fields['startDateTime'] === 'string' ? new Date(fields['startDateTime']) : notBefore;
    if (Number.isNaN(endDateTime.getTime()) || endDateTime.getTime() > notAfter.getTime())
      badRequest(req, 'Key credential end date is invalid.');
    if (Number.isNaN(startDateTime.getTime()) || startDateTime.getTime() < notBefore.getTime())
      badRequest(req, 'Key credential start date is invalid.');
    return {
      keyId: keyId ?? newGuid(),
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key,
      displayName: typeof fields['displayName'] === 'string' ? fields['displayName'] : `CN=${certificate.subject.replace(/^CN=/, '')}`,
      startDateTime: startDateTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      endDateTime: endDateTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      customKeyIdentifier: typeof fields['customKeyIdentifier'] === 'string' ? fields['customKeyIdentifier'] : thumbprint,
      // A key sent back unchanged keeps its replication; a new one replicates like any new credential.
      visibleAt: existing?.key === key ? existing.visibleAt : ctx.replication.visibleAt('certificate', ctx.now()),
    };
  });
}

function addPassword(ctx: EmulatorContext, req: RequestContext, app: Application): Reply {
  const body = jsonBody(req);
  const input = (body['passwordCredential'] ?? {}) as Record<string, unknown>;
  if (typeof input !== 'object' || input === null) badRequest(req, "Invalid value specified for property 'passwordCredential'.");
  const now = ctx.now();
  const start = typeof input['startDateTime'] === 'string' ? Date.parse(input['startDateTime']) : now;
  const end = typeof input['endDateTime'] === 'string' ? Date.parse(input['endDateTime']) : start + DEFAULT_SECRET_LIFETIME_MS;
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start)
    badRequest(req, "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.");
  enforcePasswordPolicy(ctx, req, app, end - start);
  const secretText = newClientSecret();
  const credential = {
    keyId: newGuid(),
    displayName: typeof input['displayName'] === 'string' ? input['displayName'] : null,
    hint: secretText.slice(0, 3),
    startDateTime: new Date(start).toISOString(),
    endDateTime: new Date(end).toISOString(),
    secretHash: hashSecret(secretText),
    createdAt: now,
    visibleAt: ctx.replication.visibleAt('secret', now),
  };
  app.passwordCredentials.push(credential);
  return {
    status: 200,
    headers: graphHeaders(req),
    body: {
      '@odata.context': metadataContext(ctx, 'microsoft.graph.passwordCredential'),
      customKeyIdentifier: null,
      displayName: credential.displayName,
      endDateTime: credential.endDateTime,
      hint: credential.hint,
      keyId: credential.keyId,
      secretText,
      startDateTime: credential.startDateTime,
    },
  };
}

function removePassword(req: RequestContext, app: Application): Reply {
  const body = jsonBody(req);
  const keyId = typeof body['keyId'] === 'string' ? body['keyId'].toLowerCase() : undefined;
  if (!keyId || !isGuid(keyId)) badRequest(req, "Invalid value specified for property 'keyId'.");
  const index = app.passwordCredentials.findIndex((c) => c.keyId === keyId);
  if (index === -1) badRequest(req, `No password credential found with keyId ${keyId}.`);
  app.passwordCredentials.splice(index, 1);
  return noContent(req);
}

/**
 * DELETE /applications/{id}: 204, and the app is gone from every read (a second DELETE is 404). Entra
 * moves it to deleted items, restorable for 30 days (learn.microsoft.com/graph/api/application-delete);
 * its service principal in the home tenant goes with it
 * (learn.microsoft.com/entra/identity/enterprise-apps/restore-application). The emulator models no
 * restore, so deleted items are not kept; its tokens stop at once (AADSTS700016 for its client id).
 */
function remove(ctx: EmulatorContext, app: Application): void {
  const state = ctx.state;
  state.applications.splice(state.applications.indexOf(app), 1);
  const sp = state.servicePrincipals.find((s) => s.appId === app.appId);
  if (sp) {
    state.servicePrincipals.splice(state.servicePrincipals.indexOf(sp), 1);
    state.oauth2PermissionGrants = state.oauth2PermissionGrants.filter((g) => g.clientId !== sp.id);
    state.appRoleGrants = state.appRoleGrants.filter((g) => g.principalId !== sp.id);
  }
}

export function toGraph(ctx: EmulatorContext, app: Application, withKeys: boolean): Record<string, unknown> {
  return {
    id: app.id,
    deletedDateTime: null,
    appId: app.appId,
    applicationTemplateId: null,
    createdDateTime: app.createdDateTime,
    description: null,
    displayName: app.displayName,
    identifierUris: app.identifierUris,
    isFallbackPublicClient: app.isFallbackPublicClient,
    publisherDomain: ctx.state.tenant.domain,
    signInAudience: app.signInAudience,
    tags: [],
    appRoles: [],
    keyCredentials: app.keyCredentials.map((k) => ({
      customKeyIdentifier: k.customKeyIdentifier,
      displayName: k.displayName,
      endDateTime: k.endDateTime,
      key: withKeys ? k.key : null,
      keyId: k.keyId,
      startDateTime: k.startDateTime,
      type: k.type,
      usage: k.usage,
    })),
    passwordCredentials: app.passwordCredentials.map((p) => ({
      customKeyIdentifier: null,
      displayName: p.displayName,
      endDateTime: p.endDateTime,
      hint: p.hint,
      keyId: p.keyId,
      secretText: null,
      startDateTime: p.startDateTime,
    })),
    publicClient: { redirectUris: app.publicClient.redirectUris },
    requiredResourceAccess: app.requiredResourceAccess,
    spa: { redirectUris: app.spa.redirectUris },
    web: {
      homePageUrl: null,
      logoutUrl: null,
      redirectUris: app.web.redirectUris,
      implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
    },
  };
}

export function methodNotAllowed(req: RequestContext): Reply {
  return graphError(req, 405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed for this resource.`);
}

export function notFoundSegment(req: RequestContext, segment: string): Reply {
  return graphError(req, 400, 'BadRequest', `Resource not found for the segment '${segment.replace(/^\//, '')}'.`);
}
