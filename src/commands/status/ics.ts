// An iCalendar (RFC 5545) file: one event at each credential's expiry, with an alarm two weeks before.
import type { StatusRow } from './rows.ts';

export const REMINDER = '-P14D';

/** How many reminders the calendar holds: each credential's expiry, and each delegated refresh token's death if unused. */
export function reminderCount(rows: StatusRow[]): number {
  return rows.filter((row) => row.credential).length + rows.filter((row) => row.delegated?.refreshToken.lastRedeemedOn).length;
}

export function expiryCalendar(rows: StatusRow[], now: Date): string {
  const events = rows.flatMap((row) => [
    ...(row.credential ? [event(row, row.credential, now)] : []),
    ...(row.delegated?.refreshToken.lastRedeemedOn ? [refreshEvent(row, row.delegated.refreshToken.lastRedeemedOn, now)] : []),
  ]);
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

/** Entra ends a refresh token unused for 90 days: the day it dies if nothing redeems it before. */
function refreshEvent(row: StatusRow, lastRedeemedOn: string, now: Date): string[] {
  const start = new Date(Date.parse(lastRedeemedOn) + 90 * 86_400_000);
  const fix = `dynauth test-connection --profile ${row.profile}`;
  const about = [
    `Redeem it before then (a new one is kept, and the 90 days start again): ${fix}`,
    row.environment && `Environment: ${row.environment.url}`,
    row.app && `App: ${row.app.displayName} (client id ${row.app.clientId})`,
  ]
    .filter(Boolean)
    .join('\n');
  return [
    'BEGIN:VEVENT',
    `UID:refresh-token.${row.profile}.${stamp(new Date(lastRedeemedOn))}@dynauth`,
    `DTSTAMP:${stamp(now)}`,
    `DTSTART:${stamp(start)}`,
    `DTEND:${stamp(new Date(start.getTime() + 30 * 60_000))}`,
    `SUMMARY:${text(`dynauth: the refresh token of profile ${row.profile} dies unused`)}`,
    `DESCRIPTION:${text(about)}`,
    'TRANSP:TRANSPARENT',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    `DESCRIPTION:${text(`The refresh token of dynauth profile ${row.profile} dies in two weeks unless redeemed: ${fix}`)}`,
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
