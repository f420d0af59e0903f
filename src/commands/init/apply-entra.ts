import { DynauthError } from '../../cli/errors.ts';
import { ApiError } from '../../clients/api-error.ts';
import type { Application, ApplicationChanges, GraphApi, PermissionGrant, ServicePrincipal } from '../../clients/graph.ts';
import { DYNAMICS_CRM_APP_ID, GRAPH_SIGN_IN_SCOPES, MICROSOFT_GRAPH_APP_ID, USER_IMPERSONATION } from '../../microsoft.ts';
import { createOrFind } from '../../steps/create-or-find.ts';
import { POLICY_READ_HINT, secretRefusal } from '../../steps/credential-policy.ts';
import {
  appNotYetVisible,
  anyOf,
  grantPrincipalNotYetVisible,
  servicePrincipalAppNotYetVisible,
  whileReplicating,
  type LagCheck,
} from '../../steps/replication.ts';
import type { PollWaiting } from '../../util/poll.ts';
import { addKeyCredential, keyCredentialFor } from '../../connection/app-credentials.ts';
import type { StoredCredential } from '../../connection/credential.ts';
import { mintCertificate, mintSecret } from '../../connection/mint.ts';
import type { DelegatedAnswers, Outcome } from './model.ts';

export async function ensureCrmServicePrincipal(
  graph: GraphApi,
  existing: ServicePrincipal | undefined,
  outcome: Outcome,
): Promise<ServicePrincipal> {
  if (existing) return existing;
  const created = await createOrFind(
    () => graph.createServicePrincipal(DYNAMICS_CRM_APP_ID),
    () => graph.findServicePrincipal(DYNAMICS_CRM_APP_ID),
  );
  outcome.created.push('dynamicsCrmServicePrincipal');
  return (await graph.findServicePrincipal(DYNAMICS_CRM_APP_ID)) ?? created;
}

export function userImpersonationScopeId(crm: ServicePrincipal): string {
  const scope = crm.oauth2PermissionScopes?.find((s) => s.value === USER_IMPERSONATION);
  if (!scope) throw new DynauthError('The Dynamics CRM service principal has no user_impersonation scope in this tenant.');
  return scope.id;
}

export async function ensureApp(
  graph: GraphApi,
  appName: string,
  crm: ServicePrincipal,
  existing: Application | undefined,
  outcome: Outcome,
  sleep: (ms: number) => Promise<void>,
  delegated?: DelegatedAnswers,
): Promise<Application> {
  if (existing) {
    outcome.reused.push('application');
    return existing;
  }
  const body = {
    displayName: appName,
    signInAudience: 'AzureADMyOrg',
    requiredResourceAccess: requiredAccess(crm, delegated),
    ...(delegated ? delegatedPlatform(delegated) : {}),
  };
  // A lost answer is looked for patiently: Graph may list a new app only seconds later.
  const app = await createOrFind(
    () => graph.createApplication(body),
    async () => (await graph.findApplications(appName))[0],
    { sleep, delaysMs: [1000, 2000, 4000] },
  );
  outcome.created.push('application');
  return app;
}

/** Dynamics CRM user_impersonation; a delegated app also asks Graph for the sign-in scopes (openid, profile, offline_access). */
export function requiredAccess(crm: ServicePrincipal, delegated: DelegatedAnswers | undefined): RequiredAccess {
  const crmAccess = { resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: userImpersonationScopeId(crm), type: 'Scope' }] };
  if (!delegated) return [crmAccess];
  const graphAccess = Object.values(GRAPH_SIGN_IN_SCOPES).map((id) => ({ id, type: 'Scope' }));
  return [crmAccess, { resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: graphAccess }];
}

/**
 * Where a delegated app's sign-in returns: the web platform (a confidential app, with a secret) or
 * the public-client platform with "allow public client flows" (PKCE alone, and the device code flow).
 */
export function delegatedPlatform(delegated: DelegatedAnswers): ApplicationChanges {
  return delegated.publicClient
    ? { publicClient: { redirectUris: delegated.redirectUris }, isFallbackPublicClient: true }
    : { web: { redirectUris: delegated.redirectUris } };
}

type RequiredAccess = NonNullable<Application['requiredResourceAccess']>;

export async function ensureServicePrincipal(
  graph: GraphApi,
  app: Application,
  existing: ServicePrincipal | undefined,
  outcome: Outcome,
  waiting: PollWaiting,
): Promise<ServicePrincipal> {
  if (existing) {
    outcome.reused.push('servicePrincipal');
    return existing;
  }
  const lostAnswer: LagCheck = (error) =>
    error instanceof ApiError && error.status === 409 ? 'the new service principal is not listed yet' : undefined;
  const servicePrincipal = await whileReplicating(
    async () => {
      try {
        return await createOrFind(
          () => graph.createServicePrincipal(app.appId),
          () => graph.findServicePrincipal(app.appId),
        );
      } catch (error) {
        // 409: an earlier attempt made it (its answer was lost); the list may show it only later.
        const found = error instanceof ApiError && error.status === 409 ? await graph.findServicePrincipal(app.appId) : undefined;
        if (found) return found;
        throw error;
      }
    },
    anyOf(servicePrincipalAppNotYetVisible, lostAnswer),
    waiting,
    'Entra to publish the new app',
  );
  outcome.created.push('servicePrincipal');
  return servicePrincipal;
}

export async function ensureConsent(
  graph: GraphApi,
  servicePrincipal: ServicePrincipal,
  crm: ServicePrincipal,
  existing: PermissionGrant | undefined,
  outcome: Outcome,
  waiting: PollWaiting,
  /** What to consent to, and its outcome id: Dynamics CRM user_impersonation unless told otherwise. */
  wanted: { scopes: string[]; outcomeId: string } = { scopes: [USER_IMPERSONATION], outcomeId: 'adminConsent' },
): Promise<PermissionGrant> {
  const find = () => graph.findPermissionGrant(servicePrincipal.id, crm.id);
  const create = () =>
    createOrFind(async () => {
      try {
        return await graph.createPermissionGrant({
          clientId: servicePrincipal.id,
          consentType: 'AllPrincipals',
          resourceId: crm.id,
          scope: wanted.scopes.join(' '),
        });
      } catch (error) {
        const found = error instanceof ApiError && error.status === 409 ? await find() : undefined;
        if (found) return found;
        throw error;
      }
    }, find);
  const grant =
    existing ?? (await whileReplicating(create, grantPrincipalNotYetVisible, waiting, 'Entra to publish the new service principal'));
  const scopes = grant.scope.split(' ').filter(Boolean);
  const lacking = wanted.scopes.filter((scope) => !scopes.includes(scope));
  if (lacking.length) {
    await graph.updatePermissionGrantScope(grant.id, [...scopes, ...lacking].join(' '));
    outcome.created.push(wanted.outcomeId);
  } else {
    (existing ? outcome.reused : outcome.created).push(wanted.outcomeId);
  }
  return grant;
}

export type SaveCredential = (credential: StoredCredential) => Promise<void>;

/**
 * A new client secret, named with `marker` (recorded beforehand, see new-secret.ts); its value is
 * saved (keychain) before any other remote call, and removed from the app again if it cannot be.
 * Each attempt is one critical section: a 404 from a lagging Graph means nothing was made, so it is
 * tried again.
 */
export async function createSecret(
  graph: GraphApi,
  app: Application,
  lifetimeDays: number,
  now: Date,
  marker: string,
  critical: <T>(work: () => Promise<T>) => Promise<T>,
  save: SaveCredential,
  waiting: PollWaiting,
): Promise<StoredCredential> {
  const key = { displayName: `dynauth ${now.toISOString().slice(0, 10)} init ${marker}`, lifetimeDays, now };
  const attempt = () => critical(() => mintSecret(graph, app, key, save));
  return whileReplicating(attempt, appNotYetVisible, waiting, 'Entra to publish the new app').catch((error: unknown) => {
    // The policy could not be read beforehand (or changed since): Graph's refusal, in words and with the way out.
    throw (
      secretRefusal(error, lifetimeDays, {
        blocked:
          'Run the same dynauth init again with --credential certificate: it reuses the app, service principal and consent made so far; for a pipeline, --credential federated --federation <spec> needs no secret at all.',
        tooLong: `Run the same dynauth init again with a shorter --secret-expiry (${POLICY_READ_HINT}), or with --credential certificate.`,
      }) ?? error
    );
  });
}

/** A new self-signed certificate: the private key is saved first, then the public part uploaded. */
export async function createCertificate(
  graph: GraphApi,
  app: Application,
  lifetimeDays: number,
  now: Date,
  save: SaveCredential,
  waiting: PollWaiting,
): Promise<StoredCredential> {
  const { credential, notBefore } = mintCertificate(app.displayName, lifetimeDays, now);
  await save(credential);
  const key = keyCredentialFor(credential, `CN=${app.displayName} (dynauth ${now.toISOString().slice(0, 10)})`, notBefore.toISOString());
  const upload = () => addKeyCredential(graph, app, key, 'Upload the certificate in the Azure portal, or use --credential secret.');
  await whileReplicating(upload, appNotYetVisible, waiting, 'Entra to publish the new app');
  return credential;
}
