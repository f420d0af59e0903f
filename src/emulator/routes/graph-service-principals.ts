// Graph /servicePrincipals and /oauth2PermissionGrants.
import { isVisible, type EmulatorContext } from '../context.ts';
import { ReplyError, type Reply, type RequestContext } from '../http.ts';
import { isGuid, newGuid, opaque } from '../ids.ts';
import { firstPartyServicePrincipal } from '../seed.ts';
import { findApplicationByAppId, type OAuth2PermissionGrant, type ServicePrincipal } from '../state.ts';
import type { AccessTokenClaims } from '../tokens.ts';
import { methodNotAllowed, notFoundSegment } from './graph-applications.ts';
import {
  PERMISSIONS,
  badRequest,
  entityReply,
  graphError,
  graphFail,
  jsonBody,
  listReply,
  noContent,
  notFound,
  optionalString,
  requirePermission,
} from './graph-shared.ts';

export function handleServicePrincipals(ctx: EmulatorContext, req: RequestContext, claims: AccessTokenClaims, rest: string): Reply {
  const write = req.method !== 'GET';
  requirePermission(req, claims, write ? PERMISSIONS.applicationsWrite : PERMISSIONS.applicationsRead);
  if (rest === '' || rest === '/') {
    if (req.method === 'GET') {
      // A new service principal is missing from lists until it replicates, like a new app.
      const visible = ctx.state.servicePrincipals.filter((sp) => isVisible(ctx, sp));
      return listReply(
        ctx,
        req,
        'servicePrincipals',
        'ServicePrincipal',
        visible.map((sp) => toGraph(sp)),
        ['appId', 'displayName', 'id', 'servicePrincipalType', 'accountEnabled'],
      );
    }
    if (req.method === 'POST') return create(ctx, req);
    return methodNotAllowed(req);
  }
  const match = /^(?:\/([^/()]+)|\(appId='([^']*)'\))\/?$/i.exec(rest);
  if (!match) return notFoundSegment(req, rest);
  const [, objectId, appId] = match;
  const sp =
    objectId !== undefined
      ? ctx.state.servicePrincipals.find((s) => s.id === objectId.toLowerCase())
      : ctx.state.servicePrincipals.find((s) => s.appId === appId!.toLowerCase());
  // Request_ResourceNotFound until it replicates (designing-for-eventual-consistency-for-microsoft-entra).
  if (!sp || !isVisible(ctx, sp)) notFound(req, objectId ?? appId!);
  switch (req.method) {
    case 'GET':
      return entityReply(ctx, req, 'servicePrincipals', toGraph(sp));
    case 'PATCH': {
      const body = jsonBody(req);
      if ('accountEnabled' in body) {
        if (typeof body['accountEnabled'] !== 'boolean')
          badRequest(req, "Invalid value specified for property 'accountEnabled' of resource 'ServicePrincipal'.");
        sp.accountEnabled = body['accountEnabled'];
      }
      return noContent(req);
    }
    case 'DELETE':
      ctx.state.servicePrincipals.splice(ctx.state.servicePrincipals.indexOf(sp), 1);
      ctx.state.oauth2PermissionGrants = ctx.state.oauth2PermissionGrants.filter((g) => g.clientId !== sp.id && g.resourceId !== sp.id);
      return noContent(req);
    default:
      return methodNotAllowed(req);
  }
}

function create(ctx: EmulatorContext, req: RequestContext): Reply {
  const body = jsonBody(req);
  const appId = optionalString(req, body, 'appId', 'ServicePrincipal')?.toLowerCase();
  if (!appId || !isGuid(appId)) badRequest(req, "Invalid value specified for property 'appId' of resource 'ServicePrincipal'.");
  // Uniqueness is enforced at write: a twin that has not replicated yet still conflicts.
  if (ctx.state.servicePrincipals.some((sp) => sp.appId === appId)) {
    graphFail(
      req,
      409,
      'Request_MultipleObjectsWithSameKeyValue',
      'Another object with the same value for property servicePrincipalNames already exists.',
    );
  }
  const now = ctx.now();
  let sp: ServicePrincipal | undefined = firstPartyServicePrincipal(appId, now);
  if (!sp) {
    const app = findApplicationByAppId(ctx.state, appId);
    if (!app) noBackingApplication(req, appId);
    if (!isVisible(ctx, app)) notYetReplicatedApp(ctx, req, appId);
    sp = {
      id: newGuid(),
      appId,
      displayName: app.displayName,
      accountEnabled: typeof body['accountEnabled'] === 'boolean' ? body['accountEnabled'] : true,
      servicePrincipalType: 'Application',
      appOwnerOrganizationId: ctx.state.tenant.id,
      servicePrincipalNames: [appId],
      oauth2PermissionScopes: [],
      appRoles: [],
      createdAt: now,
      visibleAt: now,
    };
  }
  sp.visibleAt = ctx.replication.visibleAt('servicePrincipal', now);
  ctx.state.servicePrincipals.push(sp);
  return entityReply(ctx, req, 'servicePrincipals', toGraph(sp), 201);
}

function noBackingApplication(req: RequestContext, appId: string): never {
  // The real body, details included: learn.microsoft.com/answers/questions/5883620 (POST /servicePrincipals right after the app).
  const message = `The appId '${appId}' of the service principal does not reference a valid application object.`;
  const reply = graphError(req, 400, 'Request_BadRequest', message);
  (reply.body as { error: Record<string, unknown> }).error['details'] = [{ code: 'NoBackingApplicationObject', message, target: 'appId' }];
  throw new ReplyError(reply);
}

/**
 * POST /servicePrincipals for an app that has not replicated: Graph answers one of three errors, per
 * request. 400 NoBackingApplicationObject (above); 403 Authorization_RequestDenied with this exact text,
 * grammar included (terraform-provider-azuread issue 992, azure-cli issue 14767); 404
 * Request_ResourceNotFound (azure-cli issue 28009). The seeded PRNG picks, so a suite meets all three.
 */
function notYetReplicatedApp(ctx: EmulatorContext, req: RequestContext, appId: string): never {
  switch (ctx.replication.choose('service-principal-for-new-app', ['400', '403', '404'] as const)) {
    case '400':
      return noBackingApplication(req, appId);
    case '403':
      return graphFail(
        req,
        403,
        'Authorization_RequestDenied',
        'When using this permission, the backing application of the service principal being created must in the local tenant',
      );
    case '404':
      return notFound(req, appId);
  }
}

function toGraph(sp: ServicePrincipal): Record<string, unknown> {
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: sp.accountEnabled,
    appDisplayName: sp.displayName,
    appId: sp.appId,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    displayName: sp.displayName,
    servicePrincipalNames: sp.servicePrincipalNames,
    servicePrincipalType: sp.servicePrincipalType,
    signInAudience: 'AzureADMyOrg',
    tags: [],
    appRoles: sp.appRoles,
    oauth2PermissionScopes: sp.oauth2PermissionScopes,
    keyCredentials: [],
    passwordCredentials: [],
    replyUrls: [],
  };
}

export function handleGrants(ctx: EmulatorContext, req: RequestContext, claims: AccessTokenClaims, rest: string): Reply {
  requirePermission(req, claims, req.method === 'GET' ? PERMISSIONS.grantsRead : PERMISSIONS.grantsWrite);
  if (rest === '' || rest === '/') {
    if (req.method === 'GET') {
      return listReply(
        ctx,
        req,
        'oauth2PermissionGrants',
        'OAuth2PermissionGrant',
        ctx.state.oauth2PermissionGrants.map((g) => ({ ...g })),
        ['clientId', 'consentType', 'resourceId', 'principalId', 'id'],
      );
    }
    if (req.method === 'POST') return createGrant(ctx, req);
    return methodNotAllowed(req);
  }
  const id = /^\/([^/]+)\/?$/.exec(rest)?.[1];
  if (!id) return notFoundSegment(req, rest);
  const grant = ctx.state.oauth2PermissionGrants.find((g) => g.id === id);
  if (!grant) notFound(req, id);
  switch (req.method) {
    case 'GET':
      return entityReply(ctx, req, 'oauth2PermissionGrants', { ...grant });
    case 'PATCH': {
      const scope = optionalString(req, jsonBody(req), 'scope', 'OAuth2PermissionGrant');
      if (scope !== undefined) grant.scope = scope;
      return noContent(req);
    }
    case 'DELETE':
      ctx.state.oauth2PermissionGrants.splice(ctx.state.oauth2PermissionGrants.indexOf(grant), 1);
      return noContent(req);
    default:
      return methodNotAllowed(req);
  }
}

function createGrant(ctx: EmulatorContext, req: RequestContext): Reply {
  const body = jsonBody(req);
  const invalid = (property: string): never =>
    badRequest(req, `Invalid value specified for property '${property}' of resource 'OAuth2PermissionGrant'.`);
  const clientId = optionalString(req, body, 'clientId', 'OAuth2PermissionGrant')?.toLowerCase();
  const resourceId = optionalString(req, body, 'resourceId', 'OAuth2PermissionGrant')?.toLowerCase();
  const consentType = optionalString(req, body, 'consentType', 'OAuth2PermissionGrant');
  const principalId = optionalString(req, body, 'principalId', 'OAuth2PermissionGrant')?.toLowerCase() ?? null;
  const scope = optionalString(req, body, 'scope', 'OAuth2PermissionGrant') ?? '';
  // A service principal that has not replicated is as unknown as a wrong id, for minutes at worst (msgraph-bicep-types issue 193).
  const known = (id: string | undefined): boolean => ctx.state.servicePrincipals.some((sp) => sp.id === id && isVisible(ctx, sp));
  if (!clientId || !known(clientId)) return invalid('clientId');
  if (!resourceId || !known(resourceId)) return invalid('resourceId');
  if (consentType !== 'AllPrincipals' && consentType !== 'Principal') return invalid('consentType');
  if (consentType === 'AllPrincipals' && principalId !== null) return invalid('principalId');
  if (consentType === 'Principal' && (principalId === null || !ctx.state.users.some((u) => u.id === principalId)))
    return invalid('principalId');
  const duplicate = ctx.state.oauth2PermissionGrants.some(
    (g) => g.clientId === clientId && g.resourceId === resourceId && g.consentType === consentType && g.principalId === principalId,
  );
  if (duplicate) graphFail(req, 409, 'Request_MultipleObjectsWithSameKeyValue', 'Permission entry already exists.');
  const grant: OAuth2PermissionGrant = { id: opaque(32), clientId, consentType, principalId, resourceId, scope };
  ctx.state.oauth2PermissionGrants.push(grant);
  return entityReply(ctx, req, 'oauth2PermissionGrants', { ...grant }, 201);
}
