import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expiryCalendar, fold, reminderCount } from '../../src/commands/status/ics.ts';

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

test("a delegated profile's refresh token gets a reminder at the end of its 90 days unused, beside its secret's expiry", () => {
  const rows = [
    {
      profile: 'contact',
      environment: { url: 'https://x' },
      app: { displayName: 'a', clientId: 'c' },
      tenantId: 't',
      credential: { type: 'secret', keyId: 'k', expiresOn: '2027-06-01T00:00:00.000Z', daysLeft: 180 },
      lastSuccessfulTest: undefined,
      keychainItem: 'present' as const,
      delegated: { publicClient: false, refreshToken: { lastRedeemedOn: '2026-11-20T10:00:00.000Z', daysLeft: 79 } },
    },
    {
      profile: 'sync',
      environment: { url: 'https://x' },
      app: { displayName: 'b', clientId: 'd' },
      tenantId: 't',
      credential: undefined,
      lastSuccessfulTest: undefined,
      keychainItem: 'present' as const,
      delegated: { publicClient: true, refreshToken: {} },
    },
  ];
  const text = expiryCalendar(rows, new Date('2026-12-01T00:00:00Z'));
  assert.equal(text.match(/BEGIN:VEVENT/g)?.length, 2, 'the secret and the refresh token of contact; nothing known for sync');
  assert.match(text, /UID:refresh-token\.contact\.20261120T100000Z@dynauth\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:20270218T100000Z\r\n/);
  assert.match(text, /SUMMARY:dynauth: the refresh token of profile contact dies unused\r\n/);
  assert.match(text.replace(/\r\n /g, ''), /dynauth test-connection --profile contact/);
  assert.equal(reminderCount(rows), 2);
});
