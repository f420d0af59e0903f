import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { installCancellation } from './cli/cancellation.ts';
import type { Invoke } from './cli/command.ts';
import { DynauthError, ExitCode } from './cli/errors.ts';
import { addGlobalOptions, readGlobalOptions } from './cli/global-options.ts';
import { applyEnvironment, isTrueWord } from './cli/options.ts';
import { registerApi } from './commands/api/definition.ts';
import { registerExport } from './commands/export/definition.ts';
import { registerInit } from './commands/init/definition.ts';
import { registerRemove } from './commands/remove/definition.ts';
import { registerRotateSecret } from './commands/rotate-secret/definition.ts';
import { registerSandbox } from './commands/sandbox/definition.ts';
import { registerStatus } from './commands/status/definition.ts';
import { registerTestConnection } from './commands/test-connection/definition.ts';
import { registerToken } from './commands/token/definition.ts';
import type { ProcessLike } from './deps.ts';
import { packageFile } from './package-files.ts';
import { toTerminalJson, toTerminalText } from './util/terminal-text.ts';

const { version } = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string };

/** Runs the CLI and returns its exit code; only --help/--version and commander parsing happen eagerly. */
export async function main(argv: string[], proc: ProcessLike): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let reportError: ((error: unknown) => number) | undefined;

  const invoke: Invoke =
    (load) =>
    async (...actionArgs) => {
      const command = actionArgs.at(-1) as Command;
      applyEnvironment(command, proc.env);
      const globals = readGlobalOptions(command, proc.env, proc.stderr.isTTY === true);
      const cancellation = installCancellation(proc);
      const [{ createDeps }, { formatError }] = await Promise.all([import('./deps.ts'), import('./cli/format-error.ts')]);
      const deps = createDeps(proc, argv, globals, cancellation, command.opts());
      reportError = (error) => formatError(error, deps);
      try {
        if (command.name() !== 'sandbox') (await import('./cli/stale-sandbox.ts')).assertSandboxStillRunning(proc.env);
        const module = await load();
        exitCode = await module.run(deps, command.opts(), command.args);
      } finally {
        cancellation.dispose();
      }
    };

  const program = buildProgram(invoke, proc);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.excessArguments' && argv.includes('--passphrase')) {
        proc.stderr.write('--passphrase takes no value: it is asked for in a terminal, or read from DYNAUTH_PASSPHRASE.\n');
      }
      if (error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      // Commander has said it on stderr; with --json, stdout still carries the one object.
      if (argv.includes('--json') || isTrueWord(proc.env.DYNAUTH_JSON)) {
        const message = withoutArgumentValues(error.message.replace(/^error: /, ''));
        const code = error.code.replace(/^commander\./, '').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
        proc.stdout.write(
          `${toTerminalJson(JSON.stringify({ ok: false, error: { code, message, hint: 'Run dynauth --help for usage.' } }, null, 2))}\n`,
        );
      }
      return ExitCode.usage;
    }
    if (reportError) return reportError(error);
    proc.stderr.write(`dynauth: ${toTerminalText(error instanceof Error ? error.message : String(error))}\n`);
    return error instanceof DynauthError ? error.exitCode : ExitCode.failure;
  }
  return exitCode;
}

export function buildProgram(invoke: Invoke, proc: ProcessLike): Command {
  const program = new Command('dynauth')
    .description('Set up and keep Microsoft Dynamics 365 / Dataverse server-to-server authentication, in one command.')
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run dynauth --help for usage)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => proc.stdout.write(text),
      writeErr: (text) => proc.stderr.write(text),
      outputError: (text, write) => write(toTerminalText(withoutArgumentValues(text))),
    })
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 ok, 1 failure, 2 usage or missing input, 3 a credential expires',
        '(status --warn-days), 4 authentication, 130 cancelled.',
        'Options marked [env: NAME] also read that environment variable.',
        'Try it all with no tenant: dynauth sandbox init',
      ].join('\n'),
    );
  addGlobalOptions(program);
  for (const register of [
    registerInit,
    registerTestConnection,
    registerStatus,
    registerRotateSecret,
    registerExport,
    registerToken,
    registerApi,
    registerRemove,
    registerSandbox,
  ])
    register(program, invoke);
  // A mistake in a command's flags points to that command's help, where its flags are listed.
  for (const command of program.commands) command.showHelpAfterError(`(run dynauth ${command.name()} --help for usage)`);
  return program;
}

/**
 * Commander quotes stray arguments and `--flag=value` in its errors; a value typed by mistake
 * (`--passphrase hunter2`, `--client-secret=…`) may be a secret, so it is never echoed.
 */
export function withoutArgumentValues(text: string): string {
  return text.replace(/(but got \d+):[^\n]*/g, '$1.').replace(/'(--?[\w-]+)=[^']*'/g, "'$1=…'");
}
