import { UsageError } from '../cli/errors.ts';
import { MAX_SECRET_LIFETIME_DAYS } from '../microsoft.ts';
import { quoteForMessage } from './terminal-text.ts';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * The longest --wait or --timeout: a day. Node's timers hold at most 2^31-1 ms (24.8 days) and
 * warn (TimeoutOverflowWarning) then fire at once beyond it; no wait dynauth does needs a day.
 */
export const MAX_WAIT_MS = 86_400_000;
/** Durations compared with dates, not waited for (--revoke-after, --if-expiring-within): two years, as a credential's lifetime. */
export const MAX_DATE_SPAN_MS = MAX_SECRET_LIFETIME_DAYS * 86_400_000;

/** "90s", "5m", "2h", "1d" → milliseconds; a bare number is seconds. Beyond `maxMs` (a day by default) is a usage error. */
export function parseDuration(text: string, flag: string, maxMs = MAX_WAIT_MS): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d|w)?\s*$/i.exec(text);
  if (!match) throw new UsageError(`${flag} "${quoteForMessage(text, 40)}" is not a duration (e.g. 90s, 5m, 2h)`);
  const ms = Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 's').toLowerCase()]!);
  if (!(ms <= maxMs)) {
    throw new UsageError(`${flag} "${quoteForMessage(text.trim(), 40)}" is too long: give at most ${describeLimit(maxMs)}.`, {
      code: 'duration-out-of-range',
    });
  }
  return ms;
}

function describeLimit(ms: number): string {
  const days = ms / 86_400_000;
  if (days >= 2) return `${days} days (${days}d)`;
  return ms === 86_400_000 ? '1 day (24h)' : formatDuration(ms);
}

/** A credential lifetime: "180" or "180d" days, "26w", "6mo", "1y" → whole days (the caller bounds them). */
export function parseLifetimeDays(text: string, flag: string): number {
  const match = /^\s*(\d+)\s*(d|days?|w|weeks?|mo|months?|y|years?)?\s*$/i.exec(text);
  if (!match) throw new UsageError(`${flag} "${quoteForMessage(text, 40)}" is not a lifetime (e.g. 180, 90d, 6mo, 1y)`);
  const count = Number(match[1]);
  // Far past any lifetime a caller allows; beyond it the arithmetic is no longer exact.
  if (count > 1_000_000)
    throw new UsageError(`${flag} "${quoteForMessage(text.trim(), 40)}" is far too long a lifetime (e.g. 180, 90d, 6mo, 1y).`, {
      code: 'expiry-out-of-range',
    });
  const unit = (match[2] ?? 'd').toLowerCase();
  if (unit.startsWith('w')) return count * 7;
  if (unit.startsWith('mo')) return Math.round(count * 30.4375);
  if (unit.startsWith('y')) return count * 365;
  return count;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}
