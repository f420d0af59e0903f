import type { Deps } from '../deps.ts';
import { CancelledError, DynauthError, ExitCode, isAbortError, type ExitCodeValue } from './errors.ts';

// Typed errors of the secrets and profiles layers: expected failures with their own hints.
const STORAGE_ERRORS: Record<string, ExitCodeValue> = {
  KeychainUnavailableError: ExitCode.failure,
  KeychainItemMissing: ExitCode.failure,
  DecryptionFailedError: ExitCode.failure,
  PassphraseRequiredError: ExitCode.usage,
  ConnectionStringError: ExitCode.usage,
  InvalidProfileNameError: ExitCode.usage,
  ProfileFileError: ExitCode.failure,
  SecretFileStoreError: ExitCode.failure,
};

function asKnown(error: unknown): DynauthError | undefined {
  if (error instanceof DynauthError) return error;
  if (isAbortError(error)) return new CancelledError();
  if (error instanceof Error && error.name in STORAGE_ERRORS) {
    const hint = (error as { hint?: unknown }).hint;
    return new DynauthError(error.message, {
      exitCode: STORAGE_ERRORS[error.name],
      hint: typeof hint === 'string' ? hint : undefined,
      code: error.name,
      cause: error,
    });
  }
  return undefined;
}

/** The one place an error becomes what the user sees and the exit code; no stack trace unless --verbose. */
export function formatError(error: unknown, deps: Pick<Deps, 'ui' | 'globals'> & Partial<Pick<Deps, 'redactor'>>): number {
  const known = asKnown(error);
  const redact = (text: string | undefined) => (text === undefined || !deps.redactor ? text : deps.redactor.redact(text));
  if (known instanceof CancelledError) {
    deps.ui.error(known.message);
    return known.exitCode;
  }
  if (known) {
    deps.ui.error(known.message, known.hint);
    if (deps.globals.json) deps.ui.result({ ok: false, error: { code: known.code, message: redact(known.message), hint: redact(known.hint) } }, () => '');
    if (deps.globals.verbose && known.cause instanceof Error) deps.ui.verbose(`caused by: ${known.cause.message}`);
    return known.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  deps.ui.error(`Unexpected error: ${message}`, deps.globals.verbose ? undefined : 'Run again with --verbose for details, and report it if it persists.');
  if (deps.globals.verbose && error instanceof Error && error.stack) deps.ui.verbose(error.stack);
  if (deps.globals.json) deps.ui.result({ ok: false, error: { code: 'unexpected', message: redact(message) } }, () => '');
  return ExitCode.failure;
}
