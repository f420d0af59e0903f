import type { TokenCredential } from '@azure/identity';

/** A function that returns a bearer token for one scope; what every client is given. */
export type TokenSource = (scope: string) => Promise<string>;

const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Tokens are kept per scope until shortly before they expire, and concurrent callers share one
 * request, so parallel calls never start several sign-ins or token round trips.
 */
export function tokenSource(credential: TokenCredential, signal: AbortSignal, onError: (error: unknown) => Error, now: () => number = Date.now): TokenSource {
  const cache = new Map<string, Promise<{ token: string; expiresOnTimestamp: number }>>();
  const fetchToken = async (scope: string) => {
    try {
      const token = await credential.getToken(scope, { abortSignal: signal });
      if (!token) throw new Error(`no token was returned for ${scope}`);
      return token;
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
