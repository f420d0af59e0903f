// A delegated integration's tokens at Entra's v2 token endpoint: the protocol work is oauth4webapi's
// (a maintained, standards-focused OAuth client); MSAL keeps refresh tokens to itself, and the
// products dynauth sets up need one. Requests go through dynauth's own HTTP layer (retries,
// bounded answers, --verbose tracing without bodies).
import * as oauth from 'oauth4webapi';
import { oauthEndpoints, type Cloud } from '../clouds.ts';
import type { Http } from '../http/http.ts';
import { EntraTokenError } from './entra-token-error.ts';

export interface DelegatedApp {
  cloud: Cloud;
  tenantId: string;
  clientId: string;
  /** Absent for a public client (PKCE alone). */
  clientSecret?: string;
}

export interface DelegatedTokens {
  accessToken: string;
  /** Entra usually answers with a new refresh token: the old one keeps working, but the new one is kept. */
  refreshToken: string | undefined;
  expiresOn: Date;
  scopes: string[];
  /** The id token's claims (when `openid` was asked for): whose tokens these are. */
  user?: { objectId: string; userPrincipalName: string; tenantId: string };
}

export { EntraTokenError };

export function authorizationServer(cloud: Cloud, tenantId: string): oauth.AuthorizationServer {
  const endpoints = oauthEndpoints(cloud, tenantId);
  return {
    issuer: endpoints.issuer,
    authorization_endpoint: endpoints.authorize,
    token_endpoint: endpoints.token,
    device_authorization_endpoint: endpoints.deviceCode,
  };
}

export function clientAuthOf(app: DelegatedApp): oauth.ClientAuth {
  return app.clientSecret === undefined ? oauth.None() : oauth.ClientSecretPost(app.clientSecret);
}

/** oauth4webapi's requests, sent through dynauth's HTTP layer. */
export function requestOptions(http: Http, signal?: AbortSignal): { [oauth.customFetch]: typeof fetch; signal?: AbortSignal } {
  const send = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = init?.body === undefined || init.body === null ? undefined : String(init.body);
    return http.request(String(url), { method: init?.method ?? 'GET', headers, ...(body === undefined ? {} : { body }) });
  };
  return { [oauth.customFetch]: send as typeof fetch, ...(signal ? { signal } : {}) };
}

/** Redeems a refresh token for an access token to `scopes` (and, usually, a new refresh token). */
export async function redeemRefreshToken(
  http: Http,
  app: DelegatedApp,
  refreshToken: string,
  scopes: string[],
  now: Date,
): Promise<DelegatedTokens> {
  const as = authorizationServer(app.cloud, app.tenantId);
  const client: oauth.Client = { client_id: app.clientId };
  return tokensFrom(
    () =>
      oauth
        .refreshTokenGrantRequest(as, client, clientAuthOf(app), refreshToken, {
          additionalParameters: { scope: scopes.join(' ') },
          ...requestOptions(http),
        })
        .then((response) => oauth.processRefreshTokenResponse(as, client, response)),
    now,
  );
}

/** Runs a token request and reads its answer, turning Entra's OAuth errors into EntraTokenError. */
export async function tokensFrom(request: () => Promise<oauth.TokenEndpointResponse>, now: Date): Promise<DelegatedTokens> {
  let answer: oauth.TokenEndpointResponse;
  try {
    answer = await request();
  } catch (error) {
    throw asEntraTokenError(error) ?? error;
  }
  const claims = oauth.getValidatedIdTokenClaims(answer);
  const user =
    claims && typeof claims['oid'] === 'string'
      ? {
          objectId: claims['oid'],
          userPrincipalName: String(claims['preferred_username'] ?? claims['upn'] ?? ''),
          tenantId: String(claims['tid'] ?? ''),
        }
      : undefined;
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    expiresOn: new Date(now.getTime() + (answer.expires_in ?? 3600) * 1000),
    scopes: (answer.scope ?? '').split(' ').filter(Boolean),
    ...(user ? { user } : {}),
  };
}

export function asEntraTokenError(error: unknown): EntraTokenError | undefined {
  if (error instanceof EntraTokenError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    const body = error.cause;
    const description = typeof body['error_description'] === 'string' ? body['error_description'] : '';
    const codes = Array.isArray(body['error_codes']) ? body['error_codes'] : [];
    const first = typeof codes[0] === 'number' ? codes[0] : undefined;
    const fromText = /AADSTS(\d+)/.exec(description)?.[1];
    return new EntraTokenError(error.status, error.error, description, first ?? (fromText ? Number(fromText) : undefined));
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    const description = error.error_description ?? '';
    const fromText = /AADSTS(\d+)/.exec(description)?.[1];
    return new EntraTokenError(400, error.error, description, fromText ? Number(fromText) : undefined);
  }
  return undefined;
}
