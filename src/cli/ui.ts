import type { Writable } from 'node:stream';
import { Chalk } from 'chalk';
import type { GlobalOptions } from './global-options.ts';
import { toTerminalJson, toTerminalText } from '../util/terminal-text.ts';

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  cyan(text: string): string;
}

/** Everything a command says: messages to stderr, the result to stdout. */
export interface Ui {
  readonly style: Style;
  info(message: string): void;
  /** Something the user must act on (the device-code sign-in): shown even with --quiet. */
  notice(message: string): void;
  step(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  error(message: string, hint?: string): void;
  verbose(message: string): void;
  /** The one way a secret reaches the terminal, on explicit request (--show-secret); stderr, unredacted. */
  revealSecret(label: string, secret: string): void;
  /**
   * The command's result: the JSON object with --json, else the human text. It passes the
   * redactor too, unless the result is a secret the user asked for by name (`dynauth export`).
   */
  result(json: unknown, human: () => string, options?: { isRequestedSecret: boolean }): void;
}

function createStyle(color: boolean): Style {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  return {
    bold: (t) => chalk.bold(t),
    dim: (t) => chalk.dim(t),
    green: (t) => chalk.green(t),
    yellow: (t) => chalk.yellow(t),
    red: (t) => chalk.red(t),
    cyan: (t) => chalk.cyan(t),
  };
}

export function createUi(
  streams: { stdout: Writable; stderr: Writable },
  globals: Pick<GlobalOptions, 'color' | 'quiet' | 'json' | 'verbose'>,
  redact: (text: string) => string = (text) => text,
): Ui {
  const style = createStyle(globals.color);
  // Everything said on stderr passes the redactor (a secret registered with it never shows), then
  // loses any control character a value brought in; the redactor goes first, as a secret may hold some.
  const shown = (text: string) => toTerminalText(redact(text), { keepStyle: globals.color });
  const say = (line: string) => streams.stderr.write(`${shown(line)}\n`);
  const chatty = !globals.quiet;
  return {
    style,
    info: (message) => chatty && say(message),
    notice: (message) => say(message),
    step: (message) => chatty && say(`${style.cyan('•')} ${message}`),
    success: (message) => chatty && say(`${style.green('✔')} ${message}`),
    warn: (message) => say(`${style.yellow('!')} ${message}`),
    error: (message, hint) => {
      say(`${style.red('✖')} ${message}`);
      if (hint) say(`  ${hint}`);
    },
    verbose: (message) => globals.verbose && say(style.dim(message)),
    revealSecret: (label, secret) => streams.stderr.write(`  ${toTerminalText(label)}: ${toTerminalText(secret)}\n`),
    result: (json, human, options) => {
      // A requested secret is written as stored: it is the value asked for, and dynauth's own hold no control characters.
      if (globals.json) {
        const text = JSON.stringify(json, null, 2);
        streams.stdout.write(`${toTerminalJson(options?.isRequestedSecret ? text : redact(text))}\n`);
      } else {
        const text = human();
        streams.stdout.write(`${options?.isRequestedSecret ? text : shown(text)}\n`);
      }
    },
  };
}
