import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttp, retryAfterMs, RetryBudgetError, type RetryWait } from '../../src/http/http.ts';
import { NetworkError } from '../../src/http/network-error.ts';
import { describeRetryWait, waitFlagBudget } from '../../src/http/retry-wait.ts';
import type { Clock } from '../../src/io/clock.ts';

function recordingClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  return { slept, now: () => new Date(), sleep: async (ms) => void slept.push(ms) };
}

/** A clock whose time moves only by what is slept, from 14:01:46 local time. */
function fakeClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  let now = new Date(2026, 0, 1, 14, 1, 46).getTime();
  return {
    slept,
    now: () => new Date(now),
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

async function serve(
  handler: (count: number, res: import('node:http').ServerResponse, req: import('node:http').IncomingMessage) => void,
): Promise<{ url: string; server: Server; count: () => number }> {
  let count = 0;
  const server = createServer((req, res) => handler(++count, res, req));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, server, count: () => count };
}

test('429 and 503 are retried, honouring Retry-After', async (t) => {
  const { url, server, count } = await serve((n, res) => {
    if (n === 1) res.writeHead(429, { 'Retry-After': '3' }).end();
    else if (n === 2) res.writeHead(503, { 'Retry-After': '1' }).end();
    else res.writeHead(200).end('ok');
  });
  t.after(() => server.close());
  const clock = recordingClock();
  const http = createHttp({ fetch, clock, signal: new AbortController().signal });
  const response = await http.request(url, { method: 'POST', body: '{}' });
  assert.equal(response.status, 200);
  assert.equal(count(), 3);
  assert.deepEqual(clock.slept, [3000, 1000]);
});

test('retries stop after the last attempt and return the final answer', async (t) => {
  const { url, server, count } = await serve((_, res) => res.writeHead(503).end());
  t.after(() => server.close());
  const clock = recordingClock();
  const http = createHttp({ fetch, clock, signal: new AbortController().signal, maxAttempts: 4, random: () => 1 });
  const response = await http.request(url);
  assert.equal(response.status, 503);
  assert.equal(count(), 4);
  assert.deepEqual(clock.slept, [500, 1000, 2000], 'capped exponential backoff without Retry-After');
});

test('a dropped connection is retried for GET but not for POST', async (t) => {
  const { url, server, count } = await serve((n, res, req) => {
    if (n === 1 || req.method === 'POST') req.socket.destroy();
    else res.writeHead(200).end('ok');
  });
  t.after(() => server.close());
  const http = createHttp({ fetch, clock: recordingClock(), signal: new AbortController().signal });
  assert.equal((await http.request(url)).status, 200);
  assert.equal(count(), 2);
  await assert.rejects(
    http.request(url, { method: 'POST', body: '{}' }),
    (error: unknown) => error instanceof NetworkError && error.failure === 'reset',
  );
  assert.equal(count(), 3, 'the POST was sent once');
});

test('a refused connection is named as such', async () => {
  const { url, server } = await serve((_, res) => res.end());
  await new Promise((resolve) => server.close(resolve));
  const http = createHttp({ fetch, clock: recordingClock(), signal: new AbortController().signal, maxAttempts: 2 });
  await assert.rejects(http.request(url), (error: unknown) => error instanceof NetworkError && error.failure === 'refused');
});

test('Retry-After accepts seconds and HTTP dates', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs('7', now), 7000);
  assert.equal(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  assert.equal(retryAfterMs(null, now), undefined);
});

test('a Retry-After longer than the backoff cap is waited in full, and said with the service and the time of the retry', async (t) => {
  const { url, server, count } = await serve((n, res) => {
    if (n === 1) res.writeHead(429, { 'Retry-After': '45' }).end();
    else res.writeHead(200).end('ok');
  });
  t.after(() => server.close());
  const clock = fakeClock();
  const waits: RetryWait[] = [];
  const http = createHttp({
    fetch,
    clock,
    signal: new AbortController().signal,
    serviceName: () => 'Dataverse',
    onRetry: (wait) => waits.push(wait),
  });
  assert.equal((await http.request(url)).status, 200);
  assert.equal(count(), 2);
  assert.deepEqual(clock.slept, [45_000], 'not cut to the 30 s backoff cap');
  assert.equal(waits.length, 1);
  assert.equal(describeRetryWait(waits[0]!), 'Dataverse asked dynauth to wait 45 s (429); retrying at 14:02:31…');
});

test('a Retry-After past what is left of --wait fails at once, naming the wait and how to resume', async (t) => {
  const { url, server, count } = await serve((_, res) => res.writeHead(429, { 'Retry-After': '45' }).end());
  t.after(() => server.close());
  const clock = fakeClock();
  const http = createHttp({
    fetch,
    clock,
    signal: new AbortController().signal,
    serviceName: () => 'Dataverse',
    budget: waitFlagBudget(60_000, '1m'),
  });
  await assert.rejects(http.request(url), (error: unknown) => {
    assert.ok(error instanceof RetryBudgetError);
    assert.equal(error.message, 'Dataverse asked dynauth to wait 45 s (429), more than --wait 1m leaves (15 s).');
    assert.match(error.hint ?? '', /Run the same command again later to resume .*--wait 3m\./);
    assert.equal(error.code, 'throttled');
    assert.equal(error.exitCode, 1);
    return true;
  });
  assert.equal(count(), 2, 'the first 45 s fit in the minute, the second did not');
  assert.deepEqual(clock.slept, [45_000], 'no sleep past the budget');
});

test('without --wait one request waits at most 5 minutes', async (t) => {
  const { url, server, count } = await serve((_, res) => res.writeHead(503, { 'Retry-After': '301' }).end());
  t.after(() => server.close());
  const clock = fakeClock();
  const http = createHttp({ fetch, clock, signal: new AbortController().signal });
  await assert.rejects(
    http.request(url),
    (error: unknown) =>
      error instanceof RetryBudgetError && /wait 5 min 1 s \(503\), more than dynauth's 5 min limit leaves \(5 min\)/.test(error.message),
  );
  assert.equal(count(), 1);
  assert.deepEqual(clock.slept, []);
});

test('a service that names no wait backs off within the budget, then its answer is returned', async (t) => {
  const { url, server, count } = await serve((_, res) => res.writeHead(503).end());
  t.after(() => server.close());
  const clock = fakeClock();
  const http = createHttp({ fetch, clock, signal: new AbortController().signal, random: () => 1, budget: waitFlagBudget(2000, '2s') });
  assert.equal((await http.request(url)).status, 503);
  assert.deepEqual(clock.slept, [500, 1000], 'the next backoff (2 s) would pass the 2 s budget');
  assert.equal(count(), 3);
});

test('progress lines for waits the service did not name', () => {
  const at = new Date(2026, 0, 1, 9, 5, 7);
  assert.equal(
    describeRetryWait({ host: 'h', service: 'Microsoft Graph', status: 503, asked: false, waitMs: 4000, at }),
    'Microsoft Graph is unavailable (503); waiting 4 s, retrying at 09:05:07…',
  );
  assert.equal(
    describeRetryWait({
      host: 'h',
      service: 'h',
      asked: false,
      failure: 'Connection to h was dropped before it answered.',
      waitMs: 2000,
      at,
    }),
    'Connection to h was dropped before it answered; retrying at 09:05:07…',
  );
});
