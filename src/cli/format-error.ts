import type { Deps } from '../deps.ts';
import { CancelledError, DynauthError, ExitCode, isAbortError } from './errors.ts';

// A file or directory the user named (a flag, DYNAUTH_CONFIG_DIR) that cannot be used.
const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'there is no such file or directory',
  ENOTDIR: 'part of that path is a file, not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space is left on the device',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file would be too large',
  EIO: 'the device reported an input/output error',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  ENXIO: 'no such device (a named pipe nobody reads?)',
  EBUSY: 'the file or device is busy',
};

const MAX_UNEXPECTED_MESSAGE = 500;

function asKnown(error: unknown): DynauthError | undefined {
  if (error instanceof DynauthError) return error;
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code === 'string' && code in FILE_PROBLEMS && typeof path === 'string') {
    return new DynauthError(`Cannot use ${path}: ${FILE_PROBLEMS[code]} (${code}).`, {
      exitCode: ExitCode.failure,
      hint: 'Check that path, or the option or variable (such as DYNAUTH_CONFIG_DIR) that gave it.',
      code: `file-${code.toLowerCase()}`,
      cause: error,
    });
  }
  // The same failure where the system did not say which file (a write on an open file): still an
  // ordinary failure with its reason, never an "unexpected error".
  if (typeof code === 'string' && code in FILE_PROBLEMS && (error as NodeJS.ErrnoException).syscall !== undefined) {
    return new DynauthError(`A file could not be used: ${FILE_PROBLEMS[code]} (${code}).`, {
      exitCode: ExitCode.failure,
      hint: 'Check the files and directories this command writes (its options, DYNAUTH_CONFIG_DIR), then run it again.',
      code: `file-${code.toLowerCase()}`,
      cause: error,
    });
  }
  if (isAbortError(error)) return new CancelledError();
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
    if (deps.globals.json)
      deps.ui.result({ ok: false, error: { code: known.code, message: redact(known.message), hint: redact(known.hint) } }, () => '');
    if (deps.globals.verbose && known.cause instanceof Error) deps.ui.verbose(`caused by: ${known.cause.message}`);
    return known.exitCode;
  }
  // Cut only once redacted: a cut through a secret would leave its first half unrecognised.
  const full = redact(error instanceof Error ? error.message : String(error))!;
  const message = full.length > MAX_UNEXPECTED_MESSAGE ? `${full.slice(0, MAX_UNEXPECTED_MESSAGE)}… (${full.length} characters)` : full;
  deps.ui.error(
    `Unexpected error: ${message}`,
    deps.globals.verbose ? undefined : 'Run again with --verbose for details, and report it if it persists.',
  );
  if (deps.globals.verbose && error instanceof Error && error.stack) deps.ui.verbose(error.stack);
  if (deps.globals.json) deps.ui.result({ ok: false, error: { code: 'unexpected', message } }, () => '');
  return ExitCode.failure;
}
