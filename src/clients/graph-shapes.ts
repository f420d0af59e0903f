// Graph answers read field by field into the shapes dynauth uses (the tenant, app-management policies).
import { unexpectedAnswer } from './read-json.ts';
import { isGuid } from '../util/guid.ts';

export interface Organization {
  id: string;
  displayName: string;
  verifiedDomains: Array<{ name: string; isDefault: boolean }>;
}

/** One passwordCredentials restriction of an app-management policy (passwordCredentialConfiguration). */
export interface PasswordRestriction {
  restrictionType: string;
  maxLifetime?: string | null;
  restrictForAppsCreatedAfterDateTime?: string | null;
  state?: string | null;
}

/** The tenant default (its applicationRestrictions) or a policy assigned to an app (its restrictions). */
export interface AppManagementPolicy {
  id: string;
  displayName?: string | null;
  isEnabled: boolean;
  passwordCredentials: PasswordRestriction[];
}

/** The tenant Graph answered for, read field by field: an answer without a tenant id is refused. */
export function toOrganization(raw: unknown): Organization {
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof record.id !== 'string' || !isGuid(record.id)) {
    throw unexpectedAnswer('Microsoft Graph', 'the request to read the organization', 'no tenant id');
  }
  const domains = Array.isArray(record.verifiedDomains) ? (record.verifiedDomains as unknown[]) : [];
  return {
    id: record.id,
    displayName: typeof record.displayName === 'string' ? record.displayName : record.id,
    verifiedDomains: domains.flatMap((d) => {
      const domain = (typeof d === 'object' && d !== null ? d : {}) as Record<string, unknown>;
      return typeof domain.name === 'string' ? [{ name: domain.name, isDefault: domain.isDefault === true }] : [];
    }),
  };
}

/** An app-management policy as Graph answers it: the fields dynauth reads. */
export interface GraphAppManagementPolicy {
  id: string;
  displayName?: string | null;
  isEnabled?: boolean | null;
  applicationRestrictions?: { passwordCredentials?: PasswordRestriction[] } | null;
  restrictions?: { passwordCredentials?: PasswordRestriction[] } | null;
}

export function appManagementPolicy(
  policy: GraphAppManagementPolicy,
  restrictions: { passwordCredentials?: PasswordRestriction[] } | null | undefined,
): AppManagementPolicy {
  return {
    id: policy.id,
    displayName: policy.displayName ?? null,
    isEnabled: policy.isEnabled === true,
    passwordCredentials: restrictions?.passwordCredentials ?? [],
  };
}
