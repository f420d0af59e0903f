// `npm run bench:trace [-- bin]`: where init's time goes. Runs init --yes a few times as the
// benchmark does and prints, for the last runs, its critical path call by call: each call's start,
// the gap before it (dynauth's own time, plus connection set-up) and what the emulator took beyond
// the 50 ms it adds. Default bin: the published layout, built fresh.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishedLayout, removePublishedLayout } from '../test/support/published-layout.ts';
import { benchStore, criticalPath, LATENCY_MS, runInitOnce } from './init.ts';

const built = process.argv[2] ? undefined : publishedLayout();
const bin = process.argv[2] ?? built!;
const store = await benchStore();
const cacheHome = await mkdtemp(join(tmpdir(), 'dynauth-bench-cache-'));
try {
  for (let run = 0; run < 4; run++) {
    const { startedAt, wall, requests } = await runInitOnce(bin, { ...store.env, XDG_CACHE_HOME: cacheHome });
    if (run < 2) continue; // the first runs write the code caches
    const path = criticalPath(requests);
    console.log(
      `run ${run}: wall ${wall.toFixed(0)} ms, critical path ${path.reduce((sum, r) => sum + r.answeredAt - r.at, 0)} ms in ${path.length} calls`,
    );
    let previous = startedAt;
    for (const request of path) {
      console.log(
        `  ${String(request.at - startedAt).padStart(5)} ms  gap ${String(request.at - previous).padStart(3)}  +${request.answeredAt - request.at - LATENCY_MS}  ${request.method} ${request.service} ${request.path.slice(0, 70)}`,
      );
      previous = request.answeredAt;
    }
    console.log(`  ${wall.toFixed(0).padStart(5)} ms  gap ${String(Math.round(startedAt + wall - previous)).padStart(3)}  exit`);
  }
} finally {
  await store.cleanUp();
  await rm(cacheHome, { recursive: true, force: true });
  if (built) removePublishedLayout(built);
}
