import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttp, retryAfterMs } from '../../src/http/http.ts';
import { NetworkError } from '../../src/http/network-error.ts';
import type { Clock } from '../../src/io/clock.ts';

function recordingClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  return { slept, now: () => new Date(), sleep: async (ms) => void slept.push(ms) };
}

async function serve(handler: (count: number, res: import('node:http').ServerResponse, req: import('node:http').IncomingMessage) => void): Promise<{ url: string; server: Server; count: () => number }> {
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
  await assert.rejects(http.request(url, { method: 'POST', body: '{}' }), (error: unknown) => error instanceof NetworkError && error.failure === 'reset');
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
