import type { Clock } from '../io/clock.ts';
import { MAX_RESPONSE_BYTES, readBounded, ResponseTooLargeError } from './bounded-body.ts';
import { classifyNetworkError, NetworkError } from './network-error.ts';
import { defaultRetryBudget, RetryBudgetError, type RetryBudget, type RetryWait } from './retry-wait.ts';

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
  onRetry?: (wait: RetryWait) => void;
  /** The user's name for a host ("Dataverse"); default the host. */
  serviceName?: (host: string) => string;
  /** How long one request may wait in all before its retries; default 5 min. */
  budget?: RetryBudget;
  maxAttempts?: number;
  /** Cap of the backoff when the service says nothing; a Retry-After is honoured up to the budget. */
  maxDelayMs?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  /** The most of one answer that is read (default MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  random?: () => number;
}

const RETRY_STATUSES = new Set([429, 503]);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * The one retry policy under every client: 429 and 503 honouring Retry-After, and transient
 * network failures, with capped exponential backoff. A POST is retried after a network failure
 * only when the request surely never left (the caller re-checks for anything else). A request
 * waits at most its budget in all: a Retry-After past what is left fails at once.
 */
export function createHttp(options: HttpOptions): Http {
  const maxAttempts = options.maxAttempts ?? 6;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const random = options.random ?? Math.random;
  const trace = options.trace ?? (() => {});
  const budget = options.budget ?? defaultRetryBudget();
  const serviceName = options.serviceName ?? ((host: string) => host);

  const backoff = (attempt: number) => Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2);

  return {
    async request(url, init = {}) {
      const method = (init.method ?? 'GET').toUpperCase();
      const parsed = new URL(url);
      const host = parsed.host;
      const tooLarge = () => new ResponseTooLargeError(serviceName(host), `${method} ${parsed.pathname}`, maxResponseBytes);
      let waitedMs = 0;
      const fits = (waitMs: number) => waitedMs + waitMs <= budget.ms;
      const pause = async (wait: Omit<RetryWait, 'host' | 'service' | 'at'>) => {
        options.onRetry?.({ ...wait, host, service: serviceName(host), at: new Date(options.clock.now().getTime() + wait.waitMs) });
        await options.clock.sleep(wait.waitMs, options.signal);
        waitedMs += wait.waitMs;
      };
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
          // The whole answer is read here, within the request's time-out and never past the cap.
          response = await readBounded(response, maxResponseBytes, tooLarge);
        } catch (error) {
          if (options.signal.aborted || error instanceof ResponseTooLargeError) throw error;
          const failure = classifyNetworkError(error, host);
          trace(`← ${method} ${url}: ${failure.message}`);
          const retryable = failure.transient && (IDEMPOTENT.has(method) || failure.notSent);
          const waitMs = backoff(attempt);
          if (!retryable || attempt >= maxAttempts || !fits(waitMs)) throw failure;
          await pause({ asked: false, failure: failure.message, waitMs });
          continue;
        }
        const elapsed = options.clock.now().getTime() - started;
        const requestId =
          response.headers.get('request-id') ?? response.headers.get('x-ms-request-id') ?? response.headers.get('x-ms-service-request-id');
        trace(`← ${response.status} ${method} ${url} ${elapsed} ms${requestId ? ` request-id ${requestId}` : ''}`);
        if (!RETRY_STATUSES.has(response.status) || attempt >= maxAttempts) return response;
        const asked = retryAfterMs(response.headers.get('retry-after'), options.clock.now());
        const waitMs = asked ?? backoff(attempt);
        trace(
          `  ${response.status === 429 ? 'throttled' : 'unavailable'}: ${asked === undefined ? 'backing off' : 'Retry-After'} ${Math.round(waitMs)} ms`,
        );
        // Out of budget: the answer itself is returned (its client reports it) unless the service named
        // a wait, which is said as such rather than as the bare 429 it came with.
        if (!fits(waitMs) && asked === undefined) return response;
        await response.body?.cancel();
        if (!fits(waitMs)) throw new RetryBudgetError({ service: serviceName(host), status: response.status, waitMs }, budget, waitedMs);
        await pause({ status: response.status, asked: asked !== undefined, waitMs });
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

export { NetworkError, ResponseTooLargeError };
export { RetryBudgetError, type RetryBudget, type RetryWait } from './retry-wait.ts';
