// Graph /applications/{id}/federatedIdentityCredentials: list, create, get, update, delete.
// Contract: learn.microsoft.com/graph/api/resources/federatedidentitycredential (name: at most 120
// characters, unique per app, immutable; issuer and subject: required, at most 600 characters, the
// pair unique per app; audiences: required, a single value, api://AzureADTokenExchange for Entra)
// and learn.microsoft.com/entra/workload-id/workload-identity-federation-considerations (at most 20
// per application). Graph's exact wording for the duplicate and limit errors is not documented:
// the codes follow Graph's conventions (400 Request_BadRequest, 409 on a duplicate key).
import type { EmulatorContext } from '../context.ts';
import type { Reply, RequestContext } from '../http.ts';
import { newGuid } from '../ids.ts';
import type { Application, FederatedIdentityCredential } from '../state.ts';
import { badRequest, entityReply, graphError, graphFail, jsonBody, listReply, noContent, notFound } from './graph-shared.ts';

export const MAX_FEDERATED_CREDENTIALS = 20;
const RESOURCE = 'FederatedIdentityCredential';

/** `segment` is "federatedIdentityCredentials" (maybe with "(name='…')"), `key` what follows it. */
export function handleFederatedCredentials(
  ctx: EmulatorContext,
  req: RequestContext,
  app: Application,
  segment: string,
  key: string | undefined,
): Reply {
  const byName = /^federatedIdentityCredentials\(name='([^']*)'\)$/i.exec(segment)?.[1];
  const selector: { name: string } | { id: string } | undefined =
    byName !== undefined ? { name: byName } : key !== undefined ? { id: key } : undefined;
  app.federatedIdentityCredentials ??= [];
  const credentials = app.federatedIdentityCredentials;
  const entitySet = `applications('${app.id}')/federatedIdentityCredentials`;
  if (!selector) {
    if (req.method === 'GET') return listReply(ctx, req, entitySet, RESOURCE, credentials.map(toGraph), ['name', 'issuer', 'subject']);
    if (req.method === 'POST') return entityReply(ctx, req, entitySet, toGraph(create(ctx, req, credentials)), 201);
    return methodNotAllowed(req);
  }
  const wanted = 'name' in selector ? selector.name : selector.id;
  const found = credentials.find((c) => ('name' in selector ? c.name === wanted : c.id === wanted.toLowerCase()));
  if (!found) notFound(req, wanted);
  switch (req.method) {
    case 'GET':
      return entityReply(ctx, req, entitySet, toGraph(found));
    case 'PATCH':
      update(ctx, req, credentials, found);
      return noContent(req);
    case 'DELETE':
      credentials.splice(credentials.indexOf(found), 1);
      return noContent(req);
    default:
      return methodNotAllowed(req);
  }
}

function create(ctx: EmulatorContext, req: RequestContext, credentials: FederatedIdentityCredential[]): FederatedIdentityCredential {
  const body = jsonBody(req);
  const name = text(req, body, 'name', 120);
  // "URL friendly": the Entra admin center allows letters, digits, '-' and '_' only.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) invalid(req, 'name');
  const fields = checkedFields(req, body, { issuer: undefined, subject: undefined, audiences: undefined, description: null });
  if (credentials.some((c) => c.name === name))
    graphFail(req, 409, 'Request_MultipleObjectsWithSameKeyValue', `FederatedIdentityCredential with name ${name} already exists.`);
  assertUniquePair(req, credentials, fields.issuer, fields.subject, undefined);
  if (credentials.length >= MAX_FEDERATED_CREDENTIALS)
    badRequest(
      req,
      `The application already has the maximum number of federated identity credentials (${MAX_FEDERATED_CREDENTIALS}); delete one before adding another.`,
    );
  const credential: FederatedIdentityCredential = {
    id: newGuid(),
    name,
    ...fields,
    // Sign-in matches a new credential only once it has replicated (Entra's eventual consistency).
    visibleAt: ctx.replication.visibleAt('federatedCredential', ctx.now()),
  };
  credentials.push(credential);
  return credential;
}

function update(
  ctx: EmulatorContext,
  req: RequestContext,
  credentials: FederatedIdentityCredential[],
  credential: FederatedIdentityCredential,
): void {
  const body = jsonBody(req);
  if ('name' in body && body['name'] !== credential.name)
    badRequest(req, "Property 'name' of resource 'FederatedIdentityCredential' is immutable and cannot be changed.");
  const fields = checkedFields(req, body, credential);
  assertUniquePair(req, credentials, fields.issuer, fields.subject, credential);
  const changed = fields.issuer !== credential.issuer || fields.subject !== credential.subject;
  Object.assign(credential, fields);
  if (changed) credential.visibleAt = ctx.replication.visibleAt('federatedCredential', ctx.now());
}

type Fields = Pick<FederatedIdentityCredential, 'issuer' | 'subject' | 'audiences' | 'description'>;

/** The fields in `body`, validated; a field left out keeps `current`'s value (undefined: required). */
function checkedFields(
  req: RequestContext,
  body: Record<string, unknown>,
  current: { [K in keyof Fields]: Fields[K] | undefined },
): Fields {
  const issuer = 'issuer' in body ? text(req, body, 'issuer', 600) : current.issuer;
  const subject = 'subject' in body ? text(req, body, 'subject', 600) : current.subject;
  const audiences = 'audiences' in body ? audienceList(req, body['audiences']) : current.audiences;
  if (issuer === undefined) invalid(req, 'issuer');
  if (subject === undefined) invalid(req, 'subject');
  if (audiences === undefined) invalid(req, 'audiences');
  let description = current.description ?? null;
  if ('description' in body) {
    const value = body['description'];
    if (value !== null && (typeof value !== 'string' || value.length > 600)) invalid(req, 'description');
    description = value;
  }
  try {
    new URL(issuer);
  } catch {
    invalid(req, 'issuer');
  }
  return { issuer, subject, audiences, description };
}

function audienceList(req: RequestContext, value: unknown): string[] {
  // "This field is mandatory… It can only have a single value."
  if (!Array.isArray(value) || value.length !== 1 || typeof value[0] !== 'string' || !value[0] || value[0].length > 600)
    invalid(req, 'audiences');
  return [value[0]];
}

function assertUniquePair(
  req: RequestContext,
  credentials: FederatedIdentityCredential[],
  issuer: string,
  subject: string,
  self: FederatedIdentityCredential | undefined,
): void {
  if (credentials.some((c) => c !== self && c.issuer === issuer && c.subject === subject))
    graphFail(
      req,
      409,
      'Request_MultipleObjectsWithSameKeyValue',
      'FederatedIdentityCredential with the same issuer and subject already exists on this application.',
    );
}

function text(req: RequestContext, body: Record<string, unknown>, name: string, max: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) invalid(req, name);
  return value;
}

function invalid(req: RequestContext, property: string): never {
  badRequest(req, `Invalid value specified for property '${property}' of resource '${RESOURCE}'.`);
}

function methodNotAllowed(req: RequestContext): Reply {
  return graphError(req, 405, 'Request_BadRequest', `The HTTP method '${req.method}' is not allowed for this resource.`);
}

function toGraph(credential: FederatedIdentityCredential): Record<string, unknown> {
  return {
    id: credential.id,
    name: credential.name,
    issuer: credential.issuer,
    subject: credential.subject,
    description: credential.description,
    audiences: credential.audiences,
  };
}
