import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expiryCalendar, fold } from '../../src/commands/status/ics.ts';

test('fold keeps every physical line within 75 octets and never splits a character', () => {
  const line = `DESCRIPTION:${'é'.repeat(100)}`;
  const folded = fold(line);
  for (const part of folded.split('\r\n')) assert.ok(Buffer.byteLength(part) <= 75);
  assert.equal(folded.replace(/\r\n /g, ''), line);
});

test('the calendar has one event per credential with a display alarm two weeks before', () => {
  const text = expiryCalendar(
    [
      {
        profile: 'p',
        environment: { url: 'https://x' },
        app: { displayName: 'a', clientId: 'c' },
        tenantId: 't',
        credential: { type: 'certificate', keyId: 'k', expiresOn: '2027-01-02T03:04:05.000Z', daysLeft: 9 },
        lastSuccessfulTest: undefined,
        keychainItem: 'present',
      },
    ],
    new Date('2026-12-01T00:00:00Z'),
  );
  assert.match(text, /BEGIN:VEVENT\r\nUID:k\.p@dynauth\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20270102T030405Z\r\n/);
  assert.match(text, /SUMMARY:dynauth: the certificate of profile p expires\r\n/);
  assert.match(text, /BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:[\s\S]*?\r\nTRIGGER:-P14D\r\nEND:VALARM/);
});
