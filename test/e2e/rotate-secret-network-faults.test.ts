// The step × failure matrix, network half: every step of a rotation meets network loss and a
// 503 outage that outlasts the retries; the process half is in rotate-secret-process-faults.
import { test } from 'node:test';
import { failAtStep, STEPS, type FailureKind } from './rotate-secret-support.ts';

const FAILURES: FailureKind[] = ['network loss', '503 beyond retries'];

for (const failure of FAILURES) {
  for (const step of STEPS) {
    test(`${failure} at "${step.name}": test-connection passes, a re-run finishes with no stray secret`, (t) =>
      failAtStep(t, step, failure));
  }
}
