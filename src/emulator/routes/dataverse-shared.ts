// Dataverse Web API conventions: OData error body, caller resolution, privilege checks, collections.
import { isVisible, type EmulatorContext } from '../context.ts';
import { ReplyError, bearerToken, isInvalidJson, asRecord, type Reply, type RequestContext } from '../http.ts';
import { evaluateFilter, filterProperties, parseFilterOr, selectFields } from '../odata-filter.ts';
import { effectivePrivileges, type Dataverse, type Environment, type SystemUser } from '../state.ts';
import { summarizeToken, type AccessTokenClaims } from '../tokens.ts';

export interface DataverseRequest {
  ctx: EmulatorContext;
  req: RequestContext;
  env: Environment & { url: string };
  dv: Dataverse;
  caller: SystemUser;
  claims: AccessTokenClaims;
  /** `<env>/api/data/v9.2/` */
  base: string;
}

export function dataverseHeaders(req: RequestContext): Record<string, string> {
  return { 'odata-version': '4.0', req_id: req.requestId, 'x-ms-service-request-id': req.requestId };
}

export function dataverseError(req: RequestContext, status: number, code: string, message: string): Reply {
  return { status, headers: dataverseHeaders(req), body: { error: { code, message } } };
}

export function dvFail(req: RequestContext, status: number, code: string, message: string): never {
  throw new ReplyError(dataverseError(req, status, code, message));
}

export function doesNotExist(req: RequestContext, entity: string, id: string): never {
  dvFail(req, 404, '0x80040217', `${entity} With Id = ${id} Does Not Exist`);
}

/** 401 (no body, like Dataverse) for a missing, invalid, expired or wrong-audience token. */
export function authenticateDataverse(ctx: EmulatorContext, req: RequestContext, env: Environment & { url: string }): AccessTokenClaims {
  const unauthorized = (): never => {
    throw new ReplyError({
      status: 401,
      headers: {
        ...dataverseHeaders(req),
        'www-authenticate': `Bearer authorization_uri=${ctx.origins.login}/common/oauth2/authorize, resource_id=${env.url}/`,
      },
    });
  };
  const token = bearerToken(req.headers);
  if (!token) return unauthorized();
  const check = ctx.signer.verify(token);
  if (!check.ok) return unauthorized();
  req.token = summarizeToken(check.claims);
  if (check.claims.aud.replace(/\/+$/, '').toLowerCase() !== env.url.toLowerCase()) return unauthorized();
  return check.claims;
}

/** The systemuser behind the token: by applicationid (app-only) or Entra object id (delegated). */
export function resolveCaller(ctx: EmulatorContext, req: RequestContext, dv: Dataverse, claims: AccessTokenClaims): SystemUser {
  const user =
    claims.idtyp === 'app'
      ? dv.systemusers.find((u) => u.applicationid === claims.appid.toLowerCase())
      : dv.systemusers.find((u) => u.azureactivedirectoryobjectid === claims.oid);
  // A new application user answers like a missing one until Dataverse activates it (per-user seeded delay).
  if (!user || !isVisible(ctx, user)) dvFail(req, 403, '0x80072560', 'The user is not a member of the organization.');
  if (user.isdisabled) {
    // learn.microsoft.com/power-apps/developer/data-platform/troubleshoot-plug-in ("Error when executing in the
    // context of a disabled user"): the same text, which adds that users without a licence are disabled too.
    dvFail(
      req,
      403,
      '0x80040225',
      `The user with SystemUserId=${user.systemuserid} in OrganizationContext=${dv.organizationId} is disabled. Disabled users cannot access the system. Consider enabling this user.`,
    );
  }
  if (user.islicensed === false) {
    // A person with no Dynamics 365 / Power Apps licence: Dataverse's -2147167669 (0x8004D24B), which Microsoft's
    // support articles explain as "doesn't have a Dynamics 365 license assigned"
    // (learn.microsoft.com/troubleshoot/dynamics-365/sales/unknownincomingemailintegrationerror-2147167669).
    // The Web API's exact wording is not published: this text is the emulator's.
    dvFail(
      req,
      403,
      '0x8004d24b',
      `The user with SystemUserId=${user.systemuserid} does not have a license assigned in OrganizationContext=${dv.organizationId}.`,
    );
  }
  return user;
}

export function requirePrivilege(r: DataverseRequest, name: string): void {
  const privilege = r.dv.privileges.find((p) => p.name === name);
  if (!privilege) throw new Error(`emulator: unknown privilege ${name}`);
  // Team roles count as much as the user's own (learn.microsoft.com/power-platform/admin/manage-group-teams).
  const held = effectivePrivileges(r.dv, r.caller);
  if (held.has(privilege.privilegeid)) return;
  const entity = privilege.entity;
  dvFail(
    r.req,
    403,
    '0x80040220',
    `Principal user (Id=${r.caller.systemuserid}, type=8, roleCount=${r.caller.roleIds.length}, privilegeCount=${held.size}, accessMode=${r.caller.accessmode}), is missing ${name} privilege (Id=${privilege.privilegeid})${entity ? ` on OTC=${entity.objectTypeCode} for entity '${entity.logicalName}'` : ''}. context.Caller=${r.caller.systemuserid}`,
  );
}

export function jsonObject(req: RequestContext): Record<string, unknown> {
  if (isInvalidJson(req.body) || typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    dvFail(
      req,
      400,
      '0x80048d19',
      "Error identified in Payload provided by the user for Entity :'', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293",
    );
  }
  return asRecord(req.body);
}

export interface CollectionOptions {
  entitySet: string;
  entityType: string;
  /** Maps a $filter property name to the row's field (e.g. parentbusinessunitid → _parentbusinessunitid_value). */
  aliases?: Record<string, string>;
  expand?: (row: Record<string, unknown>, name: string, select: string | undefined) => unknown;
}

/** GET on an entity set: $filter, $select, $top, $expand, with @odata.context. */
export function collectionReply(r: DataverseRequest, rows: Array<Record<string, unknown>>, options: CollectionOptions): Reply {
  const { req } = r;
  let result = rows;
  const filter = req.query['$filter'];
  if (filter) {
    const node = parseFilterOr(filter, (message) => dvFail(req, 400, '0x80060888', `Syntax error in $filter: ${message}.`));
    const field = (name: string): string => options.aliases?.[name.toLowerCase()] ?? name.toLowerCase();
    const known = new Set(rows.length ? Object.keys(rows[0]!) : []);
    for (const property of filterProperties(node)) {
      if (rows.length && !known.has(field(property))) {
        dvFail(
          req,
          400,
          '0x80060888',
          `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${options.entityType}'.`,
        );
      }
    }
    result = result.filter((row) => evaluateFilter(node, (p) => row[field(p)]));
  }
  const top = Number(req.query['$top'] ?? NaN);
  if (Number.isInteger(top) && top > 0) result = result.slice(0, top);
  // Paging as Dataverse does it: a page, then an @odata.nextLink carrying a $skiptoken.
  const skip = Number(req.query['$skiptoken'] ?? 0) || 0;
  const pageSize = r.ctx.dataversePageSize;
  const page = result.slice(skip, skip + pageSize);
  const select = req.query['$select'];
  const value = page.map((row) => shape(row, select, options, req.query['$expand']));
  const nextLink =
    skip + pageSize < result.length
      ? `${req.origin}${req.rawPath}?${new URLSearchParams({ ...req.query, $skiptoken: String(skip + pageSize) }).toString()}`
      : undefined;
  return {
    status: 200,
    headers: { ...dataverseHeaders(req), 'content-type': 'application/json; odata.metadata=minimal' },
    body: {
      '@odata.context': `${r.base}$metadata#${options.entitySet}${select ? `(${select})` : ''}`,
      value,
      ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
    },
  };
}

export function entityReply(r: DataverseRequest, row: Record<string, unknown>, options: CollectionOptions, status = 200): Reply {
  const select = r.req.query['$select'];
  return {
    status,
    headers: { ...dataverseHeaders(r.req), 'content-type': 'application/json; odata.metadata=minimal' },
    body: {
      '@odata.context': `${r.base}$metadata#${options.entitySet}${select ? `(${select})` : ''}/$entity`,
      ...shape(row, select, options, r.req.query['$expand']),
    },
  };
}

function shape(
  row: Record<string, unknown>,
  select: string | undefined,
  options: CollectionOptions,
  expand: string | undefined,
): Record<string, unknown> {
  const out = selectFields(row, select, ['@odata.etag']);
  if (expand && options.expand) {
    for (const part of splitTopLevel(expand)) {
      const m = /^([A-Za-z_]+)(?:\((.*)\))?$/.exec(part.trim());
      if (!m) continue;
      const nestedSelect = /\$select=([^;)]+)/.exec(m[2] ?? '')?.[1];
      out[m[1]!] = options.expand(row, m[1]!, nestedSelect);
    }
  }
  return out;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current) parts.push(current);
  return parts;
}

/** Reads a GUID out of "/businessunits(<id>)", "businessunits(<id>)" or a full URL. */
export function boundId(value: unknown, entitySet: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = new RegExp(`${entitySet}\\(([0-9a-fA-F-]{36})\\)\\s*$`, 'i').exec(value);
  return m?.[1]?.toLowerCase();
}

export function etag(): string {
  return `W/"${Math.floor(Math.random() * 9_000_000) + 1_000_000}"`;
}
