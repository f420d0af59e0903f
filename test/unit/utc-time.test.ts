import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utcMinute } from '../../src/util/utc-time.ts';

test('utcMinute: an instant to the minute in UTC, whatever offset it was written with; nonsense shown as given', () => {
  assert.equal(utcMinute('2026-12-01T20:25:53.000Z'), '2026-12-01 20:25 UTC');
  assert.equal(utcMinute('2026-12-01T21:25:53+01:00'), '2026-12-01 20:25 UTC');
  assert.equal(utcMinute('not a date'), 'not a date');
});
