// `node test/with-keyring.ts bench/trace-init.ts [bin]`: where init's time goes. Runs init --yes a
// few times against the emulator (50 ms per request) and prints, for the last runs, the critical
// path as bench/init.ts measures it: each call's start, the gap before it (dynauth's own time,
// plus connection set-up) and what the emulator took beyond the 50 ms. Default bin: the published
// layout, built fresh.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.ts';
import { publishedLayout, removePublishedLayout } from '../test/support/published-layout.ts';

const LATENCY_MS = 50;
const built = process.argv[2] ? undefined : publishedLayout();
const bin = process.argv[2] ?? built!;
try {
  for (let run = 0; run < 4; run++) {
    const emulator = await startEmulator({ latencyMs: LATENCY_MS });
    const dir = await mkdtemp(join(tmpdir(), 'dynauth-trace-'));
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
        DYNAUTH_KEYCHAIN_SERVICE: `dynauth-trace-${process.pid}-${run}`,
        ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: 'trace-passphrase' }),
      };
      const startedAt = Date.now();
      const code = await new Promise((resolve) => spawn(process.execPath, [bin, 'init', '--yes', '--environment', 'contososales', '--role-preset', 'contact-center'], { env, stdio: 'ignore' }).on('close', resolve));
      const endedAt = Date.now();
      if (code !== 0) throw new Error(`init exited ${code}`);
      if (run < 2) continue; // the first runs fill the compile cache
      const path = criticalPath(emulator.requests);
      console.log(`run ${run}: wall ${endedAt - startedAt} ms, critical path ${path.reduce((sum, r) => sum + r.answeredAt - r.at, 0)} ms in ${path.length} calls`);
      let previous = startedAt;
      for (const request of path) {
        console.log(`  ${String(request.at - startedAt).padStart(5)} ms  gap ${String(request.at - previous).padStart(3)}  +${request.answeredAt - request.at - LATENCY_MS}  ${request.method} ${request.service} ${request.path.slice(0, 70)}`);
        previous = request.answeredAt;
      }
      console.log(`  ${String(endedAt - startedAt).padStart(5)} ms  gap ${String(endedAt - previous).padStart(3)}  exit`);
    } finally {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
} finally {
  if (built) removePublishedLayout(built);
}

function criticalPath<T extends { at: number; answeredAt: number }>(requests: T[]): T[] {
  const sorted = [...requests].sort((a, b) => a.at - b.at);
  const best = sorted.map(() => ({ ms: 0, previous: -1 }));
  sorted.forEach((request, i) => {
    best[i] = { ms: request.answeredAt - request.at, previous: -1 };
    for (let j = 0; j < i; j++) {
      const through = best[j]!.ms + request.answeredAt - request.at;
      if (sorted[j]!.answeredAt <= request.at && through > best[i]!.ms) best[i] = { ms: through, previous: j };
    }
  });
  let index = best.reduce((heaviest, path, i) => (path.ms > best[heaviest]!.ms ? i : heaviest), 0);
  const path: T[] = [];
  for (; index >= 0; index = best[index]!.previous) path.unshift(sorted[index]!);
  return path;
}
