export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  expiring: 3,
  auth: 4,
  cancelled: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: shown to the user as one message (plus a hint), never as a stack trace. */
export class DynauthError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  readonly code: string;

  constructor(message: string, options: { exitCode?: ExitCodeValue; hint?: string; code?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DynauthError';
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.hint = options.hint;
    this.code = options.code ?? 'failure';
  }
}

export class UsageError extends DynauthError {
  constructor(message: string, options: { hint?: string; code?: string } = {}) {
    super(message, { ...options, exitCode: ExitCode.usage, code: options.code ?? 'usage' });
    this.name = 'UsageError';
  }
}

export class AuthError extends DynauthError {
  constructor(message: string, options: { hint?: string; code?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.auth, code: options.code ?? 'authentication' });
    this.name = 'AuthError';
  }
}

export class CancelledError extends DynauthError {
  constructor(message = 'Cancelled.') {
    super(message, { exitCode: ExitCode.cancelled, code: 'cancelled' });
    this.name = 'CancelledError';
  }
}

/** Missing answers in a non-interactive run: one usage error listing every missing flag. */
export class MissingInputError extends UsageError {
  readonly missing: string[];

  constructor(missing: string[]) {
    super(`Missing ${missing.length === 1 ? 'option' : 'options'} (no terminal to ask in): ${missing.join(', ')}`, {
      hint: `Pass ${missing.length === 1 ? 'it as a flag or an environment variable' : 'them as flags or environment variables'}, or run in a terminal to be asked.`,
      code: 'missing-input',
    });
    this.name = 'MissingInputError';
    this.missing = missing;
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'ExitPromptError');
}
