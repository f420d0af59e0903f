import type { Clock } from '../io/clock.ts';
import { classifyNetworkError, NetworkError } from './network-error.ts';

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface Http {
  request(url: string, init?: HttpRequest): Promise<Response>;
}

export interface HttpOptions {
  fetch: typeof fetch;
  clock: Clock;
  signal: AbortSignal;
  trace?: (line: string) => void;
  /** Told about every wait before a retry, so a long one can be shown without --verbose. */
  onRetry?: (retry: { host: string; reason: string; waitMs: number }) => void;
  maxAttempts?: number;
  maxDelayMs?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  random?: () => number;
}

const RETRY_STATUSES = new Set([429, 503]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * The one retry policy under every client: 429 and 503 honouring Retry-After, and transient
 * network failures, with capped exponential backoff. A POST is retried after a network failure
 * only when the request surely never left (the caller re-checks for anything else).
 */
export function createHttp(options: HttpOptions): Http {
  const maxAttempts = options.maxAttempts ?? 6;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const random = options.random ?? Math.random;
  const trace = options.trace ?? (() => {});

  const backoff = (attempt: number) => Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2);

  return {
    async request(url, init = {}) {
      const method = (init.method ?? 'GET').toUpperCase();
      const host = new URL(url).host;
      for (let attempt = 1; ; attempt++) {
        const started = options.clock.now().getTime();
        trace(`→ ${method} ${url}`);
        let response: Response;
        try {
          response = await options.fetch(url, {
            method,
            headers: init.headers,
            body: init.body,
            signal: AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]),
          });
        } catch (error) {
          if (options.signal.aborted) throw error;
          const failure = classifyNetworkError(error, host);
          trace(`← ${method} ${url}: ${failure.message}`);
          const retryable = failure.transient && (IDEMPOTENT.has(method) || failure.notSent);
          if (!retryable || attempt >= maxAttempts) throw failure;
          const waitMs = backoff(attempt);
          options.onRetry?.({ host, reason: failure.message, waitMs });
          await options.clock.sleep(waitMs, options.signal);
          continue;
        }
        const elapsed = options.clock.now().getTime() - started;
        const requestId = response.headers.get('request-id') ?? response.headers.get('x-ms-request-id') ?? response.headers.get('x-ms-service-request-id');
        trace(`← ${response.status} ${method} ${url} ${elapsed} ms${requestId ? ` request-id ${requestId}` : ''}`);
        if (!RETRY_STATUSES.has(response.status) || attempt >= maxAttempts) return response;
        const wait = retryAfterMs(response.headers.get('retry-after'), options.clock.now()) ?? backoff(attempt);
        await response.body?.cancel();
        trace(`  ${response.status === 429 ? 'throttled' : 'unavailable'}: retrying in ${Math.round(wait)} ms`);
        const reason = response.status === 429 ? `${host} asked dynauth to slow down (429)` : `${host} is unavailable (503)`;
        options.onRetry?.({ host, reason, waitMs: Math.min(wait, maxDelayMs) });
        await options.clock.sleep(Math.min(wait, maxDelayMs), options.signal);
      }
    },
  };
}

export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

export { NetworkError };
