// `init --yes` against the emulator with 50 ms added to every request: the number of requests,
// the wall time, and the sum of latencies on the longest chain of calls that had to wait for each
// other (requests that did not overlap in time, in order). Target: wall time within 1.3x of it.
// Medians of several runs, each against a fresh emulator.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.ts';

const LATENCY_MS = 50;
const RUNS = Number(process.env.BENCH_INIT_RUNS ?? 5);

interface Sample {
  requests: number;
  wall: number;
  chain: number;
  beforeFirst: number;
}

export async function benchInit(bin: string): Promise<void> {
  const store = await benchStore();
  const samples: Sample[] = [];
  try {
    for (let run = 0; run < RUNS; run++) samples.push(await initOnce(bin, store.env));
  } finally {
    await store.cleanUp();
  }
  const median = (pick: (s: Sample) => number) => samples.map(pick).sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  const wall = median((s) => s.wall);
  const chain = median((s) => s.chain);
  const critical = chain * LATENCY_MS;
  const ratio = wall / critical;
  const beforeFirst = median((s) => s.beforeFirst);
  console.log(`init (median of ${RUNS}, credential in ${store.description}):`);
  console.log(
    `  ${median((s) => s.requests)} requests, wall ${wall.toFixed(0)} ms; longest chain ${chain} calls x ${LATENCY_MS} ms = ${critical} ms; ratio ${ratio.toFixed(2)}x (target <= 1.3x) ${ratio <= 1.3 ? 'OK' : 'OVER'}`,
  );
  console.log(
    `  of which ${beforeFirst.toFixed(0)} ms start-up before the first request (Node, @azure/identity, MSAL); from the first request on ${(wall - beforeFirst).toFixed(0)} ms, ${((wall - beforeFirst) / critical).toFixed(2)}x the chain`,
  );
}

async function initOnce(bin: string, storeEnv: Record<string, string>): Promise<Sample> {
  const emulator = await startEmulator({ latencyMs: LATENCY_MS });
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
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [bin, 'init', '--yes', '--environment', 'contososales', '--role-preset', 'contact-center'], { env, stdio: 'ignore' });
      child.on('close', resolve);
    });
    const wall = performance.now() - started;
    if (code !== 0) throw new Error(`init exited ${code}`);
    const starts = emulator.requests.map((r) => r.at).sort((a, b) => a - b);
    return { requests: starts.length, wall, chain: longestChain(starts, LATENCY_MS), beforeFirst: starts[0]! - startedAt };
  } finally {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Longest sequence of requests each starting after the previous one's added latency had passed. */
function longestChain(starts: number[], latency: number): number {
  const best: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    best[i] = 1;
    for (let j = 0; j < i; j++) if (starts[i]! >= starts[j]! + latency) best[i] = Math.max(best[i]!, best[j]! + 1);
  }
  return Math.max(0, ...best);
}

/** The default store (the Secret Service) when one answers, else the encrypted file store. */
async function benchStore(): Promise<{ env: Record<string, string>; description: string; cleanUp(): Promise<void> }> {
  const { createKeyringStore } = await import('../src/secrets/keyring-store.ts');
  const service = `dynauth-bench-${process.pid}`;
  const keyring = createKeyringStore(service, { timeoutMs: 2000 });
  try {
    await keyring.set('probe', new Uint8Array([1]));
    await keyring.delete('probe');
  } catch {
    return { env: { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: 'bench-passphrase' }, description: 'the encrypted file store (no Secret Service here; adds scrypt)', cleanUp: async () => {} };
  }
  return {
    env: { DYNAUTH_KEYCHAIN_SERVICE: service, ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}) },
    description: 'the Secret Service keyring',
    cleanUp: async () => {
      for (const account of ['contososales', 'contososales#next', 'dynauth:data-key']) await keyring.delete(account).catch(() => false);
    },
  };
}
