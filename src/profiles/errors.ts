/** A bad profile name on the command line: a usage error (exit code 2), not a failure. */
export class InvalidProfileNameError extends Error {
  readonly code = 'INVALID_PROFILE_NAME';
  readonly kind = 'usage';
  readonly exitCode = 2;
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.name = 'InvalidProfileNameError';
    this.hint = hint;
  }
}

/** A profile file that cannot be read or does not have the expected shape. */
export class ProfileFileError extends Error {
  readonly code = 'PROFILE_FILE';
  readonly file: string;
  readonly hint: string;

  constructor(file: string, problem: string, hint: string, cause?: unknown) {
    super(`Profile file ${file}: ${problem}`, { cause });
    this.name = 'ProfileFileError';
    this.file = file;
    this.hint = hint;
  }
}
