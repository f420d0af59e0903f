// How every date-and-time reads in dynauth's human output: `2026-12-01 19:25 UTC` (JSON keeps ISO 8601).

/** An ISO 8601 instant to the minute, in UTC; anything unparsable is shown as given. */
export function utcMinute(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
