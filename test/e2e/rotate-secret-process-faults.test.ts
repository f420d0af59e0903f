// The step × failure matrix, process half: the CLI is killed with SIGKILL just after each step,
// or the encrypted file store starts refusing writes there (read-only directory, immutable for root).
import { test } from 'node:test';
import { failAtStep, STEPS, type FailureKind } from './rotate-secret-support.ts';

const FAILURES: FailureKind[] = ['kill -9', 'keychain write failure'];

for (const failure of FAILURES) {
  for (const step of STEPS) {
    test(`${failure} at "${step.name}": test-connection passes, a re-run finishes with no stray secret`, (t) =>
      failAtStep(t, step, failure));
  }
}
