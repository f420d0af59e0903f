import type { Cancellation, ProcessLike } from '../deps.ts';
import { ExitCode } from './errors.ts';

/**
 * Ctrl-C (and SIGTERM, and SIGHUP when the terminal closes) aborts the running work and exits 130
 * with one line. Inside a critical section (a secret that Entra just returned and that is not
 * saved yet, or the sandbox removing its files) the exit waits until the section ends.
 */
export function installCancellation(proc: Pick<ProcessLike, 'on' | 'off' | 'exit' | 'stderr'>): Cancellation & { dispose(): void } {
  const controller = new AbortController();
  let criticalDepth = 0;
  let exitRequested = false;
  let quiet = false;

  const exitNow = () => {
    if (!quiet) proc.stderr.write('\nCancelled.\n');
    proc.exit(ExitCode.cancelled);
  };
  const onSignal = () => {
    if (exitRequested) return;
    exitRequested = true;
    controller.abort(new DOMException('Cancelled', 'AbortError'));
    if (criticalDepth === 0) exitNow();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) proc.on(signal, onSignal);

  return {
    signal: controller.signal,
    async critical(work) {
      criticalDepth++;
      try {
        return await work();
      } finally {
        criticalDepth--;
        if (criticalDepth === 0 && exitRequested) exitNow();
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
