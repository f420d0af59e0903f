// What each service answers when a fault rule throttles it or takes it down.
import { newGuid } from './ids.ts';
import type { Reply } from './http.ts';
import type { FaultAction } from './fault-rules.ts';
import type { ServiceName } from './types.ts';

export function faultReply(service: ServiceName, action: Extract<FaultAction, { kind: 'throttle' | 'unavailable' }>): Reply {
  const throttled = action.kind === 'throttle';
  const status = throttled ? 429 : 503;
  const headers: Record<string, string> = {};
  if (action.retryAfterSeconds !== undefined) headers['retry-after'] = String(action.retryAfterSeconds);
  switch (service) {
    case 'graph': {
      const requestId = newGuid();
      return {
        status,
        headers: { ...headers, 'request-id': requestId },
        body: {
          error: {
            code: throttled ? 'TooManyRequests' : 'serviceNotAvailable',
            message: throttled ? 'Too many requests, please retry later.' : 'Service is temporarily unavailable, please retry later.',
            innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': requestId },
          },
        },
      };
    }
    case 'dataverse':
      return {
        status,
        headers: { ...headers, 'odata-version': '4.0' },
        body: {
          error: throttled
            ? { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' }
            : { code: '0x80040216', message: 'The service is temporarily unavailable. Please try again later.' },
        },
      };
    case 'bap':
      return {
        status,
        headers,
        body: {
          error: {
            code: throttled ? 'TooManyRequests' : 'ServiceUnavailable',
            message: throttled ? 'Rate limit is exceeded. Try again later.' : 'The service is temporarily unavailable.',
          },
        },
      };
    case 'github':
      // docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api: secondary rate limits answer 429 (or 403) with retry-after.
      return {
        status,
        headers,
        body: {
          message: throttled
            ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
            : 'Service Unavailable',
          documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
          status: String(status),
        },
      };
    case 'keyvault':
      // learn.microsoft.com/azure/key-vault/general/overview-throttling: 429 with Retry-After.
      return {
        status,
        headers,
        body: {
          error: throttled
            ? {
                code: 'Throttled',
                message: 'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
              }
            : { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' },
        },
      };
    case 'oidc':
      return { status, headers, body: throttled ? 'Too Many Requests' : 'Service Unavailable' };
    case 'login': {
      const traceId = newGuid();
      const timestamp = `${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`;
      const code = throttled ? 50196 : 90033;
      const text = throttled
        ? 'The server terminated an operation because it encountered a client request loop. Please contact your app vendor.'
        : 'A transient error has occurred. Please try again.';
      return {
        status,
        headers,
        body: {
          error: 'temporarily_unavailable',
          error_description: `AADSTS${code}: ${text} Trace ID: ${traceId} Timestamp: ${timestamp}`,
          error_codes: [code],
          timestamp,
          trace_id: traceId,
          correlation_id: newGuid(),
        },
      };
    }
  }
}
