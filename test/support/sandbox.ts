import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startEmulator } from '../../src/emulator/index.ts';
import type { EmulatorOptions } from '../../src/emulator/options.ts';
import { openStorage } from '../../src/connection/storage.ts';
import { parseConnectionString } from '../../src/secrets/connection-string.ts';
import { secretServiceAvailable } from './secret-service.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  /** Kill the CLI with SIGKILL as soon as stderr matches. */
  killWhen?: RegExp;
  /** Kill the CLI with SIGKILL as soon as the emulator has answered a request like this. */
  killAfterRequest?: (request: Emulator['requests'][number]) => boolean;
  timeoutMs?: number;
  /** Another build's bin/dynauth.js (the published layout); default the clone's. */
  bin?: string;
}

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** A started emulator plus a private config dir and keychain service for the CLI under test. */
export interface Sandbox {
  emulator: Emulator;
  dir: string;
  env: Record<string, string>;
  keychain: 'secret-service' | 'file';
  run(args: string[], options?: RunOptions): Promise<Run>;
  /** Every stdout and stderr of every run, for the secret scan. */
  outputs: string[];
  storage(): ReturnType<typeof openStorage>;
  /** The client secrets held in the store, read back through the vault. */
  storedSecrets(): Promise<string[]>;
  /** Asserts that no stored secret appears in any output or in any plain file of the sandbox. */
  assertNoSecretLeaked(): Promise<void>;
}

/** `store: 'file'`: the encrypted file store even where a Secret Service answers. */
export async function startSandbox(
  t: TestContext,
  options: EmulatorOptions = {},
  sandboxOptions: { store?: 'file' } = {},
): Promise<Sandbox> {
  const emulator = await startEmulator(options);
  t.diagnostic(`emulator replication seed ${emulator.replicationSeed} (replay: DYNAUTH_EMULATOR_SEED=${emulator.replicationSeed})`);
  const dir = await mkdtemp(join(tmpdir(), 'dynauth-e2e-'));
  const { cloudConfigPath, caCertPath } = await emulator.writeFiles(dir);
  const keychain = sandboxOptions.store !== 'file' && (await secretServiceAvailable()) ? 'secret-service' : 'file';
  const service = `dynauth-test-${randomBytes(4).toString('hex')}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: join(dir, 'home'),
    NO_COLOR: '1',
    DYNAUTH_CLOUD_CONFIG: cloudConfigPath,
    NODE_EXTRA_CA_CERTS: caCertPath,
    DYNAUTH_CONFIG_DIR: join(dir, 'profiles'),
    DYNAUTH_KEYCHAIN_SERVICE: service,
    DYNAUTH_TENANT: emulator.tenant.domain,
    DYNAUTH_AUTH: 'device-code',
    ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}),
    ...(keychain === 'file' ? { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: randomBytes(12).toString('hex') } : {}),
  };
  const outputs: string[] = [];
  const storage = () =>
    openStorage(
      { env, platform: process.platform, homedir: env.HOME! },
      { store: keychain === 'file' ? 'file' : 'keychain', passphrase: env.DYNAUTH_PASSPHRASE },
    );
  const sandbox: Sandbox = {
    emulator,
    dir,
    env,
    keychain,
    outputs,
    storage,
    run: (args, runOptions = {}) => {
      const seen = emulator.requests.length;
      const { killAfterRequest } = runOptions;
      const watch = killAfterRequest && (() => emulator.requests.slice(seen).some(killAfterRequest));
      return runCli(args, { ...runOptions, env: { ...env, ...runOptions.env }, watch }, outputs);
    },
    async storedSecrets() {
      const { vault, profiles } = await storage();
      const secrets: string[] = [];
      for (const name of await profiles.list()) {
        const stored = await vault.loadConnection(name).catch(() => undefined);
        const secret = stored && parseConnectionString(stored.connectionString).clientSecret;
        if (secret) secrets.push(secret);
        if (stored?.privateKeyPem) secrets.push(stored.privateKeyPem.split('\n').slice(1, 3).join(''));
      }
      return secrets;
    },
    async assertNoSecretLeaked() {
      const secrets = await sandbox.storedSecrets();
      const files = await plainFiles(dir);
      for (const secret of secrets) {
        for (const output of outputs) if (output.includes(secret)) throw new Error('a stored secret appeared in the CLI output');
        for (const [file, text] of files) if (text.includes(secret)) throw new Error(`a stored secret appeared in ${file}`);
      }
    },
  };
  t.after(async () => {
    const { vault, profiles } = await storage();
    for (const name of await profiles.list().catch(() => [] as string[])) {
      await vault.deleteSlot(name, 'current').catch(() => false);
      await vault.deleteSlot(name, 'next').catch(() => false);
      await vault.deleteSlot(name, 'refresh').catch(() => false);
    }
    if (keychain === 'secret-service') {
      const { createKeyringStore } = await import('../../src/secrets/keyring-store.ts');
      await createKeyringStore(service)
        .delete('dynauth:data-key')
        .catch(() => false);
    }
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });
  return sandbox;
}

async function plainFiles(dir: string): Promise<Array<[string, string]>> {
  const result: Array<[string, string]> = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    result.push([path, await readFile(path, 'latin1')]);
  }
  return result;
}

export function runCli(
  args: string[],
  options: RunOptions & { env: Record<string, string>; watch?: () => boolean },
  outputs?: string[],
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? bin, ...args], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    const watcher = options.watch && setInterval(() => options.watch!() && child.kill('SIGKILL'), 1);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (options.killWhen?.test(stderr)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (watcher) clearInterval(watcher);
      outputs?.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
    // The CLI may end before reading all its input (a capped read of stdin): that is not a test failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}
