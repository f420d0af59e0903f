// One request to an environment's Web API, as `dynauth api` sends it: the URL stays under the
// environment's /api/data, the answer is read within the HTTP layer's bounds, and a refusal is an
// ApiError like every other Dataverse answer (so the connection test's diagnoses apply).
import { UsageError } from '../cli/errors.ts';
import type { Http } from '../http/http.ts';
import { DATAVERSE_API_VERSION } from '../microsoft.ts';
import { ApiError, readErrorBody } from './api-error.ts';

export const WEB_API_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
export type WebApiMethod = (typeof WEB_API_METHODS)[number];

export interface WebApiAnswer {
  status: number;
  /** The body as sent (JSON, or empty for 204). */
  text: string;
  /** The new or updated record's URL, when Dataverse names it (OData-EntityId). */
  entityId: string | undefined;
}

/**
 * `accounts?$top=1` under <env>/api/data/v9.2/, or an absolute path (`/api/data/v9.1/…`) or URL of
 * the same environment; anything that resolves elsewhere (another host, out of /api/data) is refused,
 * so the token is never sent anywhere but the environment's Web API.
 */
export function webApiUrl(environmentUrl: string, path: string): URL {
  const origin = new URL(environmentUrl).origin;
  let url: URL;
  try {
    url = new URL(path, `${origin}/api/data/${DATAVERSE_API_VERSION}/`);
  } catch {
    throw new UsageError('The path is not a Web API path such as accounts?$top=1.', { code: 'bad-api-path' });
  }
  if (url.origin !== origin || !url.pathname.toLowerCase().startsWith('/api/data/') || url.username || url.password) {
    throw new UsageError(`The path must stay in the environment's Web API (${origin}/api/data/…); the token is sent nowhere else.`, {
      hint: "Give a path such as 'accounts?$top=1' (relative to /api/data/v9.2/), or /api/data/v9.2/… .",
      code: 'bad-api-path',
    });
  }
  return url;
}

export async function callWebApi(
  http: Http,
  url: URL,
  method: WebApiMethod,
  accessToken: string,
  body: string | undefined,
): Promise<WebApiAnswer> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${accessToken}`,
    Accept: 'application/json',
    'OData-MaxVersion': '4.0',
    'OData-Version': '4.0',
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await http.request(url.href, { method, headers, ...(body === undefined ? {} : { body }) });
  if (!response.ok) {
    const { code, message } = await readErrorBody(response);
    throw new ApiError({
      service: 'dataverse',
      status: response.status,
      remoteCode: code,
      remoteMessage: message,
      message: `Dataverse answered ${method} ${url.pathname} with HTTP ${response.status}${code ? ` ${code}` : ''}: ${message || 'no details'}.`,
      requestId: response.headers.get('x-ms-service-request-id') ?? undefined,
    });
  }
  return { status: response.status, text: await response.text(), entityId: response.headers.get('OData-EntityId') ?? undefined };
}
