import { randomUUID } from 'node:crypto';
import { DynauthError } from '../../cli/errors.ts';
import { ApiError } from '../../clients/api-error.ts';
import type { Application, GraphApi, PermissionGrant, ServicePrincipal } from '../../clients/graph.ts';
import { createSelfSignedCertificate } from '../../crypto/x509.ts';
import { DYNAMICS_CRM_APP_ID, USER_IMPERSONATION } from '../../microsoft.ts';
import { createOrFind } from '../../steps/create-or-find.ts';
import { POLICY_READ_HINT, secretRefusal } from '../../steps/credential-policy.ts';
import {
  appNotYetVisible,
  anyOf,
  grantPrincipalNotYetVisible,
  servicePrincipalAppNotYetVisible,
  whileReplicating,
  type LagCheck,
  type Waiting,
} from '../../steps/replication.ts';
import { removeCredential } from '../../steps/rotate-app-credentials.ts';
import { addDays } from '../../util/duration.ts';
import type { Outcome, StoredCredential } from './model.ts';

export async function ensureCrmServicePrincipal(graph: GraphApi, existing: ServicePrincipal | undefined, outcome: Outcome): Promise<ServicePrincipal> {
  if (existing) return existing;
  const created = await createOrFind(() => graph.createServicePrincipal(DYNAMICS_CRM_APP_ID), () => graph.findServicePrincipal(DYNAMICS_CRM_APP_ID));
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
): Promise<Application> {
  if (existing) {
    outcome.reused.push('application');
    return existing;
  }
  const body = {
    displayName: appName,
    signInAudience: 'AzureADMyOrg',
    requiredResourceAccess: [{ resourceAppId: DYNAMICS_CRM_APP_ID, resourceAccess: [{ id: userImpersonationScopeId(crm), type: 'Scope' }] }],
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

export async function ensureServicePrincipal(
  graph: GraphApi,
  app: Application,
  existing: ServicePrincipal | undefined,
  outcome: Outcome,
  waiting: Waiting,
): Promise<ServicePrincipal> {
  if (existing) {
    outcome.reused.push('servicePrincipal');
    return existing;
  }
  const lostAnswer: LagCheck = (error) => (error instanceof ApiError && error.status === 409 ? 'the new service principal is not listed yet' : undefined);
  const servicePrincipal = await whileReplicating(
    async () => {
      try {
        return await createOrFind(() => graph.createServicePrincipal(app.appId), () => graph.findServicePrincipal(app.appId));
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
  waiting: Waiting,
): Promise<PermissionGrant> {
  const find = () => graph.findPermissionGrant(servicePrincipal.id, crm.id);
  const create = () =>
    createOrFind(
      async () => {
        try {
          return await graph.createPermissionGrant({ clientId: servicePrincipal.id, consentType: 'AllPrincipals', resourceId: crm.id, scope: USER_IMPERSONATION });
        } catch (error) {
          const found = error instanceof ApiError && error.status === 409 ? await find() : undefined;
          if (found) return found;
          throw error;
        }
      },
      find,
    );
  const grant = existing ?? (await whileReplicating(create, grantPrincipalNotYetVisible, waiting, 'Entra to publish the new service principal'));
  const scopes = grant.scope.split(' ').filter(Boolean);
  if (!scopes.includes(USER_IMPERSONATION)) {
    await graph.updatePermissionGrantScope(grant.id, [...scopes, USER_IMPERSONATION].join(' '));
    outcome.created.push('adminConsent');
  } else {
    (existing ? outcome.reused : outcome.created).push('adminConsent');
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
  waiting: Waiting,
): Promise<StoredCredential> {
  const attempt = () =>
    critical(async () => {
      const password = await graph.addPassword(app.id, {
        displayName: `dynauth ${now.toISOString().slice(0, 10)} init ${marker}`,
        endDateTime: addDays(now, lifetimeDays).toISOString(),
      });
      const credential: StoredCredential = {
        secret: { kind: 'secret', clientSecret: password.secretText },
        keyId: password.keyId,
        expiresOn: password.endDateTime,
      };
      try {
        await save(credential);
      } catch (error) {
        // Nobody holds it: a valid secret left on the app would only be a liability (a re-run would also find it by its marker).
        await removeCredential(graph, app.id, 'secret', password.keyId).catch(() => undefined);
        throw error;
      }
      return credential;
    });
  return whileReplicating(attempt, appNotYetVisible, waiting, 'Entra to publish the new app').catch((error: unknown) => {
    // The policy could not be read beforehand (or changed since): Graph's refusal, in words and with the way out.
    throw secretRefusal(error, lifetimeDays, {
      blocked: 'Run the same dynauth init again with --credential certificate: it reuses the app, service principal and consent made so far.',
      tooLong: `Run the same dynauth init again with a shorter --secret-expiry (${POLICY_READ_HINT}), or with --credential certificate.`,
    }) ?? error;
  });
}

/** A new self-signed certificate: the private key is saved first, then the public part uploaded. */
export async function createCertificate(
  graph: GraphApi,
  app: Application,
  lifetimeDays: number,
  now: Date,
  save: SaveCredential,
  waiting: Waiting,
): Promise<StoredCredential> {
  const certificate = createSelfSignedCertificate({ commonName: app.displayName, validDays: lifetimeDays, now });
  const keyId = randomUUID();
  const credential: StoredCredential = {
    secret: { kind: 'certificate', pem: `${certificate.keyPem}${certificate.certPem}` },
    keyId,
    expiresOn: certificate.notAfter.toISOString(),
    thumbprint: certificate.thumbprint,
    certificatePem: certificate.certPem,
  };
  await save(credential);
  const upload = async () => {
    const current = await graph.getApplication(app.id);
    if (current.keyCredentials.some((key) => key.keyId === keyId)) return; // a lost answer to an upload that happened
    const kept = current.keyCredentials;
    if (kept.some((key) => !key.key)) {
      // PATCH replaces the whole collection; without their public keys the others would be lost.
      throw new DynauthError('Entra did not return the public keys of the certificates already on the app, so adding one could remove them.', {
        hint: 'Upload the certificate in the Azure portal, or use --credential secret.',
      });
    }
    await graph.setKeyCredentials(app.id, [
      ...kept,
      {
        keyId,
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        key: certificate.certDer.toString('base64'),
        displayName: `CN=${app.displayName} (dynauth ${now.toISOString().slice(0, 10)})`,
        startDateTime: certificate.notBefore.toISOString(),
        endDateTime: certificate.notAfter.toISOString(),
      },
    ]);
  };
  await whileReplicating(upload, appNotYetVisible, waiting, 'Entra to publish the new app');
  return credential;
}
