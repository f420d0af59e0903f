// The plumbing of the connection test: what Dataverse's answers say in their headers, a time-out
// MSAL cannot apply itself, and the two claims of a token that explain a 401.
import type { Http } from '../http/http.ts';
import type { DiagnosisContext } from './diagnosis.ts';

/** Remembers what a final 429 or 401 said in its headers: how long to wait, which audience Dataverse expects. */
export function observing(http: Http, ctx: DiagnosisContext): Http {
  return {
    async request(url, init) {
      const response = await http.request(url, init);
      const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
      if (response.status === 429 && Number.isFinite(retryAfter)) ctx.retryAfterSeconds = retryAfter;
      const resource = /resource_id="?([^",\s]+)/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
      if (response.status === 401 && resource) ctx.expectedAudience = resource;
      return response;
    },
  };
}

export function withTimeout<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The audience and expiry of a token, to explain a 401; the token itself is never shown. */
export function tokenClaims(token: string): { aud?: string; exp?: number } {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown; exp?: unknown };
    return {
      aud: typeof payload.aud === 'string' ? payload.aud : undefined,
      exp: typeof payload.exp === 'number' ? payload.exp : undefined,
    };
  } catch {
    return {};
  }
}
