// `init --yes` against the emulator with 50 ms added to every request: the number of requests,
// the wall time, and the critical path: the chain of calls that had to wait for each other (each
// sent only after the previous one was answered) whose latencies add up to the most. A call's
// latency is the time the emulator took to answer it: the 50 ms added plus its own work, which is
// the server's time, not dynauth's. Target: wall time within 1.3x of that path.
// Medians of several runs, each against a fresh emulator.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../src/emulator/index.ts';
import type { EmulatorOptions } from '../src/emulator/options.ts';
import type { RecordedRequest } from '../src/emulator/types.ts';

export const LATENCY_MS = 50;
const RUNS = Number(process.env.BENCH_INIT_RUNS ?? 9);

interface Sample {
  requests: number;
  wall: number;
  /** Calls on the critical path, and the latency they add up to. */
  chain: number;
  served: number;
  beforeFirst: number;
  afterLast: number;
}

export async function benchInit(bin: string): Promise<void> {
  const store = await benchStore();
  // One cache directory for all runs, as a user's: the first run compiles and writes the code caches.
  const cacheHome = await mkdtemp(join(tmpdir(), 'dynauth-bench-cache-'));
  const env = { ...store.env, XDG_CACHE_HOME: cacheHome };
  const samples: Sample[] = [];
  let first: Sample;
  try {
    first = await initOnce(bin, env);
    for (let run = 0; run < RUNS; run++) samples.push(await initOnce(bin, env));
  } finally {
    await store.cleanUp();
    await rm(cacheHome, { recursive: true, force: true });
  }
  const median = (pick: (s: Sample) => number) => samples.map(pick).sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  const wall = median((s) => s.wall);
  const served = median((s) => s.served);
  const ratio = wall / served;
  const added = median((s) => s.chain) * LATENCY_MS;
  console.log(`init (median of ${RUNS}, credential in ${store.description}):`);
  console.log(
    `  ${median((s) => s.requests)} requests; critical path ${median((s) => s.chain)} calls: ${added} ms of added latency, ${served.toFixed(0)} ms as the emulator served them`,
  );
  console.log(
    `  wall ${wall.toFixed(0)} ms = ${ratio.toFixed(2)}x the critical path (target <= 1.3x) ${ratio <= 1.3 ? 'OK' : 'OVER'}; ${(wall / added).toFixed(2)}x the added latency alone`,
  );
  console.log(
    `  dynauth's own time: ${median((s) => s.beforeFirst).toFixed(0)} ms from spawn to the first request (Node, @azure/identity, MSAL), ${median((s) => s.afterLast).toFixed(0)} ms from the last answer to exit, the rest between calls`,
  );
  console.log(
    `  the first run (no code cache yet; it writes them): wall ${first.wall.toFixed(0)} ms = ${(first.wall / first.served).toFixed(2)}x its critical path`,
  );
}

async function initOnce(bin: string, storeEnv: Record<string, string>): Promise<Sample> {
  const { startedAt, wall, requests } = await runInitOnce(bin, storeEnv);
  const path = criticalPath(requests);
  const first = Math.min(...requests.map((r) => r.at));
  const last = Math.max(...requests.map((r) => r.answeredAt));
  return {
    requests: requests.length,
    wall,
    chain: path.length,
    served: path.reduce((sum, r) => sum + r.answeredAt - r.at, 0),
    beforeFirst: first - startedAt,
    afterLast: startedAt + wall - last,
  };
}

/** Replication off: this benchmark measures dynauth's own time, and waiting out lag is not that (bench/replication.ts measures it). */
const NO_LAG: EmulatorOptions['replicationLag'] = { appMs: 0, servicePrincipalMs: 0, secretMs: 0, certificateMs: 0, appUserMs: 0 };

/** One `init --yes` against a fresh emulator: when it started, how long it took, what it asked; `inspect` reads the emulator before it closes. */
export async function runInitOnce<T = undefined>(
  bin: string,
  storeEnv: Record<string, string>,
  options: EmulatorOptions = {},
  inspect?: (emulator: Emulator) => T,
): Promise<{ startedAt: number; wall: number; requests: RecordedRequest[]; inspected: T | undefined }> {
  const emulator = await startEmulator({ latencyMs: LATENCY_MS, replicationLag: NO_LAG, ...options });
  const dir = await mkdtemp(join(tmpdir(), 'dynauth-bench-'));
  try {
    const { cloudConfigPath, caCertPath } = await emulator.writeFiles(dir);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      DYNAUTH_CLOUD_CONFIG: cloudConfigPath,
      NODE_EXTRA_CA_CERTS: caCertPath,
      DYNAUTH_CONFIG_DIR: join(dir, 'profiles'),
      DYNAUTH_TENANT: emulator.tenant.domain,
      DYNAUTH_AUTH: 'device-code',
      ...storeEnv,
    };
    const startedAt = Date.now();
    const started = performance.now();
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [bin, 'init', '--yes', '--environment', 'contososales', '--role-preset', 'contact-center'], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', resolve);
    });
    const wall = performance.now() - started;
    if (code !== 0) throw new Error(`init exited ${code}:\n${stderr.trim().split('\n').slice(-6).join('\n')}`);
    return { startedAt, wall, requests: [...emulator.requests], inspected: inspect?.(emulator) };
  } finally {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The heaviest chain of requests each sent after the previous one was answered, in order. */
export function criticalPath<T extends { at: number; answeredAt: number }>(requests: T[]): T[] {
  const sorted = [...requests].sort((a, b) => a.at - b.at);
  const best = sorted.map((request) => ({ ms: request.answeredAt - request.at, previous: -1 }));
  sorted.forEach((request, i) => {
    for (let j = 0; j < i; j++) {
      const through = best[j]!.ms + request.answeredAt - request.at;
      if (sorted[j]!.answeredAt <= request.at && through > best[i]!.ms) best[i] = { ms: through, previous: j };
    }
  });
  const path: T[] = [];
  if (!sorted.length) return path;
  let index = best.reduce((heaviest, chain, i) => (chain.ms > best[heaviest]!.ms ? i : heaviest), 0);
  for (; index >= 0; index = best[index]!.previous) path.unshift(sorted[index]!);
  return path;
}

/** The default store (the Secret Service) when one answers, else the encrypted file store. */
export async function benchStore(): Promise<{ env: Record<string, string>; description: string; cleanUp(): Promise<void> }> {
  const { createKeyringStore } = await import('../src/secrets/keyring-store.ts');
  const service = `dynauth-bench-${process.pid}`;
  const keyring = createKeyringStore(service, { timeoutMs: 2000 });
  try {
    await keyring.set('probe', new Uint8Array([1]));
    await keyring.delete('probe');
  } catch {
    return {
      env: { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: 'bench-passphrase' },
      description: 'the encrypted file store (no Secret Service here; adds scrypt)',
      cleanUp: async () => {},
    };
  }
  return {
    env: {
      DYNAUTH_KEYCHAIN_SERVICE: service,
      ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}),
    },
    description: 'the Secret Service keyring',
    cleanUp: async () => {
      for (const account of ['contososales', 'contososales#next', 'dynauth:data-key']) await keyring.delete(account).catch(() => false);
    },
  };
}
