import type { TokenCredential } from '@azure/identity';
import { aadstsCode } from './token-error.ts';

/** A function that returns a bearer token for one scope; what every client is given. */
export type TokenSource = (scope: string) => Promise<string>;

const REFRESH_MARGIN_MS = 5 * 60_000;
/** AADSTS500011: the resource principal named by the scope was not found in the tenant. */
const RESOURCE_NOT_FOUND = 500011;

export interface TokenSourceOptions {
  /** A second scope to ask for when Entra does not know a scope's resource (clouds.ts: GCC's Power Platform). */
  fallbacks?: Record<string, string | undefined>;
  now?: () => number;
}

/**
 * Tokens are kept per scope until shortly before they expire, and concurrent callers share one
 * request, so parallel calls never start several sign-ins or token round trips. A scope whose
 * fallback had to be used is asked for by its fallback from then on.
 */
export function tokenSource(credential: TokenCredential, signal: AbortSignal, onError: (error: unknown) => Error, options: TokenSourceOptions = {}): TokenSource {
  const now = options.now ?? Date.now;
  const cache = new Map<string, Promise<{ token: string; expiresOnTimestamp: number }>>();
  const chosen = new Map<string, string>();
  const request = async (scope: string) => {
    const token = await credential.getToken(scope, { abortSignal: signal });
    if (!token) throw new Error(`no token was returned for ${scope}`);
    return token;
  };
  const fetchToken = async (scope: string) => {
    try {
      const wanted = chosen.get(scope) ?? scope;
      const fallback = options.fallbacks?.[scope];
      try {
        return await request(wanted);
      } catch (error) {
        if (!fallback || wanted === fallback || signal.aborted || aadstsCode(error) !== RESOURCE_NOT_FOUND) throw error;
        // If Entra knows neither, the first answer is reported: it names the scope the cloud lists first.
        const token = await request(fallback).catch((second: unknown) => Promise.reject(aadstsCode(second) === RESOURCE_NOT_FOUND ? error : second));
        chosen.set(scope, fallback);
        return token;
      }
    } catch (error) {
      cache.delete(scope);
      if (signal.aborted) throw error;
      throw onError(error);
    }
  };
  return async (scope) => {
    const cached = cache.get(scope);
    if (cached) {
      const token = await cached;
      if (token.expiresOnTimestamp - REFRESH_MARGIN_MS > now()) return token.token;
    }
    const pending = fetchToken(scope);
    cache.set(scope, pending);
    return (await pending).token;
  };
}
