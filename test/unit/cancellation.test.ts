import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { installCancellation } from '../../src/cli/cancellation.ts';

function signalled() {
  const listeners = new Map<string, () => void>();
  const exits: number[] = [];
  const stderr = new PassThrough();
  let said = '';
  stderr.on('data', (chunk) => (said += chunk));
  const proc = {
    stderr,
    on: (event: string, listener: () => void) => listeners.set(event, listener),
    off: (event: string) => listeners.delete(event),
    exit: ((code: number) => void exits.push(code)) as (code: number) => never,
  };
  return { proc, send: (event: string) => listeners.get(event)!(), exits, said: () => said, listeners };
}

test('Ctrl-C outside a critical section aborts the work and exits 130 with one line', () => {
  const { proc, send, exits, said } = signalled();
  const cancellation = installCancellation(proc);
  send('SIGINT');
  assert.equal(cancellation.signal.aborted, true);
  assert.deepEqual(exits, [130]);
  assert.equal(said(), '\nCancelled.\n');
});

test('inside a critical section nothing is aborted until it ends, then the command exits', async () => {
  const { proc, send, exits } = signalled();
  const cancellation = installCancellation(proc);
  let abortedDuring: boolean | undefined;
  await cancellation.critical(async () => {
    send('SIGHUP');
    assert.equal(cancellation.requested.aborted, true, 'the request is known at once');
    await new Promise((resolve) => setTimeout(resolve, 10));
    abortedDuring = cancellation.signal.aborted;
  });
  assert.equal(abortedDuring, false, 'the in-flight work (e.g. addPassword) was not aborted');
  assert.equal(cancellation.signal.aborted, true);
  assert.deepEqual(exits, [130]);
});

test('dispose removes the signal handlers', () => {
  const { proc, listeners } = signalled();
  installCancellation(proc).dispose();
  assert.equal(listeners.size, 0);
});
