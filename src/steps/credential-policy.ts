// What the tenant's app-management policies allow for a new client secret, read before anything
// is made; and, when they could not be read, what Graph's refusal of the secret means.
// learn.microsoft.com/graph/api/resources/tenantappmanagementpolicy (the default, for every app
// without an enabled policy of its own), .../appmanagementpolicy (assigned to one app, it replaces
// the default), .../passwordcredentialconfiguration (restrictions; restrictForAppsCreatedAfterDateTime
// exempts older apps; a disabled restriction is not evaluated).
import { DynauthError, UsageError } from '../cli/errors.ts';
import { ApiError } from '../clients/api-error.ts';
import type { AppManagementPolicy, Application, GraphApi } from '../clients/graph.ts';
import { isoDurationMs } from '../util/iso-duration.ts';

const DAY_MS = 86_400_000;

/** A read Graph may refuse: an Application Administrator's token often lacks Policy.Read.All (403). */
export type PolicyRead<T> = { known: true; value: T } | { known: false };

export interface PolicyReads {
  tenant: PolicyRead<AppManagementPolicy>;
  /** The policies assigned to the existing app; undefined for an app still to be made. */
  app: PolicyRead<AppManagementPolicy[]> | undefined;
}

export interface NamedPolicy {
  id: string;
  displayName: string | null;
  /** The tenant's default policy, or one assigned to this app. */
  scope: 'tenant' | 'app';
}

export interface SecretRules {
  /** False when a policy that may govern the app could not be read: Graph's refusal is then the only word. */
  known: boolean;
  /** The policy that forbids new client secrets for the app. */
  blockedBy?: NamedPolicy;
  /** The longest lifetime, in whole days, the governing policy allows a new secret. */
  maxDays?: number;
  cappedBy?: NamedPolicy;
}

export function readTenantPolicy(graph: GraphApi): Promise<PolicyRead<AppManagementPolicy>> {
  return unlessRefused(graph.defaultAppManagementPolicy());
}

export function readAppPolicies(graph: GraphApi, applicationId: string): Promise<PolicyRead<AppManagementPolicy[]>> {
  return unlessRefused(graph.appManagementPolicies(applicationId));
}

async function unlessRefused<T>(read: Promise<T>): Promise<PolicyRead<T>> {
  try {
    return { known: true, value: await read };
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return { known: false };
    throw error;
  }
}

/** Reads what governs a new secret on an existing app: the app (for its creation date) and both policies, side by side. */
export async function readSecretRules(
  graph: GraphApi,
  applicationId: string,
  now: Date,
): Promise<{ app: Application; rules: SecretRules }> {
  const [app, tenant, own] = await Promise.all([
    graph.getApplication(applicationId),
    readTenantPolicy(graph),
    readAppPolicies(graph, applicationId),
  ]);
  return { app, rules: secretRules({ tenant, app: own }, app, now) };
}

/** The rules for a new secret on this app (undefined: an app made now, after any enforcement date already past). */
export function secretRules(reads: PolicyReads, app: Pick<Application, 'createdDateTime'> | undefined, now: Date): SecretRules {
  const own = reads.app?.known ? reads.app.value.find((policy) => policy.isEnabled) : undefined;
  if (reads.app && !reads.app.known) return { known: false };
  const governing: { policy: AppManagementPolicy; scope: NamedPolicy['scope'] } | undefined = own
    ? { policy: own, scope: 'app' }
    : reads.tenant.known
      ? reads.tenant.value.isEnabled
        ? { policy: reads.tenant.value, scope: 'tenant' }
        : undefined
      : undefined;
  if (!governing) return { known: own !== undefined || reads.tenant.known };
  const created = app?.createdDateTime ? Date.parse(app.createdDateTime) : now.getTime();
  const binding = governing.policy.passwordCredentials.filter(
    (r) =>
      r.state !== 'disabled' && (!r.restrictForAppsCreatedAfterDateTime || created >= Date.parse(r.restrictForAppsCreatedAfterDateTime)),
  );
  const named: NamedPolicy = { id: governing.policy.id, displayName: governing.policy.displayName ?? null, scope: governing.scope };
  const rules: SecretRules = { known: true };
  if (binding.some((r) => r.restrictionType === 'passwordAddition')) rules.blockedBy = named;
  const maxMs = binding
    .filter((r) => r.restrictionType === 'passwordLifetime' && r.maxLifetime)
    .map((r) => isoDurationMs(r.maxLifetime!))
    .find((ms) => ms !== undefined);
  if (maxMs !== undefined) {
    rules.maxDays = Math.floor(maxMs / DAY_MS);
    rules.cappedBy = named;
  }
  return rules;
}

export function describePolicy(policy: NamedPolicy): string {
  const owner = policy.scope === 'tenant' ? "the tenant's default app-management policy" : "the app's own app-management policy";
  return policy.displayName ? `${owner} "${policy.displayName}" (${policy.id})` : `${owner} (${policy.id})`;
}

export interface LifetimeRequest {
  days: number;
  /** The user asked for this lifetime (flag or prompt); otherwise it is dynauth's default or the previous one. */
  chosen: boolean;
  /** The flag that sets it, for the usage error. */
  flag: string;
  /** What to do when secrets are blocked, and whether that is the user's choice (a usage error) or not. */
  blocked: { hint: string; usage: boolean };
}

/**
 * The lifetime a new client secret gets under these rules, and a note when the policy lowered it.
 * A lifetime the user chose beyond the policy's maximum is a usage error, before anything is made.
 */
export function secretLifetimeUnder(rules: SecretRules, request: LifetimeRequest): { days: number; note?: string } {
  if (rules.blockedBy) {
    const message = `Client secrets are not allowed for this app: ${describePolicy(rules.blockedBy)} blocks them (passwordAddition).`;
    const options = { hint: request.blocked.hint, code: 'secret-blocked-by-policy' };
    throw request.blocked.usage ? new UsageError(message, options) : new DynauthError(message, options);
  }
  if (rules.maxDays === undefined || rules.cappedBy === undefined || request.days <= rules.maxDays) return { days: request.days };
  const allows = `${rules.cappedBy.scope === 'tenant' ? "the tenant's" : "the app's"} app-management policy allows at most ${rules.maxDays} days`;
  if (request.chosen || rules.maxDays < 1) {
    throw new UsageError(
      `${request.flag} is ${request.days} days, but ${describePolicy(rules.cappedBy)} allows client secrets at most ${rules.maxDays} days (passwordLifetime).`,
      {
        hint:
          rules.maxDays < 1
            ? 'Use --credential certificate, or for a pipeline --credential federated --federation <spec> (no secret at all).'
            : `Pass ${request.flag} ${rules.maxDays} or less.`,
        code: 'secret-lifetime-over-policy',
      },
    );
  }
  return { days: rules.maxDays, note: allows };
}

/**
 * Graph's refusal of a new secret (the policy could not be read first, or changed since): names the
 * policy from the message and says what to do. Graph's message names the policy id but not the
 * maximum ("Credential lifetime exceeds the max value allowed as per assigned policy '<id>'.").
 */
export function secretRefusal(error: unknown, days: number, hints: { blocked: string; tooLong: string }): DynauthError | undefined {
  if (!(error instanceof ApiError) || error.service !== 'graph' || error.status !== 400) return undefined;
  const id =
    /polic(?:y|ies)\s+'([^']+)'/i.exec(error.remoteMessage)?.[1] ??
    /[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}/i.exec(error.remoteMessage)?.[0];
  const policy = id ? `app-management policy ${id}` : 'an app-management policy';
  if (error.remoteCode === 'CredentialTypeNotAllowedAsPerAppPolicy') {
    return new DynauthError(
      `Entra refused the client secret: ${policy} does not allow client secrets for this app (CredentialTypeNotAllowedAsPerAppPolicy).`,
      {
        hint: hints.blocked,
        code: 'secret-blocked-by-policy',
        cause: error,
      },
    );
  }
  if (error.remoteCode === 'CredentialInvalidLifetimeAsPerAppPolicy') {
    return new DynauthError(
      `Entra refused a client secret valid ${days} days: ${policy} allows client secrets a shorter life (CredentialInvalidLifetimeAsPerAppPolicy).`,
      {
        hint: hints.tooLong,
        code: 'secret-lifetime-over-policy',
        cause: error,
      },
    );
  }
  return undefined;
}

/** How to learn the maximum when Entra's answer does not say it. */
export const POLICY_READ_HINT =
  "Entra's answer does not say the maximum; a sign-in whose token carries Policy.Read.All can read it, and dynauth then applies it";

/**
 * rotate-secret: the lifetime of the profile's next client secret under the policies (read now),
 * or the clear error before anything is added to the app.
 */
export async function rotationSecretLifetime(
  graph: GraphApi,
  profile: { name: string; applicationObjectId: string },
  request: { days: number; chosen: boolean },
  now: Date,
  tell: (line: string) => void,
): Promise<number> {
  const { rules } = await readSecretRules(graph, profile.applicationObjectId, now);
  const settled = secretLifetimeUnder(rules, {
    ...request,
    flag: '--secret-expiry',
    blocked: { usage: false, hint: ROTATION_HINTS(profile.name).blocked },
  });
  if (settled.note) tell(`The new client secret is valid ${settled.days} days: ${settled.note}.`);
  return settled.days;
}

export const ROTATION_HINTS = (profile: string) => ({
  blocked:
    'The current secret keeps working until it expires. Move the integration to a certificate (dynauth init --credential certificate) or, for a pipeline, to federated credentials (dynauth init --credential federated --federation <spec>: no secret at all), or ask an admin to exempt this app from the policy.',
  tooLong: `Run dynauth rotate-secret --profile ${profile} again with a shorter --secret-expiry (${POLICY_READ_HINT}).`,
});
