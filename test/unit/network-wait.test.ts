import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { whenWaitingOnNetwork } from '../../src/io/network-wait.ts';

/** A server that answers after `delayMs`, telling when each request arrived. */
async function slowServer(t: { after(fn: () => unknown): void }, delayMs: number) {
  const arrivals: number[] = [];
  const server = createServer((_req, res) => {
    arrivals.push(performance.now());
    setTimeout(() => res.end('ok'), delayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { port: (server.address() as AddressInfo).port, arrivals };
}

/** A POST; `lookupMs` delays its connection as a slow DNS answer would. */
function post(port: number, lookupMs = 0, sent?: (at: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const lookup = (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      setTimeout(() => (options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4)), lookupMs);
    const req = request({ host: 'localhost', port, path: '/', method: 'POST', lookup: lookup as never }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve(performance.now()));
    });
    req.on('error', reject);
    req.on('finish', () => sent?.(performance.now()));
    req.end('body');
  });
}

test('the work runs once the next request is on its way, while its answer is awaited', async (t) => {
  const { port } = await slowServer(t, 300);
  let ranAt: number | undefined;
  let sentAt: number | undefined;
  whenWaitingOnNetwork(() => (ranAt = performance.now()), 5000);
  await new Promise((resolve) => setTimeout(resolve, 50)); // the work waits for the request, not the clock
  assert.equal(ranAt, undefined);
  const answeredAt = await post(port, 0, (at) => (sentAt = at));
  assert.ok(ranAt !== undefined && sentAt !== undefined, 'the work ran');
  // Measured against the client's own "written" moment: the server's arrival time depends on how busy the machine is.
  assert.ok(ranAt >= sentAt, `ran ${(sentAt - ranAt).toFixed(1)} ms before the request was written`);
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
  await post(port);
  await post(port);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(runs, 1);
});

test('a request slow to connect is waited for: the work does not take the time its connection needs', async (t) => {
  const { port } = await slowServer(t, 100);
  let ranAt: number | undefined;
  let sentAt: number | undefined;
  whenWaitingOnNetwork(() => (ranAt = performance.now())); // the default 50 ms fallback
  await post(port, 200, (at) => (sentAt = at));
  assert.ok(sentAt !== undefined && ranAt !== undefined);
  assert.ok(ranAt >= sentAt, `ran ${(sentAt - ranAt).toFixed(1)} ms before the request went out`);
});

test('a request that fails before it is sent also lets the work run', async () => {
  const ranAt = new Promise<number>((resolve) => whenWaitingOnNetwork(() => resolve(performance.now()), 5000));
  const closed = request({ host: '127.0.0.1', port: 1, path: '/' });
  closed.on('error', () => {});
  closed.end();
  const started = performance.now();
  assert.ok((await ranAt) - started < 2000);
});
