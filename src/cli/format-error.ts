import type { Deps } from '../deps.ts';
import { CancelledError, DynauthError, ExitCode, isAbortError } from './errors.ts';

/** The one place an error becomes what the user sees and the exit code; no stack trace unless --verbose. */
export function formatError(error: unknown, deps: Pick<Deps, 'ui' | 'globals'>): number {
  const known = error instanceof DynauthError ? error : isAbortError(error) ? new CancelledError() : undefined;
  if (known instanceof CancelledError) {
    deps.ui.error(known.message);
    return known.exitCode;
  }
  if (known) {
    deps.ui.error(known.message, known.hint);
    if (deps.globals.json) deps.ui.result({ ok: false, error: { code: known.code, message: known.message, hint: known.hint } }, () => '');
    if (deps.globals.verbose && known.cause instanceof Error) deps.ui.verbose(`caused by: ${known.cause.message}`);
    return known.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  deps.ui.error(`Unexpected error: ${message}`, deps.globals.verbose ? undefined : 'Run again with --verbose for details, and report it if it persists.');
  if (deps.globals.verbose && error instanceof Error && error.stack) deps.ui.verbose(error.stack);
  if (deps.globals.json) deps.ui.result({ ok: false, error: { code: 'unexpected', message } }, () => '');
  return ExitCode.failure;
}
