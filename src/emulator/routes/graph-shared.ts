// Microsoft Graph conventions: error shape, token and permission checks, OData helpers.
import type { EmulatorContext } from '../context.ts';
import { ReplyError, asRecord, bearerToken, isInvalidJson, type Reply, type RequestContext } from '../http.ts';
import { evaluateFilter, filterProperties, parseFilterOr, selectFields } from '../odata-filter.ts';
import { WELL_KNOWN_APP_IDS } from '../state.ts';
import { summarizeToken, type AccessTokenClaims } from '../tokens.ts';

export function graphError(
  req: RequestContext,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  const clientRequestId = headerValue(req.headers['client-request-id']) ?? req.requestId;
  return {
    status,
    headers: { ...headers, 'request-id': req.requestId, 'client-request-id': clientRequestId },
    body: {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': req.requestId, 'client-request-id': clientRequestId },
      },
    },
  };
}

export function graphFail(req: RequestContext, status: number, code: string, message: string, headers?: Record<string, string>): never {
  throw new ReplyError(graphError(req, status, code, message, headers));
}

export function notFound(req: RequestContext, id: string): never {
  graphFail(
    req,
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

export function badRequest(req: RequestContext, message: string): never {
  graphFail(req, 400, 'Request_BadRequest', message);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function authenticateGraph(ctx: EmulatorContext, req: RequestContext): AccessTokenClaims {
  const challenge = {
    'www-authenticate': `Bearer realm="", authorization_uri="${ctx.origins.login}/common/oauth2/authorize", client_id="${WELL_KNOWN_APP_IDS.graph}"`,
  };
  const token = bearerToken(req.headers);
  if (!token) graphFail(req, 401, 'InvalidAuthenticationToken', 'Access token is empty.', challenge);
  const check = ctx.signer.verify(token);
  if (!check.ok) {
    const message =
      check.reason === 'expired'
        ? 'Lifetime validation failed, the token is expired.'
        : check.reason === 'malformed'
          ? 'IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format.'
          : 'Access token validation failure.';
    graphFail(req, 401, 'InvalidAuthenticationToken', message, challenge);
  }
  const claims = check.claims;
  req.token = summarizeToken(claims);
  if (claims.aud.replace(/\/+$/, '').toLowerCase() !== ctx.origins.graph.toLowerCase()) {
    graphFail(req, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.', challenge);
  }
  return claims;
}

export interface Permission {
  delegated: string[];
  application: string[];
}

export function requirePermission(req: RequestContext, claims: AccessTokenClaims, permission: Permission): void {
  const held = claims.idtyp === 'user' ? (claims.scp ?? '').split(' ') : (claims.roles ?? []);
  const wanted = claims.idtyp === 'user' ? permission.delegated : permission.application;
  if (!wanted.some((p) => held.includes(p))) {
    graphFail(req, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
}

export const PERMISSIONS = {
  applicationsRead: {
    delegated: [
      'Application.Read.All',
      'Application.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
    application: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
  applicationsWrite: {
    delegated: ['Application.ReadWrite.All', 'Directory.AccessAsUser.All'],
    application: ['Application.ReadWrite.All'],
  },
  grantsRead: {
    delegated: [
      'DelegatedPermissionGrant.Read.All',
      'DelegatedPermissionGrant.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Directory.AccessAsUser.All',
    ],
    application: [
      'DelegatedPermissionGrant.Read.All',
      'DelegatedPermissionGrant.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
  },
  grantsWrite: {
    delegated: ['DelegatedPermissionGrant.ReadWrite.All', 'Directory.AccessAsUser.All'],
    application: ['DelegatedPermissionGrant.ReadWrite.All'],
  },
  organizationRead: {
    delegated: ['User.Read', 'Organization.Read.All', 'Directory.Read.All', 'Directory.AccessAsUser.All'],
    application: ['Organization.Read.All', 'Directory.Read.All'],
  },
  meRead: {
    delegated: ['User.Read', 'User.Read.All', 'Directory.Read.All', 'Directory.AccessAsUser.All'],
    application: [],
  },
} satisfies Record<string, Permission>;

export function metadataContext(ctx: EmulatorContext, fragment: string): string {
  return `${ctx.origins.graph}/v1.0/$metadata#${fragment}`;
}

export function jsonBody(req: RequestContext): Record<string, unknown> {
  if (
    isInvalidJson(req.body) ||
    (req.body !== undefined && (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)))
  ) {
    graphFail(
      req,
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  return asRecord(req.body);
}

/** GET collection: $filter over the given properties, $select, $top; wrapped with @odata.context. */
export function listReply(
  ctx: EmulatorContext,
  req: RequestContext,
  entitySet: string,
  resourceType: string,
  rows: Array<Record<string, unknown>>,
  filterable: string[],
): Reply {
  let result = rows;
  const filter = req.query['$filter'];
  if (filter) {
    const node = parseFilterOr(filter, (message) => graphFail(req, 400, 'BadRequest', `Invalid filter clause: ${message}`));
    const allowed = new Map(filterable.map((p) => [p.toLowerCase(), p]));
    for (const property of filterProperties(node)) {
      if (!allowed.has(property.toLowerCase())) {
        graphFail(
          req,
          400,
          'Request_UnsupportedQuery',
          `Unsupported or invalid query filter clause specified for property '${property}' of resource '${resourceType}'.`,
        );
      }
    }
    result = result.filter((row) => evaluateFilter(node, (p) => row[allowed.get(p.toLowerCase()) ?? p]));
  }
  const top = req.query['$top'];
  if (top !== undefined) {
    const n = Number(top);
    if (!Number.isInteger(n) || n < 1 || n > 999)
      graphFail(req, 400, 'Request_BadRequest', `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`);
    result = result.slice(0, n);
  }
  const select = req.query['$select'];
  return {
    status: 200,
    headers: graphHeaders(req),
    body: {
      '@odata.context': metadataContext(ctx, select ? `${entitySet}(${select})` : entitySet),
      value: result.map((row) => selectFields(row, select)),
    },
  };
}

export function entityReply(
  ctx: EmulatorContext,
  req: RequestContext,
  entitySet: string,
  row: Record<string, unknown>,
  status = 200,
): Reply {
  const select = req.query['$select'];
  return {
    status,
    headers: graphHeaders(req),
    body: {
      '@odata.context': metadataContext(ctx, select ? `${entitySet}(${select})/$entity` : `${entitySet}/$entity`),
      ...selectFields(row, select),
    },
  };
}

export function noContent(req: RequestContext): Reply {
  return { status: 204, headers: graphHeaders(req) };
}

export function graphHeaders(req: RequestContext): Record<string, string> {
  return {
    'request-id': req.requestId,
    'client-request-id': headerValue(req.headers['client-request-id']) ?? req.requestId,
    'odata-version': '4.0',
  };
}

export function optionalString(req: RequestContext, body: Record<string, unknown>, name: string, resource: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') badRequest(req, `Invalid value specified for property '${name}' of resource '${resource}'.`);
  return value;
}

export function stringList(req: RequestContext, value: unknown, name: string, resource: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    badRequest(req, `Invalid value specified for property '${name}' of resource '${resource}'.`);
  return value as string[];
}
