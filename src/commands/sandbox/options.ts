import type { Command } from 'commander';
import { option, repeatableOption } from '../../cli/options.ts';

/** The sandbox's own options, before the command it runs (shared by its definition and its run). */
export function addSandboxOptions(command: Command): Command {
  return command
    .addOption(option('--latency <ms>', 'add this many milliseconds to every request'))
    .addOption(repeatableOption('--fault <spec>', 'inject a fault, e.g. "graph POST /v1.0/applications 429x2" (syntax below)'))
    .addOption(
      option(
        '--replication-lag <ms>',
        'longest a new app, service principal, secret, certificate, application user or federated credential takes to replicate (default 300)',
      ),
    )
    .addOption(
      option(
        '--federated-token <spec>',
        "write a token of the sandbox's OIDC issuer for this --federation spec and point AZURE_FEDERATED_TOKEN_FILE at it",
      ),
    );
}
