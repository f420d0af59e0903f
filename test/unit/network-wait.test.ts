import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { whenWaitingOnNetwork } from '../../src/io/network-wait.ts';

/** A server that answers after `delayMs`, telling when each request arrived. */
async function slowServer(t: { after(fn: () => unknown): void }, delayMs: number) {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    arrivals.push(performance.now());
    setTimeout(() => res.end('ok'), delayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { port: (server.address() as AddressInfo).port, arrivals };
}

function get(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'POST' }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(performance.now()));
    });
    req.on('error', reject);
    req.end('body');
  });
}

test('the work runs once the next request is on its way, while its answer is awaited', async (t) => {
  const { port, arrivals } = await slowServer(t, 300);
  let ranAt: number | undefined;
  whenWaitingOnNetwork(() => (ranAt = performance.now()), 5000);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the work waits for the request, not the clock
  assert.equal(ranAt, undefined);
  const answeredAt = await get(port);
  assert.ok(ranAt !== undefined, 'the work ran');
  assert.ok(ranAt >= arrivals[0]! - 5, `ran ${(arrivals[0]! - ranAt).toFixed(1)} ms before the request arrived`);
  assert.ok(ranAt < answeredAt - 200, `ran ${(answeredAt - ranAt).toFixed(1)} ms before the answer`);
});

test('without a request, the work runs after the fallback time', async () => {
  const started = performance.now();
  const ranAt = await new Promise<number>((resolve) => whenWaitingOnNetwork(() => resolve(performance.now()), 40));
  assert.ok(ranAt - started >= 39, `ran after ${(ranAt - started).toFixed(1)} ms`);
});

test('the work runs once, however many requests follow', async (t) => {
  const { port } = await slowServer(t, 10);
  let runs = 0;
  whenWaitingOnNetwork(() => runs++, 60);
  await get(port);
  await get(port);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(runs, 1);
});
