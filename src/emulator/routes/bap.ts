// Power Platform admin API (BAP): list and read environments, addAppUser.
import { isVisible, type EmulatorContext } from '../context.ts';
import { ReplyError, asRecord, bearerToken, type Reply, type RequestContext } from '../http.ts';
import { applicationUser } from '../seed.ts';
import { findApplicationByAppId, findServicePrincipalByAppId, rootBusinessUnit, type Environment } from '../state.ts';
import { summarizeToken, type AccessTokenClaims } from '../tokens.ts';

const PREFIX = '/providers/microsoft.businessappplatform/scopes/admin/environments';

function bapError(status: number, code: string, message: string): Reply {
  return { status, body: { error: { code, message } } };
}

function fail(status: number, code: string, message: string): never {
  throw new ReplyError(bapError(status, code, message));
}

export function handleBap(ctx: EmulatorContext, req: RequestContext): Reply {
  const lower = req.path.toLowerCase().replace(/\/+$/, '');
  if (!lower.startsWith(PREFIX)) return bapError(404, 'NotFound', `The requested resource '${req.path}' does not exist.`);
  const claims = authenticate(ctx, req);
  if (!req.query['api-version'])
    fail(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  const rest = req.path.replace(/\/+$/, '').slice(PREFIX.length).split('/').filter(Boolean);
  if (rest.length === 0) {
    if (req.method !== 'GET') fail(405, 'MethodNotAllowed', `The requested method '${req.method}' is not allowed.`);
    return { status: 200, body: { value: ctx.state.environments.map((env) => toBap(ctx, env)) } };
  }
  const [envName = '', action] = rest;
  const env = ctx.state.environments.find((e) => e.id.toLowerCase() === envName.toLowerCase());
  if (!env) fail(404, 'EnvironmentNotFound', `The environment '${envName}' could not be found in the tenant '${ctx.state.tenant.id}'.`);
  if (action === undefined && req.method === 'GET' && rest.length === 1) return { status: 200, body: toBap(ctx, env) };
  if (action?.toLowerCase() === 'addappuser' && req.method === 'POST' && rest.length === 2) return addAppUser(ctx, req, claims, env);
  return bapError(404, 'NotFound', `The requested resource '${req.path}' does not exist.`);
}

function authenticate(ctx: EmulatorContext, req: RequestContext): AccessTokenClaims {
  const token = bearerToken(req.headers);
  if (!token) fail(401, 'MissingAuthenticationToken', "The request doesn't contain an authentication token.");
  const check = ctx.signer.verify(token);
  if (!check.ok) {
    if (check.reason === 'expired') fail(401, 'ExpiredAuthenticationToken', 'The access token has expired.');
    fail(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
  }
  const claims = check.claims;
  req.token = summarizeToken(claims);
  if (claims.aud.replace(/\/+$/, '').toLowerCase() !== ctx.origins.bap.toLowerCase()) {
    fail(
      401,
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained from wrong audience or resource '${claims.aud}'. It should exactly match with one of the allowed audiences '${ctx.origins.bap}/'.`,
    );
  }
  if (claims.idtyp === 'app' && !ctx.state.powerPlatformManagementApps.includes(claims.appid)) {
    fail(
      403,
      'Forbidden',
      `The service principal with id '${claims.oid}' for application ${claims.appid} does not have permission to access the path '${req.path}' in tenant ${claims.tid}.`,
    );
  }
  return claims;
}

function addAppUser(ctx: EmulatorContext, req: RequestContext, _claims: AccessTokenClaims, env: Environment): Reply {
  const appId = asRecord(req.body)['servicePrincipalAppId'];
  if (typeof appId !== 'string' || !appId) fail(400, 'InvalidRequest', "The request body must contain 'servicePrincipalAppId'.");
  const dataverse = env.dataverse;
  if (!dataverse) fail(400, 'EnvironmentHasNoDatabase', `The environment '${env.id}' does not have a Dataverse database.`);
  const app = findApplicationByAppId(ctx.state, appId);
  const sp = findServicePrincipalByAppId(ctx.state, appId);
  // Power Platform reads the directory too: an app or service principal that has not replicated is not found.
  if (!app || !isVisible(ctx, app) || !sp || !isVisible(ctx, sp)) {
    fail(
      400,
      'ServicePrincipalNotFound',
      `The service principal for application '${appId}' was not found in tenant '${ctx.state.tenant.id}'.`,
    );
  }
  const root = rootBusinessUnit(dataverse);
  const sysAdmin = dataverse.roles.find((r) => r.name === 'System Administrator' && r.businessunitid === root.businessunitid)!;
  const existing = dataverse.systemusers.find((u) => u.applicationid === app.appId);
  if (existing) {
    if (!existing.roleIds.includes(sysAdmin.roleid)) existing.roleIds.push(sysAdmin.roleid);
  } else {
    const user = applicationUser(env.uniqueName, app, root.businessunitid, [sysAdmin.roleid], ctx.now());
    user.visibleAt = ctx.replication.visibleAt('appUser', user.createdAt);
    dataverse.systemusers.push(user);
  }
  return { status: 200, body: {} };
}

function toBap(ctx: EmulatorContext, env: Environment): Record<string, unknown> {
  const dv = env.dataverse;
  const instanceUrl = dv && env.url ? `${env.url}/` : '';
  return {
    id: `/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/${env.id}`,
    type: 'Microsoft.BusinessAppPlatform/scopes/environments',
    location: env.location,
    name: env.id,
    properties: {
      tenantId: ctx.state.tenant.id,
      azureRegion: env.azureRegion,
      displayName: env.displayName,
      createdTime: env.createdTime,
      createdBy: { id: 'SYSTEM', displayName: 'SYSTEM', type: 'NotSpecified' },
      provisioningState: 'Succeeded',
      creationType: env.isDefault ? 'DefaultTenant' : 'User',
      environmentSku: env.sku,
      isDefault: env.isDefault,
      databaseType: dv ? 'CommonDataService' : 'None',
      states: { management: { id: 'Ready' }, runtime: { id: 'Enabled' } },
      linkedEnvironmentMetadata: dv
        ? {
            type: 'Dynamics365Instance',
            resourceId: dv.organizationId,
            friendlyName: env.displayName,
            uniqueName: env.uniqueName,
            domainName: env.uniqueName,
            version: dv.version,
            instanceUrl,
            instanceApiUrl: instanceUrl ? `${env.url}/api/data/v9.2` : '',
            baseLanguage: 1033,
            instanceState: 'Ready',
            createdTime: env.createdTime,
          }
        : { instanceUrl: '', instanceApiUrl: '', uniqueName: '', domainName: '', instanceState: 'NotProvisioned' },
    },
  };
}
