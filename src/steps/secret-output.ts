// A secret (an access token, a client secret, a refresh token) is the result of a command only when
// asked for by name, and it reaches a terminal only with --show-secret: on a screen it stays in the
// scrollback, a screen share or a recording. Piped or redirected, it is what the user asked for.
import { UsageError } from '../cli/errors.ts';
import type { Deps } from '../deps.ts';

export function stdoutIsTerminal(deps: Pick<Deps, 'io'>): boolean {
  return (deps.io.stdout as { isTTY?: boolean }).isTTY === true;
}

export function assertNotToTerminal(deps: Pick<Deps, 'io'>, showSecret: boolean, what: string, command: string): void {
  if (showSecret || !stdoutIsTerminal(deps)) return;
  throw new UsageError(`Not writing ${what} to the terminal: stdout is a terminal, and it would stay on the screen.`, {
    hint: `Pipe or redirect it (${command} | …, or > file), or add --show-secret to see it here.`,
    code: 'secret-to-terminal',
  });
}
