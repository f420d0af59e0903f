import { UsageError } from '../cli/errors.ts';
import { InvalidProfileNameError } from './errors.ts';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u;
// Windows refuses these as file names, with or without an extension ("con.json").
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(?:\.|$)/iu;
const RULE = 'Use 1-64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit.';

/** Throws InvalidProfileNameError unless `name` is safe as a file name on every OS. */
export function validateProfileName(name: string): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new InvalidProfileNameError(`Invalid profile name ${JSON.stringify(String(name).slice(0, 80))}.`, RULE);
  }
  if (name.endsWith('.')) {
    throw new InvalidProfileNameError(`Invalid profile name "${name}": it must not end with ".".`, RULE);
  }
  if (WINDOWS_RESERVED.test(name)) {
    throw new InvalidProfileNameError(`Invalid profile name "${name}": it is a reserved device name on Windows.`, 'Choose another name.');
  }
  return name;
}

/** The same rule for a name given as --profile or at a prompt: a usage error worded for the command line. */
export function validateProfileNameFlag(name: string): void {
  try {
    validateProfileName(name);
  } catch (error) {
    if (!(error instanceof InvalidProfileNameError)) throw error;
    throw new UsageError(`Profile name "${name}" is not safe as a file name on every system.`, {
      hint: error.hint,
      code: 'bad-profile-name',
    });
  }
}
