// SecretStore over the OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret
// Service) through @napi-rs/keyring, which is loaded in a child process on first use only.
// Every call has a time-out: a locked or absent keychain must fail fast, not hang the CLI, and a
// helper stuck inside the native call is killed, so the CLI can still exit (see keyring-worker.ts).
import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeychainUnavailableError, type KeychainFailureReason } from './errors.ts';
import type { KeyringRequest, KeyringResponse } from './keyring-protocol.ts';
import type { SecretStore } from './secret-store.ts';

export interface KeyringStoreOptions {
  /** Per call, including the helper's start on first use. Default 5000. */
  timeoutMs?: number;
  /** Only chooses wording and the size check; defaults to process.platform. */
  platform?: NodeJS.Platform;
}

export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 5000;
/** Windows Credential Manager's limit for one credential blob (CRED_MAX_CREDENTIAL_BLOB_SIZE). */
export const WINDOWS_MAX_SECRET_BYTES = 2560;

type Operation = 'get' | 'set' | 'delete';
type Pending = { resolve: (response: KeyringResponse & { ok: true }) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };
type RequestBody = { op: 'get' } | { op: 'set'; value: Uint8Array } | { op: 'delete' };

export function createKeyringStore(service: string, options: KeyringStoreOptions = {}): SecretStore {
  const timeoutMs = options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
  const platform = options.platform ?? process.platform;
  const client = new KeyringWorkerClient(timeoutMs, platform);

  return {
    description: `${keychainName(platform)} (service "${service}")`,
    kind: 'keychain',
    async get(account) {
      const response = await client.call({ op: 'get' }, service, account);
      return response.value;
    },
    async set(account, value) {
      if (platform === 'win32' && value.length > WINDOWS_MAX_SECRET_BYTES) {
        throw new KeychainUnavailableError(
          `The credential for "${account}" is ${value.length} bytes; Windows Credential Manager holds at most ${WINDOWS_MAX_SECRET_BYTES}.`,
          { reason: 'too-large', hint: 'Use --store file for this profile.' },
        );
      }
      await client.call({ op: 'set', value: Uint8Array.from(value) }, service, account);
    },
    async delete(account) {
      const response = await client.call({ op: 'delete' }, service, account);
      return response.deleted === true;
    },
    release() {
      client.release();
    },
  };
}

interface WorkerSession {
  helper: ChildProcess;
  pending: Map<number, Pending>;
}

class KeyringWorkerClient {
  readonly #timeoutMs: number;
  readonly #platform: NodeJS.Platform;
  #session: WorkerSession | undefined;
  #nextId = 1;

  constructor(timeoutMs: number, platform: NodeJS.Platform) {
    this.#timeoutMs = timeoutMs;
    this.#platform = platform;
  }

  async call(body: RequestBody, service: string, account: string): Promise<KeyringResponse & { ok: true }> {
    this.#session ??= this.#startSession();
    const session = this.#session;
    const id = this.#nextId++;
    try {
      return await new Promise<KeyringResponse & { ok: true }>((resolve, reject) => {
        const timer = setTimeout(() => {
          // The helper may be stuck inside the native call; only killing it frees us.
          const seconds = this.#timeoutMs / 1000;
          this.#abandon(
            session,
            new KeychainUnavailableError(`The OS keychain did not answer within ${seconds} s (${body.op} "${account}").`, {
              reason: 'timeout',
              hint: hintFor('timeout', this.#platform),
            }),
          );
        }, this.#timeoutMs);
        session.pending.set(id, { resolve, reject, timer });
        session.helper.channel?.ref();
        session.helper.send({ ...body, id, service, account } as KeyringRequest);
      });
    } catch (error) {
      throw error instanceof KeychainUnavailableError ? error : this.#translate(error, body.op, account);
    }
  }

  /** Lets the helper process go while nothing is asked of it (it exits once disconnected). */
  release(): void {
    const session = this.#session;
    if (session === undefined || session.pending.size > 0) return;
    this.#session = undefined;
    session.helper.disconnect();
  }

  #startSession(): WorkerSession {
    // Same extension as this file: .ts when run from source, .cjs when built.
    const extension = extname(fileURLToPath(import.meta.url));
    const helper = fork(fileURLToPath(new URL(`./keyring-worker${extension}`, import.meta.url)), [], {
      // Never the CLI's stdin (a secret may be piped there) nor its output; answers come over IPC.
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'advanced',
      // Not the CLI's own flags (--inspect would collide); NODE_OPTIONS still applies.
      execArgv: [],
    });
    helper.unref();
    helper.channel?.unref();
    const session: WorkerSession = { helper, pending: new Map() };
    const kill = () => helper.kill('SIGKILL');
    process.once('exit', kill);
    helper.on('message', (response: KeyringResponse) => this.#settle(session, response));
    helper.on('error', (error) => this.#abandon(session, this.#translate(error, 'get', '')));
    helper.on('exit', () => {
      process.off('exit', kill);
      this.#abandon(
        session,
        new KeychainUnavailableError('The OS keychain helper stopped unexpectedly.', {
          reason: 'failure',
          hint: hintFor('failure', this.#platform),
        }),
      );
    });
    return session;
  }

  #settle(session: WorkerSession, response: KeyringResponse): void {
    const pending = session.pending.get(response.id);
    if (pending === undefined) return;
    session.pending.delete(response.id);
    clearTimeout(pending.timer);
    if (session.pending.size === 0) session.helper.channel?.unref();
    if (response.ok) pending.resolve(response);
    else pending.reject(new NativeKeyringError(response.message));
  }

  #abandon(session: WorkerSession, error: Error): void {
    if (this.#session === session) this.#session = undefined;
    for (const pending of session.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    session.pending.clear();
    session.helper.kill('SIGKILL');
  }

  #translate(error: unknown, op: Operation, account: string): KeychainUnavailableError {
    const detail = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    const reason = classify(detail);
    const verb = op === 'get' ? 'read' : op === 'set' ? 'store' : 'delete';
    // dynauth's own items (its data key, the probe that proves the keychain) mean nothing to a user.
    const what = account === '' || account.startsWith('dynauth:') ? 'use the OS keychain' : `${verb} "${account}" in the OS keychain`;
    return new KeychainUnavailableError(`Could not ${what}: ${detail}`, { reason, hint: hintFor(reason, this.#platform), cause: error });
  }
}

class NativeKeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeKeyringError';
  }
}

function classify(detail: string): KeychainFailureReason {
  if (
    /autolaunch|failed to connect|not provided by any \.service|ServiceUnknown|NameHasNoOwner|No such file|Cannot find module|ERR_MODULE_NOT_FOUND/iu.test(
      detail,
    )
  ) {
    return 'no-service';
  }
  if (/access platform storage|locked|no result found|prompt|dismissed/iu.test(detail)) return 'locked';
  if (/too long|too large/iu.test(detail)) return 'too-large';
  return 'failure';
}

function keychainName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service keyring';
}

function hintFor(reason: KeychainFailureReason, platform: NodeJS.Platform): string {
  const fallback = 'or keep it in an encrypted file instead: --store file --passphrase';
  switch (reason) {
    case 'timeout':
      return `The keychain may be locked and waiting for an unlock prompt. Unlock it and retry, ${fallback}.`;
    case 'too-large':
      return `The credential is larger than this keychain accepts; ${fallback}.`;
    case 'no-service':
      if (platform === 'linux') {
        return `No Secret Service is running (no D-Bus session or no keyring daemon); install gnome-keyring (or enable KeePassXC's Secret Service) ${fallback}.`;
      }
      return `The OS keychain could not be reached; ${fallback}.`;
    case 'locked':
      if (platform === 'linux')
        return `The Secret Service has no unlocked default keyring; create or unlock it (e.g. with Seahorse), ${fallback}.`;
      if (platform === 'darwin') return `Unlock the login keychain (security unlock-keychain) and allow access, ${fallback}.`;
      return `Access to the keychain was refused; ${fallback}.`;
    case 'failure':
      return `The OS keychain reported an error; retry, ${fallback}.`;
  }
}
