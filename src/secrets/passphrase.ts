/**
 * The one rule for a passphrase that will encrypt a new credential (init's prompt and
 * DYNAUTH_PASSPHRASE alike): scrypt slows guessing, it cannot make a 1-character passphrase safe.
 * A passphrase that only opens what is already stored is not judged: it is whatever was chosen.
 */
export const MIN_PASSPHRASE_LENGTH = 8;

/** What is wrong with a passphrase chosen to encrypt, or undefined when it will do. */
export function passphraseProblem(passphrase: string): string | undefined {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) return `at least ${MIN_PASSPHRASE_LENGTH} characters`;
  return undefined;
}
