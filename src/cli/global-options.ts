import type { Command } from 'commander';
import { CLOUD_NAMES } from '../clouds.ts';
import { option } from './options.ts';

export interface GlobalOptions {
  json: boolean;
  color: boolean;
  verbose: boolean;
  quiet: boolean;
  cloud: string;
  cloudConfig: string | undefined;
}

export function addGlobalOptions(program: Command): void {
  program
    .addOption(option('--json', 'print one JSON object on stdout; progress stays on stderr', 'DYNAUTH_JSON'))
    .addOption(option('--no-color', 'plain text without colours (NO_COLOR is honoured too)'))
    .addOption(option('--verbose', 'trace every HTTP call to stderr, secrets redacted', 'DYNAUTH_VERBOSE'))
    .addOption(option('--quiet', 'print only warnings, errors and the result', 'DYNAUTH_QUIET'))
    .addOption(option('--cloud <name>', 'Microsoft cloud the tenant lives in', 'DYNAUTH_CLOUD').choices(CLOUD_NAMES).default('public'))
    .addOption(
      option(
        '--cloud-config <file>',
        'JSON file with the endpoints of a private or test cloud (overrides --cloud)',
        'DYNAUTH_CLOUD_CONFIG',
      ),
    );
}

export function readGlobalOptions(command: Command, env: Record<string, string | undefined>, stderrIsTTY: boolean): GlobalOptions {
  const raw = command.optsWithGlobals<Record<string, unknown>>();
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const forceColor = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  return {
    json: raw.json === true,
    color: raw.color !== false && !noColorEnv && (stderrIsTTY || forceColor),
    verbose: raw.verbose === true,
    quiet: raw.quiet === true,
    cloud: String(raw.cloud ?? 'public'),
    cloudConfig: typeof raw.cloudConfig === 'string' ? raw.cloudConfig : undefined,
  };
}
