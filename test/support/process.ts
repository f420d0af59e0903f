import { PassThrough } from 'node:stream';
import type { ProcessLike } from '../../src/deps.ts';

/** A process stand-in with real streams, for running commands in-process without a terminal. */
export function fakeProcess(env: Record<string, string | undefined> = {}): ProcessLike & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  const stdin = new PassThrough();
  stdin.end();
  return {
    env,
    stdin,
    stdout,
    stderr,
    platform: 'linux',
    on: () => undefined,
    off: () => undefined,
    exit: (code: number) => {
      throw new Error(`exit ${code}`);
    },
    out: () => out,
    err: () => err,
  };
}
