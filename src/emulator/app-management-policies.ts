// Tenant and per-app app-management policies: how they are built from seed options and which
// password restrictions bind an app (learn.microsoft.com/graph/api/resources/tenantappmanagementpolicy,
// .../appmanagementpolicy, .../passwordcredentialconfiguration).
import { newGuid } from './ids.ts';
import type { AppManagementPolicy, Application, EmulatorState, PasswordCredentialRestriction, TenantAppManagementPolicy } from './state.ts';
import type { SeedAppManagementPolicy, SeedPasswordRestriction } from './types.ts';
import { isoDurationMs } from '../util/iso-duration.ts';

/** The id Graph's documented example gives the tenant default (tenantappmanagementpolicy-get). */
export const DEFAULT_APP_MANAGEMENT_POLICY_ID = '00000000-0000-0000-0000-000000000000';

/** A new tenant's default policy is disabled and restricts nothing. */
export function tenantAppManagementPolicy(seed: SeedAppManagementPolicy | undefined): TenantAppManagementPolicy {
  return {
    id: DEFAULT_APP_MANAGEMENT_POLICY_ID,
    displayName: seed?.displayName ?? 'Default app management tenant policy',
    description:
      'Default tenant policy that enforces app management restrictions on applications and service principals. To apply policy to targeted resources, create a new policy under appManagementPolicies collection.',
    isEnabled: seed ? (seed.isEnabled ?? true) : false,
    applicationRestrictions: { passwordCredentials: (seed?.passwordCredentials ?? []).map(passwordRestriction), keyCredentials: [] },
    servicePrincipalRestrictions: { passwordCredentials: [], keyCredentials: [] },
  };
}

export function appManagementPolicy(seed: SeedAppManagementPolicy, appliesTo: string[]): AppManagementPolicy {
  return {
    id: newGuid(),
    displayName: seed.displayName ?? 'Credential restrictions',
    description: 'Restrictions on the credentials of the applications it is assigned to.',
    isEnabled: seed.isEnabled ?? true,
    restrictions: { passwordCredentials: seed.passwordCredentials.map(passwordRestriction), keyCredentials: [] },
    appliesTo,
  };
}

function passwordRestriction(seed: SeedPasswordRestriction): PasswordCredentialRestriction {
  const needsLifetime = seed.restrictionType === 'passwordLifetime' || seed.restrictionType === 'symmetricKeyLifetime';
  if (needsLifetime && (seed.maxLifetime === undefined || isoDurationMs(seed.maxLifetime) === undefined)) {
    throw new Error(`emulator seed: ${seed.restrictionType} needs maxLifetime as an ISO 8601 duration such as P90D`);
  }
  if (seed.restrictForAppsCreatedAfterDateTime !== undefined && Number.isNaN(Date.parse(seed.restrictForAppsCreatedAfterDateTime))) {
    throw new Error('emulator seed: restrictForAppsCreatedAfterDateTime must be a date-time');
  }
  return {
    restrictionType: seed.restrictionType,
    maxLifetime: seed.maxLifetime ?? null,
    restrictForAppsCreatedAfterDateTime: seed.restrictForAppsCreatedAfterDateTime ?? null,
    state: seed.state ?? 'enabled',
  };
}

/** The policy that governs the app: its own enabled one (assigned policies override the default), else the tenant's when enabled. */
export function governingPolicy(
  state: EmulatorState,
  app: Application,
): { id: string; passwordCredentials: PasswordCredentialRestriction[] } | undefined {
  const own = state.policies.appManagement.find((policy) => policy.isEnabled && policy.appliesTo.includes(app.id));
  if (own) return { id: own.id, passwordCredentials: own.restrictions.passwordCredentials };
  const tenant = state.policies.defaultAppManagement;
  return tenant.isEnabled ? { id: tenant.id, passwordCredentials: tenant.applicationRestrictions.passwordCredentials } : undefined;
}

/** The enabled password restrictions that bind this app: "enforces the policy for an app created on or after the enforcement date". */
export function bindingPasswordRestrictions(
  state: EmulatorState,
  app: Application,
): { policyId: string; restrictions: PasswordCredentialRestriction[] } | undefined {
  const policy = governingPolicy(state, app);
  if (!policy) return undefined;
  const created = Date.parse(app.createdDateTime);
  const restrictions = policy.passwordCredentials.filter(
    (r) =>
      r.state !== 'disabled' &&
      (r.restrictForAppsCreatedAfterDateTime === null || created >= Date.parse(r.restrictForAppsCreatedAfterDateTime)),
  );
  return { policyId: policy.id, restrictions };
}
