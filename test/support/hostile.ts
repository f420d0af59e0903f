// Hostile-input tables register their cases here; `npm test` (test/run.ts) adds them up and prints
// how many hostile inputs the suite tried. Each test file runs in its own process, so the counts
// are appended to a file the runner names.
import { appendFileSync } from 'node:fs';

export const HOSTILE_COUNT_FILE = 'DYNAUTH_HOSTILE_COUNT_FILE';

/** Returns `cases` unchanged, recording how many hostile inputs of this area the suite tries. */
export function hostileCases<T>(area: string, cases: readonly T[]): readonly T[] {
  const file = process.env[HOSTILE_COUNT_FILE];
  if (file) appendFileSync(file, `${area.replace(/\s+/g, '-')} ${cases.length}\n`);
  return cases;
}

/** "hostile inputs tried: 42 (cloud 7, hangs 12, …)" from the lines `hostileCases` appended. */
export function summarizeHostile(text: string): string {
  const areas = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [area, count] = line.trim().split(' ');
    if (area && count && Number.isInteger(Number(count))) areas.set(area, (areas.get(area) ?? 0) + Number(count));
  }
  const total = [...areas.values()].reduce((sum, n) => sum + n, 0);
  const detail = [...areas]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([area, n]) => `${area} ${n}`)
    .join(', ');
  return `hostile inputs tried: ${total}${detail ? ` (${detail})` : ''}`;
}
