import type { AccessToken, TokenCredential } from '@azure/identity';
import { aadstsCode } from './token-error.ts';

/** A function that returns a bearer token for one scope; what every client is given. */
export type TokenSource = (scope: string) => Promise<string>;

/** An interactive credential (device code, browser) signs in again only through authenticate(). */
export interface AdminCredential extends TokenCredential {
  authenticate?(scopes: string | string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

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
 * request, so parallel calls never start several sign-ins or token round trips. A token is asked
 * for silently first, and the admin signs in again only when that is needed. A scope with a
 * fallback that had to be used is asked for by its fallback from then on.
 */
export function tokenSource(
  credential: AdminCredential,
  signal: AbortSignal,
  onError: (error: unknown) => Error,
  options: TokenSourceOptions = {},
): TokenSource {
  const now = options.now ?? Date.now;
  const cache = new Map<string, Promise<AccessToken>>();
  const chosen = new Map<string, string>();
  const silent = async (scope: string) => {
    const token = await credential.getToken(scope, { abortSignal: signal });
    if (!token) throw new Error(`no token was returned for ${scope}`);
    return token;
  };
  const needsSignIn = (error: unknown) => credential.authenticate !== undefined && (error as Error)?.name === 'AuthenticationRequiredError';
  const signInFor = async (scope: string) => {
    await credential.authenticate!(scope, { abortSignal: signal });
    return silent(scope);
  };
  const acquire = (scope: string) =>
    silent(scope).catch((error: unknown) => (needsSignIn(error) ? signInFor(scope) : Promise.reject(error)));

  const withFallback = async (scope: string, fallback: string) => {
    let failure: unknown;
    try {
      return await silent(scope);
    } catch (error) {
      failure = error;
    }
    if (needsSignIn(failure)) {
      // The other name may already work without asking the admin to sign in again.
      const quiet = await silent(fallback).catch(() => undefined);
      if (quiet) {
        chosen.set(scope, fallback);
        return quiet;
      }
      try {
        return await signInFor(scope);
      } catch (error) {
        failure = error;
      }
    }
    if (signal.aborted || aadstsCode(failure) !== RESOURCE_NOT_FOUND) throw failure;
    try {
      const token = await acquire(fallback);
      chosen.set(scope, fallback);
      return token;
    } catch (second) {
      // If Entra knows neither, the first answer is reported: it names the scope the cloud lists first.
      throw aadstsCode(second) === RESOURCE_NOT_FOUND ? failure : second;
    }
  };

  const fetchToken = async (scope: string) => {
    try {
      const fallback = chosen.has(scope) ? undefined : options.fallbacks?.[scope];
      return await (fallback ? withFallback(scope, fallback) : acquire(chosen.get(scope) ?? scope));
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
