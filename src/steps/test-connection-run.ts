// What every check of a connection test works from, and how a check records its outcome: a
// failure is diagnosed into the report and ends the test (the checks after it are skipped).
import type { Cloud } from '../clouds.ts';
import type { Deps } from '../deps.ts';
import { createHttp, type Http } from '../http/http.ts';
import { timeoutFlagBudget } from '../http/retry-wait.ts';
import type { CheckRecorder, ConnectionReport, ConnectionSubject } from './connection-report.ts';
import { diagnose } from './diagnose.ts';
import type { DiagnosisContext } from './diagnosis.ts';

export type TestDeps = Pick<Deps, 'fetch' | 'clock' | 'cancellation' | 'env' | 'ui'>;

export interface CheckRun {
  deps: TestDeps;
  cloud: Cloud;
  subject: ConnectionSubject;
  timeoutMs: number;
  ctx: DiagnosisContext;
  report: ConnectionReport;
  checks: CheckRecorder;
}

/** Thrown by a failed check, once its diagnosis is in the report: the checks that need it do not run. */
export class CheckFailed extends Error {}

export function checkRecorder(deps: Pick<Deps, 'clock' | 'cancellation'>, report: ConnectionReport, ctx: DiagnosisContext): CheckRecorder {
  return {
    pass: (id, summary, status = 'pass') => void report.checks.push({ id, status, summary }),
    fail: (id, summary, error) => {
      if (deps.cancellation.signal.aborted) throw error;
      ctx.now = deps.clock.now();
      report.checks.push({ id, status: 'fail', summary, diagnosis: diagnose(error, ctx) });
      throw new CheckFailed(`${id} failed`);
    },
  };
}

/** The result of `work` and how many milliseconds it took. */
export async function timed<T>(deps: Pick<Deps, 'clock'>, work: () => Promise<T>): Promise<[T, number]> {
  const started = deps.clock.now().getTime();
  const value = await work();
  return [value, deps.clock.now().getTime() - started];
}

/** The HTTP of the test's own requests to `service`: few retries, and a throttled one waits what it is asked within --timeout. */
export function checkHttp({ deps, timeoutMs }: Pick<CheckRun, 'deps' | 'timeoutMs'>, service: string): Http {
  return createHttp({
    fetch: deps.fetch,
    clock: deps.clock,
    signal: deps.cancellation.signal,
    trace: (line) => deps.ui.verbose(line),
    timeoutMs,
    maxAttempts: 3,
    maxDelayMs: 5000,
    budget: timeoutFlagBudget(timeoutMs),
    serviceName: () => service,
  });
}
