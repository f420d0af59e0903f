// Runs @napi-rs/keyring off the main thread: its Entry constructor talks to the platform
// store synchronously (on Linux it connects to D-Bus), so a dead or locked Secret Service
// would otherwise freeze the CLI. The parent times out and terminates this worker instead.
import { parentPort } from 'node:worker_threads';
import type { KeyringRequest, KeyringResponse } from './keyring-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('keyring-worker must run in a worker thread');

// Not a top-level await: the bundled worker is a CommonJS file.
const loading = import('@napi-rs/keyring').catch((error: unknown) => error as Error);

port.on('message', async (request: KeyringRequest) => {
  port.postMessage(await handle(request));
});

async function handle(request: KeyringRequest): Promise<KeyringResponse> {
  const { id } = request;
  try {
    const keyring = await loading;
    if (keyring instanceof Error) throw keyring;
    // Pin Linux to the Secret Service: the default fallback, the kernel keyring, forgets everything at logout.
    const options = process.platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
    const entry = new keyring.AsyncEntry(request.service, request.account, options);
    switch (request.op) {
      case 'get': {
        const value = await entry.getSecret();
        return { id, ok: true, value: value === null ? undefined : Uint8Array.from(value) };
      }
      case 'set':
        await entry.setSecret(request.value);
        return { id, ok: true };
      case 'delete':
        return { id, ok: true, deleted: await entry.deleteCredential() };
    }
  } catch (error) {
    return { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
