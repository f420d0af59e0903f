// What Microsoft's services answer about an object that exists but has not replicated yet, and a
// wait that retries through it. Entra has no replication SLA: seconds usually, minutes sometimes
// (devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/).
import { ApiError } from '../clients/api-error.ts';
import { pollUntil, type PollWaiting } from '../util/poll.ts';

/** Says why an error means "not replicated yet", or undefined when it is a real failure. */
export type LagCheck = (error: unknown) => string | undefined;

/**
 * Graph, about an app registration created moments ago: `GET`/`PATCH /applications/{id}`,
 * `addPassword` and `addKey` answer 404 Request_ResourceNotFound until it has replicated
 * (msgraph-sdk-javascript issue 1999: create, then addPassword).
 */
export const appNotYetVisible: LagCheck = (error) =>
  error instanceof ApiError && error.service === 'graph' && error.status === 404
    ? 'Graph does not show the new app everywhere yet'
    : undefined;

/**
 * `POST /servicePrincipals` for an app created moments ago answers one of three things until the
 * app has replicated: 400 "…does not reference a valid application object", 403
 * Authorization_RequestDenied "…the backing application of the service principal being created
 * must in the local tenant" (terraform-provider-azuread issue 992, azure-cli 14767: a misleading
 * known API issue), or 404 Request_ResourceNotFound (azure-cli 28009). A 403 with any other text is
 * a real lack of rights.
 */
export const servicePrincipalAppNotYetVisible: LagCheck = (error) => {
  if (!(error instanceof ApiError) || error.service !== 'graph') return undefined;
  if (error.status === 400 && /valid application/i.test(error.remoteMessage)) return 'the new app is not visible yet (400)';
  if (error.status === 403 && /backing application/i.test(error.remoteMessage)) return 'the new app is not visible yet (403)';
  if (error.status === 404) return 'the new app is not visible yet (404)';
  return undefined;
};

/**
 * `POST /oauth2PermissionGrants` naming a service principal created moments ago answers 400
 * Request_BadRequest "Invalid value specified for property 'clientId' of resource
 * 'OAuth2PermissionGrant'." until it has replicated (msgraph-bicep-types issue 193: minutes). The
 * same holds for resourceId when the Dynamics CRM service principal was just created.
 */
export const grantPrincipalNotYetVisible: LagCheck = (error) =>
  error instanceof ApiError &&
  error.service === 'graph' &&
  error.status === 400 &&
  /property '(clientId|resourceId)' of resource 'OAuth2PermissionGrant'/i.test(error.remoteMessage)
    ? 'the new service principal is not visible yet'
    : undefined;

/**
 * Dataverse, asked to create an application user for an app its copy of the directory does not
 * know yet. Microsoft documents neither the status nor the text of this answer; field reports and
 * the Power Platform CLI's own retries after creating an app (pac admin create-service-principal)
 * say only that it fails for a while. So it is recognised by what is robust: a 400 or 404 from
 * the create whose message names the app id dynauth sent, says the app or user was not found, or
 * carries Dataverse's "object does not exist" code 0x80040217 (the business unit was found
 * during discovery, so the missing object is the app). Anything else (a soft-deleted twin, a
 * refused privilege) is final and said at once; the wait itself is bounded by --wait.
 */
export function dataverseDoesNotKnowApp(appId: string): LagCheck {
  return (error) => {
    if (!(error instanceof ApiError) || error.service !== 'dataverse' || (error.status !== 400 && error.status !== 404)) return undefined;
    const text = error.remoteMessage.toLowerCase();
    const known =
      text.includes(appId.toLowerCase()) ||
      error.remoteCode.toLowerCase() === '0x80040217' ||
      /not (?:be )?found|does not exist|could not find|azure active directory|microsoft entra/.test(text);
    return known ? 'Dataverse does not know the new app yet' : undefined;
  };
}

/**
 * Runs `work` until it succeeds, retrying with capped backoff while `lag` says the failure is
 * replication; any other failure is thrown at once. Each attempt is whole: callers make it safe to
 * repeat (a lagging answer means nothing was done).
 */
export function whileReplicating<T>(work: () => Promise<T>, lag: LagCheck, waiting: PollWaiting, waitingFor: string): Promise<T> {
  return pollUntil(
    async () => {
      try {
        return { done: true, value: await work() };
      } catch (error) {
        const reason = lag(error);
        if (reason === undefined) throw error;
        return { done: false, reason };
      }
    },
    { ...waiting, waitingFor },
  );
}

/** Either check: the first that recognises the error. */
export function anyOf(...checks: LagCheck[]): LagCheck {
  return (error) => checks.map((check) => check(error)).find((reason) => reason !== undefined);
}
