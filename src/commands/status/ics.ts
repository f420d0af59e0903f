// An iCalendar (RFC 5545) file: one event at each credential's expiry, with an alarm two weeks before.
import type { StatusRow } from './rows.ts';

export const REMINDER = '-P14D';

export function expiryCalendar(rows: StatusRow[], now: Date): string {
  const events = rows.flatMap((row) => (row.credential ? [event(row, row.credential, now)] : []));
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//dynauth//credential expiry//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'X-WR-CALNAME:dynauth credential expiry',
    ...events.flat(),
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}

function event(row: StatusRow, credential: NonNullable<StatusRow['credential']>, now: Date): string[] {
  const what = credential.type === 'secret' ? 'client secret' : 'certificate';
  const start = new Date(credential.expiresOn);
  const fix = `dynauth rotate-secret --profile ${row.profile}`;
  const about = [
    `Renew it before then: ${fix}`,
    row.environment && `Environment: ${row.environment.url}`,
    row.app && `App: ${row.app.displayName} (client id ${row.app.clientId})`,
  ]
    .filter(Boolean)
    .join('\n');
  return [
    'BEGIN:VEVENT',
    `UID:${credential.keyId}.${row.profile}@dynauth`,
    `DTSTAMP:${stamp(now)}`,
    `DTSTART:${stamp(start)}`,
    `DTEND:${stamp(new Date(start.getTime() + 30 * 60_000))}`,
    `SUMMARY:${text(`dynauth: the ${what} of profile ${row.profile} expires`)}`,
    `DESCRIPTION:${text(about)}`,
    'TRANSP:TRANSPARENT',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    `DESCRIPTION:${text(`The ${what} of dynauth profile ${row.profile} expires in two weeks: ${fix}`)}`,
    `TRIGGER:${REMINDER}`,
    'END:VALARM',
    'END:VEVENT',
  ];
}

function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** TEXT values escape backslash, semicolon, comma and newlines. */
function text(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Lines longer than 75 octets continue on the next line after a space, never splitting a character. */
export function fold(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    const limit = parts.length ? 74 : 75;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}
