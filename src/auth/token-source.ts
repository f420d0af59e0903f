import type { TokenCredential } from '@azure/identity';

/** A function that returns a bearer token for one scope; what every client is given. */
export type TokenSource = (scope: string) => Promise<string>;

export function tokenSource(credential: TokenCredential, signal: AbortSignal, onError: (error: unknown) => Error): TokenSource {
  return async (scope) => {
    try {
      const token = await credential.getToken(scope, { abortSignal: signal });
      if (!token) throw new Error(`no token was returned for ${scope}`);
      return token.token;
    } catch (error) {
      if (signal.aborted) throw error;
      throw onError(error);
    }
  };
}
