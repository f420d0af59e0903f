// A hung Secret Service (accepts the connection, never answers) must cost a time-out, not the CLI.
// Own file, hence own process: libdbus caches the session bus address per process.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { withBusAddress } from './keyring-support.ts';
import { KeychainUnavailableError } from '../../src/secrets/errors.ts';
import { createKeyringStore } from '../../src/secrets/keyring-store.ts';

test('a Secret Service that never answers times out instead of hanging the CLI', async (t) => {
  if (process.platform !== 'linux') return t.skip('Secret Service (Linux) behaviour');
  const directory = await mkdtemp(join(tmpdir(), 'dynauth-hung-bus-'));
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket)); // accepts, never replies
  await new Promise<void>((resolve) => server.listen(join(directory, 'bus'), resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });
  // Long enough for the helper process to start and connect on a loaded machine.
  const store = createKeyringStore('dynauth-test-hung', { timeoutMs: 2000 });
  const started = Date.now();
  await withBusAddress(`unix:path=${join(directory, 'bus')}`, async () => {
    await assert.rejects(store.get('prod'), (error: unknown) => {
      assert.ok(error instanceof KeychainUnavailableError);
      assert.equal(error.reason, 'timeout', error.message);
      assert.match(error.message, /did not answer within 2 s/u);
      assert.match(error.hint, /locked.*--store file/u);
      return true;
    });
  });
  assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
  // On a busy machine the helper thread may reach the bus only after the time-out has already answered.
  for (const waitUntil = Date.now() + 5000; sockets.length === 0 && Date.now() < waitUntil; )
    await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(sockets.length > 0, 'the keyring really tried the fake bus');
});
