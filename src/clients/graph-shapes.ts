import type { AppManagementPolicy, Organization, PasswordRestriction } from './graph.ts';
import { unexpectedAnswer } from './read-json.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The tenant Graph answered for, read field by field: an answer without a tenant id is refused. */
export function toOrganization(raw: unknown): Organization {
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof record.id !== 'string' || !GUID.test(record.id)) {
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

export function appManagementPolicy(policy: Record<string, any>, restrictions: { passwordCredentials?: PasswordRestriction[] } | null | undefined): AppManagementPolicy {
  return { id: policy.id, displayName: policy.displayName ?? null, isEnabled: policy.isEnabled === true, passwordCredentials: restrictions?.passwordCredentials ?? [] };
}
