// npm run bench: start-up cost of `dynauth --version` beside bare Node, and the wall time of
// `init --yes` against the emulator with added latency beside its critical path, and with
// replication lag beside the lag itself.
import { spawnSync } from 'node:child_process';
import { benchInit } from './init.ts';
import { benchReplication } from './replication.ts';
import { publishedLayout, removePublishedLayout } from '../test/support/published-layout.ts';

// Measured as users run it: the compiled dist/ beside bin/, as `npm pack` ships it.
const bin = publishedLayout();
const runs = Number(process.env.BENCH_RUNS ?? 21);

function timeOnce(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const bare: number[] = [];
const version: number[] = [];
timeOnce(['-e', '0']);
timeOnce([bin, '--version']);
for (let i = 0; i < runs; i++) {
  bare.push(timeOnce(['-e', '0']));
  version.push(timeOnce([bin, '--version']));
}
const ratio = median(version) / median(bare);
console.log(
  `startup: node -e 0 median ${median(bare).toFixed(1)} ms; dynauth --version median ${median(version).toFixed(1)} ms; ratio ${ratio.toFixed(2)}x (target <= 1.6x) ${ratio <= 1.6 ? 'OK' : 'OVER'}`,
);

const help: number[] = [];
for (let i = 0; i < Math.min(runs, 7); i++) help.push(timeOnce([bin, '--help']));
console.log(`startup: dynauth --help median ${median(help).toFixed(1)} ms (no target; loads commander and the option tables only)`);

try {
  await benchInit(bin);
  await benchReplication(bin);
} finally {
  removePublishedLayout(bin);
}
