// Runs @napi-rs/keyring in a child process: its Entry constructor talks to the platform store
// synchronously (on Linux it connects to D-Bus), so a Secret Service that accepts and never
// answers blocks the calling thread inside native code. A blocked worker thread cannot be
// stopped, and Node's exit waits for every thread, so the CLI would never exit; a child process
// can be killed. The parent times out and kills this process.
import type { KeyringRequest, KeyringResponse } from './keyring-protocol.ts';

const send = process.send?.bind(process);
if (send === undefined) throw new Error('keyring-worker must run as a child process with an IPC channel');

// Not a top-level await: the bundled worker is a CommonJS file.
const loading = import('@napi-rs/keyring').catch((error: unknown) => error as Error);

// Ctrl-C reaches the whole process group: the parent decides what a cancel means and ends this process.
process.on('SIGINT', () => undefined);
// The parent is gone (it exited, or was killed): nothing is left to answer.
process.on('disconnect', () => process.exit(0));
process.on('message', async (request: KeyringRequest) => {
  send(await handle(request));
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
