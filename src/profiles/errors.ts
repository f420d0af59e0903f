// Typed errors of the profiles layer: DynauthErrors with stable kebab-case codes, the same in every command's --json.
import { DynauthError, UsageError } from '../cli/errors.ts';

/** A bad profile name on the command line: a usage error (exit code 2), not a failure. */
export class InvalidProfileNameError extends UsageError {
  declare readonly hint: string;
  readonly kind = 'usage';

  constructor(message: string, hint: string) {
    super(message, { hint, code: 'bad-profile-name' }); // the code a --profile flag gets too
    this.name = 'InvalidProfileNameError';
  }
}

/**
 * Why a profile file is not used: "profile-tampered" (not what dynauth writes), "profile-unreadable"
 * (cannot be read as a file), "unsafe-location" (another user could have written it).
 */
export type ProfileFileProblem = 'profile-tampered' | 'profile-unreadable' | 'unsafe-location';

/** A profile file that cannot be read or does not have the expected shape. */
export class ProfileFileError extends DynauthError {
  declare readonly hint: string;
  readonly file: string;

  constructor(code: ProfileFileProblem, file: string, problem: string, hint: string, cause?: unknown) {
    super(`Profile file ${file}: ${problem}`, { hint, code, cause });
    this.name = 'ProfileFileError';
    this.file = file;
  }
}
