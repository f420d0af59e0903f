import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../support/sandbox.ts';

const ARGS = ['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'];
const BUSINESS_UNITS = '/api/data/v9.2/businessunits';
const throttleBusinessUnits = (retryAfterSeconds: number) =>
  ({
    kind: 'throttle',
    service: 'dataverse',
    environment: 'contososales',
    method: 'GET',
    pathPrefix: BUSINESS_UNITS,
    times: 1,
    retryAfterSeconds,
  }) as const;

test("Dataverse's Retry-After is waited out and said, with the service and when the retry goes", async (t) => {
  const sandbox = await startSandbox(t, { faults: [throttleBusinessUnits(2)] });
  const run = await sandbox.run(ARGS);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /• Dataverse asked dynauth to wait 2 s \(429\); retrying at \d\d:\d\d:\d\d…/);
  const reads = sandbox.emulator.requests.filter((r) => r.service === 'dataverse' && r.path === BUSINESS_UNITS);
  assert.equal(reads[0]?.status, 429);
  assert.equal(reads[1]?.status, 200, 'the same read, retried');
  const waited = reads[1]!.at - reads[0]!.answeredAt;
  assert.ok(waited >= 1900, `retried ${waited} ms after the 429; Retry-After said 2 s`);
});

test('a Retry-After longer than --wait stops the run at once with how to resume (exit 1)', async (t) => {
  const sandbox = await startSandbox(t, { faults: [throttleBusinessUnits(45)] });
  const started = Date.now();
  const run = await sandbox.run([...ARGS, '--wait', '30s'], { timeoutMs: 20_000 });
  assert.equal(run.code, 1, run.stderr);
  assert.ok(Date.now() - started < 20_000, 'did not sleep the 45 s');
  assert.match(run.stderr, /Dataverse asked dynauth to wait 45 s \(429\), more than --wait 30s leaves \(30 s\)\./);
  assert.match(run.stderr, /Run the same command again later to resume \(it reuses what was made\), or allow longer with --wait 2m\./);
  assert.doesNotMatch(run.stderr, /retrying at|\n\s+at /, 'no wait announced, no stack trace');
  const reads = sandbox.emulator.requests.filter((r) => r.service === 'dataverse' && r.path === BUSINESS_UNITS);
  assert.deepEqual(
    reads.map((r) => r.status),
    [429],
    'not retried',
  );
});

test('DYNAUTH_WAIT bounds the wait as --wait does', async (t) => {
  const sandbox = await startSandbox(t, { faults: [throttleBusinessUnits(45)] });
  const run = await sandbox.run(ARGS, { env: { DYNAUTH_WAIT: '10s' }, timeoutMs: 20_000 });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /more than --wait 10s leaves \(10 s\)/);
});
