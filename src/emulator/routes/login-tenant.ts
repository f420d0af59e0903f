// Which tenant a login request's path names.
import type { EmulatorContext } from '../context.ts';
import { isGuid } from '../ids.ts';
import type { Tenant } from '../state.ts';

export interface TenantRoute {
  tenant: Tenant;
  /** The path segment as sent (tenant id, domain, common, organizations). */
  segment: string;
  isCommon: boolean;
}

export function resolveTenant(ctx: EmulatorContext, segment: string): TenantRoute | undefined {
  const lower = segment.toLowerCase();
  const { tenant } = ctx.state;
  if (lower === 'common' || lower === 'organizations') return { tenant, segment: lower, isCommon: true };
  if ((isGuid(lower) && lower === tenant.id) || lower === tenant.domain.toLowerCase()) return { tenant, segment, isCommon: false };
  return undefined;
}
