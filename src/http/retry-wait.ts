import { DynauthError } from '../cli/errors.ts';

/** One wait before a retry, as createHttp tells it to onRetry. */
export interface RetryWait {
  host: string;
  /** The service's name for the user ("Dataverse"), or the host. */
  service: string;
  /** The answer that asked for the retry; undefined after a network failure. */
  status?: number;
  /** True when the wait is the service's own Retry-After. */
  asked: boolean;
  /** What went wrong, for a network failure. */
  failure?: string;
  waitMs: number;
  /** When the retry is sent. */
  at: Date;
}

/**
 * How long one request may spend waiting before its retries, most of it the services' Retry-After
 * (Dataverse's service protection asks for exactly that: learn.microsoft.com/power-apps/developer/data-platform/api-limits).
 */
export interface RetryBudget {
  ms: number;
  /** What set it, for the message: "--wait 5m", or "dynauth's 5 min limit". */
  source: string;
  /** What to do instead: run again later, or allow longer. */
  hint: (neededMs: number) => string;
}

/** Commands without --wait give one request this long; init's and rotate-secret's --wait default is the same. */
export const DEFAULT_RETRY_BUDGET_MS = 5 * 60_000;

export function defaultRetryBudget(): RetryBudget {
  return {
    ms: DEFAULT_RETRY_BUDGET_MS,
    source: "dynauth's 5 min limit",
    hint: () => 'Run the command again once the service has recovered.',
  };
}

/** The budget of a command with --wait: its value, and a resume hint that names a long-enough one. */
export function waitFlagBudget(ms: number, given: string): RetryBudget {
  return {
    ms,
    source: `--wait ${given}`,
    hint: (neededMs) =>
      `Run the same command again later to resume (it reuses what was made), or allow longer with --wait ${Math.ceil(neededMs / 60_000) + 1}m.`,
  };
}

/** The budget of a command with --timeout (test-connection): a throttled answer is waited for within it. */
export function timeoutFlagBudget(ms: number): RetryBudget {
  return {
    ms,
    source: `--timeout (${Math.round(ms / 1000)} s)`,
    hint: (neededMs) => `Test again later, or allow longer with --timeout ${Math.ceil(neededMs / 1000) + 5}s.`,
  };
}

/** The progress line for a wait: "Dataverse asked dynauth to wait 45 s (429); retrying at 14:02:31…". */
export function describeRetryWait(wait: RetryWait): string {
  const seconds = `${Math.max(1, Math.round(wait.waitMs / 1000))} s`;
  const at = `retrying at ${clockTime(wait.at)}…`;
  if (wait.status === undefined) return `${(wait.failure ?? `${wait.service} did not answer`).replace(/\.$/, '')}; ${at}`;
  if (wait.asked) return `${wait.service} asked dynauth to wait ${seconds} (${wait.status}); ${at}`;
  const what = wait.status === 429 ? 'is throttling dynauth' : 'is unavailable';
  return `${wait.service} ${what} (${wait.status}); waiting ${seconds}, ${at}`;
}

/** A service asked for a longer wait than the budget has left: stop now rather than sleep past it. */
export class RetryBudgetError extends DynauthError {
  constructor(wait: Pick<RetryWait, 'service' | 'status' | 'waitMs'>, budget: RetryBudget, waitedMs: number) {
    const left = Math.max(0, budget.ms - waitedMs);
    super(
      `${wait.service} asked dynauth to wait ${formatWait(wait.waitMs)} (${wait.status}), more than ${budget.source} leaves (${formatWait(left)}).`,
      { hint: budget.hint(waitedMs + wait.waitMs), code: wait.status === 429 ? 'throttled' : 'service-unavailable' },
    );
    this.name = 'RetryBudgetError';
  }
}

function formatWait(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
}

function clockTime(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
