// An iCalendar (RFC 5545) file: one event at each credential's expiry, with an alarm two weeks before.
import { REFRESH_TOKEN_IDLE_DAYS } from '../../steps/test-connection-delegated.ts';
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
  const fix = `dynauth rotate-secret --profile ${row.profile}`;
  return vevent(row, now, {
    uid: `${credential.keyId}.${row.profile}`,
    start: new Date(credential.expiresOn),
    summary: `dynauth: the ${what} of profile ${row.profile} expires`,
    renew: `Renew it before then: ${fix}`,
    alarm: `The ${what} of dynauth profile ${row.profile} expires in two weeks: ${fix}`,
  });
}

/** Entra ends a refresh token unused for 90 days: the day it dies if nothing redeems it before. */
function refreshEvent(row: StatusRow, lastRedeemedOn: string, now: Date): string[] {
  const fix = `dynauth test-connection --profile ${row.profile}`;
  return vevent(row, now, {
    uid: `refresh-token.${row.profile}.${stamp(new Date(lastRedeemedOn))}`,
    start: new Date(Date.parse(lastRedeemedOn) + REFRESH_TOKEN_IDLE_DAYS * 86_400_000),
    summary: `dynauth: the refresh token of profile ${row.profile} dies unused`,
    renew: `Redeem it before then (a new one is kept, and the 90 days start again): ${fix}`,
    alarm: `The refresh token of dynauth profile ${row.profile} dies in two weeks unless redeemed: ${fix}`,
  });
}

/** One half-hour event with a display alarm REMINDER before it; the description names the profile's environment and app. */
function vevent(row: StatusRow, now: Date, e: { uid: string; start: Date; summary: string; renew: string; alarm: string }): string[] {
  const about = [
    e.renew,
    row.environment && `Environment: ${row.environment.url}`,
    row.app && `App: ${row.app.displayName} (client id ${row.app.clientId})`,
  ]
    .filter(Boolean)
    .join('\n');
  return [
    'BEGIN:VEVENT',
    `UID:${e.uid}@dynauth`,
    `DTSTAMP:${stamp(now)}`,
    `DTSTART:${stamp(e.start)}`,
    `DTEND:${stamp(new Date(e.start.getTime() + 30 * 60_000))}`,
    `SUMMARY:${text(e.summary)}`,
    `DESCRIPTION:${text(about)}`,
    'TRANSP:TRANSPARENT',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    `DESCRIPTION:${text(e.alarm)}`,
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
