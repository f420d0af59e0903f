import { UsageError } from '../cli/errors.ts';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** "90s", "5m", "2h", "1d" → milliseconds; a bare number is seconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d|w)?\s*$/i.exec(text);
  if (!match) throw new UsageError(`${flag} "${text}" is not a duration (e.g. 90s, 5m, 2h)`);
  return Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 's').toLowerCase()]!);
}

/** A credential lifetime: "180" or "180d" days, "26w", "6mo", "1y" → whole days. */
export function parseLifetimeDays(text: string, flag: string): number {
  const match = /^\s*(\d+)\s*(d|days?|w|weeks?|mo|months?|y|years?)?\s*$/i.exec(text);
  if (!match) throw new UsageError(`${flag} "${text}" is not a lifetime (e.g. 180, 90d, 6mo, 1y)`);
  const count = Number(match[1]);
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
