// The loopback sign-in ends when the user cancels, even when Ctrl-C came before the wait began
// (while the browser was being opened), and its listener is closed on that path too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signInThroughBrowser } from '../../src/auth/loopback-sign-in.ts';
import { CLOUDS } from '../../src/clouds.ts';
import type { Http } from '../../src/http/http.ts';

const noHttp: Http = {
  request: () => Promise.reject(new Error('no request is sent before the browser comes back')),
};

/** A sleep that ends only when its signal aborts, as a long --wait would seem to a user. */
const sleepUntilAborted = (_ms: number, signal: AbortSignal) =>
  new Promise<void>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

test('Ctrl-C while the browser is being opened ends the sign-in at once, and the listener is closed', async () => {
  const cancel = new AbortController();
  let listener: URL | undefined;
  const signing = signInThroughBrowser(noHttp, {
    app: { cloud: CLOUDS.public, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d' },
    scopes: ['https://contoso.crm.dynamics.com/user_impersonation', 'offline_access'],
    timeoutMs: 15 * 60_000,
    signal: cancel.signal,
    now: () => new Date(),
    sleep: sleepUntilAborted,
    tell: () => {},
    async open(url) {
      listener = new URL(new URL(url).searchParams.get('redirect_uri')!.replace('localhost', '127.0.0.1'));
      cancel.abort(new DOMException('cancelled', 'AbortError'));
      return false;
    },
  });
  await assert.rejects(signing, (error: unknown) => error instanceof DOMException && error.name === 'AbortError');
  await assert.rejects(fetch(listener!), 'nothing listens any more');
});
