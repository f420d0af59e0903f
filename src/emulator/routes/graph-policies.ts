// Graph app-management policies, read only: /policies/defaultAppManagementPolicy,
// /policies/appManagementPolicies[/{id}[/appliesTo]], /applications/{id}/appManagementPolicies.
// Every read needs Policy.Read.All (or the ApplicationConfiguration policy permissions):
// learn.microsoft.com/graph/api/tenantappmanagementpolicy-get, appmanagementpolicy-list-appliesto.
// An Application Administrator's token usually lacks it: 403 Authorization_RequestDenied.
import { bindingPasswordRestrictions } from '../app-management-policies.ts';
import type { EmulatorContext } from '../context.ts';
import { ReplyError, type Reply, type RequestContext } from '../http.ts';
import { isoDurationMs } from '../../util/iso-duration.ts';
import type { AppManagementPolicy, Application } from '../state.ts';
import type { AccessTokenClaims } from '../tokens.ts';
import { entityReply, graphError, listReply, notFound, requirePermission, type Permission } from './graph-shared.ts';

const POLICIES_READ: Permission = {
  delegated: ['Policy.Read.All', 'Policy.Read.ApplicationConfiguration', 'Policy.ReadWrite.ApplicationConfiguration'],
  application: ['Policy.Read.All', 'Policy.Read.ApplicationConfiguration', 'Policy.ReadWrite.ApplicationConfiguration'],
};

/** Routes under /v1.0/policies; `rest` is what follows "policies". */
export function handlePolicies(ctx: EmulatorContext, req: RequestContext, claims: AccessTokenClaims, rest: string): Reply {
  const [, name = '', id, relation, extra] = rest.split('/');
  if (!name || extra !== undefined) return unknownSegment(req, rest);
  requirePermission(req, claims, POLICIES_READ);
  if (req.method !== 'GET') return methodNotAllowed(req);
  switch (name.toLowerCase()) {
    case 'defaultappmanagementpolicy':
      if (id !== undefined) return unknownSegment(req, id);
      return entityReply(ctx, req, 'policies/defaultAppManagementPolicy', { ...ctx.state.policies.defaultAppManagement });
    case 'appmanagementpolicies': {
      const policies = ctx.state.policies.appManagement;
      if (id === undefined)
        return listReply(ctx, req, 'policies/appManagementPolicies', 'AppManagementPolicy', policies.map(toGraph), [
          'displayName',
          'isEnabled',
          'id',
        ]);
      const policy = policies.find((p) => p.id === id.toLowerCase());
      if (!policy) notFound(req, id);
      if (relation === undefined) return entityReply(ctx, req, 'policies/appManagementPolicies', toGraph(policy));
      if (relation.toLowerCase() !== 'appliesto') return unknownSegment(req, relation);
      const apps = ctx.state.applications.filter((app) => policy.appliesTo.includes(app.id));
      return listReply(
        ctx,
        req,
        'directoryObjects',
        'DirectoryObject',
        apps.map((app) => ({ '@odata.type': '#microsoft.graph.application', id: app.id, appId: app.appId, displayName: app.displayName })),
        ['id'],
      );
    }
    default:
      return unknownSegment(req, name);
  }
}

/** GET /applications/{id}/appManagementPolicies: the policies assigned to this app (at most one in practice). */
export function listAppManagementPolicies(ctx: EmulatorContext, req: RequestContext, claims: AccessTokenClaims, app: Application): Reply {
  requirePermission(req, claims, POLICIES_READ);
  if (req.method !== 'GET') return methodNotAllowed(req);
  const assigned = ctx.state.policies.appManagement.filter((policy) => policy.appliesTo.includes(app.id));
  return listReply(ctx, req, 'appManagementPolicies', 'AppManagementPolicy', assigned.map(toGraph), ['displayName', 'isEnabled', 'id']);
}

/**
 * Graph sets no maximum lifetime of its own (application-addpassword: the default is two years);
 * only an app-management policy refuses a secret. Messages as Graph words them (azure-cli PR 31215:
 * "Credential type not allowed as per assigned policy '<id>'."; CIPP-API PR 1970: "Credential
 * lifetime exceeds the max value allowed as per assigned policy <id>"); the `details` entries are unconfirmed.
 */
export function enforcePasswordPolicy(ctx: EmulatorContext, req: RequestContext, app: Application, lifetimeMs: number): void {
  const binding = bindingPasswordRestrictions(ctx.state, app);
  if (!binding) return;
  const refuse = (code: string, message: string, detail: Record<string, string>): never => {
    const reply = graphError(req, 400, code, message);
    (reply.body as { error: Record<string, unknown> }).error['details'] = [{ ...detail, message }];
    throw new ReplyError(reply);
  };
  if (binding.restrictions.some((r) => r.restrictionType === 'passwordAddition')) {
    refuse('CredentialTypeNotAllowedAsPerAppPolicy', `Credential type not allowed as per assigned policy '${binding.policyId}'.`, {
      code: 'InvalidCredentialType',
      target: 'PasswordCredentials',
    });
  }
  const cap = binding.restrictions.find((r) => r.restrictionType === 'passwordLifetime');
  const maxMs = cap?.maxLifetime ? isoDurationMs(cap.maxLifetime) : undefined;
  if (maxMs !== undefined && lifetimeMs > maxMs) {
    refuse(
      'CredentialInvalidLifetimeAsPerAppPolicy',
      `Credential lifetime exceeds the max value allowed as per assigned policy '${binding.policyId}'.`,
      { code: 'InvalidKeyEndDate', target: 'EndDate' },
    );
  }
}

function toGraph(policy: AppManagementPolicy): Record<string, unknown> {
  const { appliesTo: _appliesTo, ...rest } = policy;
  return structuredClone(rest);
}

function methodNotAllowed(req: RequestContext): Reply {
  return graphError(req, 405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed for this resource.`);
}

function unknownSegment(req: RequestContext, segment: string): Reply {
  return graphError(req, 400, 'BadRequest', `Resource not found for the segment '${segment.replace(/^\//, '')}'.`);
}
