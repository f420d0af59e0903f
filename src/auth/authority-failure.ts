// MSAL reports a tenant it cannot find as "endpoints_resolution_error", dropping Entra's answer;
// asking the tenant's metadata document again recovers the AADSTS code (or the network failure).
import type { Cloud } from '../clouds.ts';
import { classifyNetworkError } from '../http/network-error.ts';

export function isEndpointResolutionError(error: unknown): boolean {
  return (
    error instanceof Error && /endpoints_resolution_error/.test(`${(error as { errorCode?: unknown }).errorCode ?? ''} ${error.message}`)
  );
}

/** Why the tenant's metadata cannot be read: an Entra error (shaped like @azure/identity's), a network error, or undefined. */
export async function authorityFailure(fetcher: typeof fetch, cloud: Cloud, tenant: string, timeoutMs: number): Promise<unknown> {
  const url = `${cloud.authorityHost}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
  try {
    const response = await fetcher(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: 'application/json' } });
    if (response.ok) return undefined;
    const body = (await response.json().catch(() => ({}))) as { error_codes?: number[]; error_description?: string };
    return body.error_codes?.length
      ? { errorResponse: { errorCodes: body.error_codes, errorDescription: body.error_description ?? '' } }
      : undefined;
  } catch (error) {
    return classifyNetworkError(error, new URL(url).host);
  }
}
