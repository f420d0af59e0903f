import type { Cancellation, ProcessLike } from '../deps.ts';
import { ExitCode } from './errors.ts';

/**
 * Ctrl-C aborts the running work and exits 130 with one line. Inside a critical section (a secret
 * that Entra just returned and that is not saved yet) the exit waits until the section ends.
 */
export function installCancellation(proc: Pick<ProcessLike, 'on' | 'off' | 'exit' | 'stderr'>): Cancellation & { dispose(): void } {
  const controller = new AbortController();
  let criticalDepth = 0;
  let exitRequested = false;

  const exitNow = () => {
    proc.stderr.write('\nCancelled.\n');
    proc.exit(ExitCode.cancelled);
  };
  const onSignal = () => {
    if (exitRequested) return;
    exitRequested = true;
    controller.abort(new DOMException('Cancelled', 'AbortError'));
    if (criticalDepth === 0) exitNow();
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);

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
    dispose() {
      proc.off('SIGINT', onSignal);
      proc.off('SIGTERM', onSignal);
    },
  };
}
