import type { Cancellation, ProcessLike } from '../deps.ts';
import { ExitCode } from './errors.ts';

/**
 * Ctrl-C (and SIGTERM, and SIGHUP when the terminal closes) aborts the running work and exits 130
 * with one line. Inside a critical section (a secret Entra is minting or has just returned and
 * that is not saved yet) nothing is aborted: the section finishes, then the command exits.
 */
export function installCancellation(proc: Pick<ProcessLike, 'on' | 'off' | 'exit' | 'stderr'>): Cancellation & { dispose(): void } {
  const work = new AbortController();
  const request = new AbortController();
  let criticalDepth = 0;
  let quiet = false;

  const abortAndExit = () => {
    work.abort(new DOMException('Cancelled', 'AbortError'));
    if (!quiet) proc.stderr.write('\nCancelled.\n');
    proc.exit(ExitCode.cancelled);
  };
  const onSignal = () => {
    if (request.signal.aborted) return;
    request.abort();
    if (criticalDepth === 0) abortAndExit();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) proc.on(signal, onSignal);

  return {
    signal: work.signal,
    requested: request.signal,
    async critical(task) {
      criticalDepth++;
      try {
        return await task();
      } finally {
        criticalDepth--;
        if (criticalDepth === 0 && request.signal.aborted) abortAndExit();
      }
    },
    leaveMessageToChild() {
      quiet = true;
    },
    dispose() {
      for (const signal of signals) proc.off(signal, onSignal);
    },
  };
}
