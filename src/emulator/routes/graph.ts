// Microsoft Graph v1.0: /organization, /me, /applications, /servicePrincipals, /oauth2PermissionGrants.
import type { EmulatorContext } from '../context.ts';
import type { Reply, RequestContext } from '../http.ts';
import type { User } from '../state.ts';
import { handleApplications, methodNotAllowed, notFoundSegment } from './graph-applications.ts';
import { handlePolicies } from './graph-policies.ts';
import { handleGrants, handleServicePrincipals } from './graph-service-principals.ts';
import { PERMISSIONS, authenticateGraph, entityReply, graphError, graphFail, listReply, requirePermission } from './graph-shared.ts';

export function handleGraph(ctx: EmulatorContext, req: RequestContext): Reply {
  const match = /^\/v1\.0\/([^/(]+)(.*)$/i.exec(req.path);
  if (!match) {
    return graphError(req, 400, 'BadRequest', req.path.startsWith('/v1.0') ? 'Invalid version.' : `Invalid request URL '${req.path}'.`);
  }
  const claims = authenticateGraph(ctx, req);
  const [, segment = '', rest = ''] = match;
  switch (segment.toLowerCase()) {
    case 'organization': {
      requirePermission(req, claims, PERMISSIONS.organizationRead);
      if (req.method !== 'GET') return methodNotAllowed(req);
      return listReply(ctx, req, 'organization', 'Organization', [organization(ctx)], ['id']);
    }
    case 'me': {
      if (claims.idtyp !== 'user') graphFail(req, 400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      requirePermission(req, claims, PERMISSIONS.meRead);
      if (req.method !== 'GET' || rest) return methodNotAllowed(req);
      const user = ctx.state.users.find((u) => u.id === claims.oid);
      if (!user)
        graphFail(
          req,
          404,
          'Request_ResourceNotFound',
          `Resource '${claims.oid}' does not exist or one of its queried reference-property objects are not present.`,
        );
      return entityReply(ctx, req, 'users', userToGraph(user));
    }
    case 'applications':
      return handleApplications(ctx, req, claims, rest);
    case 'serviceprincipals':
      return handleServicePrincipals(ctx, req, claims, rest);
    case 'oauth2permissiongrants':
      return handleGrants(ctx, req, claims, rest);
    case 'policies':
      return handlePolicies(ctx, req, claims, rest);
    default:
      return notFoundSegment(req, segment);
  }
}

function organization(ctx: EmulatorContext): Record<string, unknown> {
  const { tenant } = ctx.state;
  return {
    id: tenant.id,
    deletedDateTime: null,
    displayName: tenant.displayName,
    countryLetterCode: 'US',
    preferredLanguage: 'en',
    tenantType: 'AAD',
    createdDateTime: '2024-01-15T09:00:00Z',
    verifiedDomains: [
      { capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: tenant.domain, type: 'Managed' },
    ],
  };
}

function userToGraph(user: User): Record<string, unknown> {
  const [givenName = '', surname = ''] = user.displayName.split(' ');
  return {
    businessPhones: [],
    displayName: user.displayName,
    givenName,
    jobTitle: null,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: 'en-US',
    surname,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
  };
}
