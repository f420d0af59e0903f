import type { CommandRegistrar } from '../../cli/command.ts';
import { option } from '../../cli/options.ts';
import { passphraseOption, profileOption, storeOption } from '../shared-options.ts';

export const registerExport: CommandRegistrar = (program, invoke) => {
  program
    .command('export')
    .summary('print what the product that connects needs: connection string, env lines, JSON or form fields')
    .description(
      [
        'Prints a profile on stdout for the product that connects to Dataverse, to pipe',
        'into it or a secret manager; nothing else goes to stdout. --format:',
        '  connection-string  the Dataverse ServiceClient connection string (default;',
        '                     a delegated profile: AuthType=OAuth;…;RedirectUri=…)',
        '  env                KEY=value lines: DATAVERSE_URL, AZURE_TENANT_ID,',
        '                     AZURE_CLIENT_ID, AZURE_CLIENT_SECRET… (a delegated',
        '                     profile: DATAVERSE_CLIENT_ID, DATAVERSE_REFRESH_TOKEN…)',
        '  json               one object (also what --json prints)',
        "  fields             labelled lines for a vendor's form: tenant and client id,",
        '                     secret, refresh token, v1 and v2 authorization and token',
        '                     URLs, API URL, redirect URI, grant type',
        'A secret or refresh token goes to a terminal only with --show-secret; --out',
        'writes it to a file (mode 0600) instead. For a certificate profile, --pem-out',
        'also writes the certificate and its private key to a file (mode 0600).',
        '',
        'Examples:',
        '  dynauth export --profile contososales | your-product configure --stdin',
        '  dynauth export --profile contososales --format env --out .env',
        '  dynauth export --profile contact-center --format fields --show-secret',
        '  dynauth export --profile contososales --pem-out ./dynauth.pem',
      ].join('\n'),
    )
    .addOption(profileOption())
    .addOption(
      option('--format <format>', 'connection-string (default), env, json or fields', 'DYNAUTH_EXPORT_FORMAT').choices([
        'connection-string',
        'env',
        'json',
        'fields',
      ]),
    )
    .addOption(option('--out <file>', 'write it to this file (mode 0600) instead of stdout'))
    .addOption(option('--show-secret', 'write a secret or refresh token even when stdout is a terminal'))
    .addOption(option('--pem-out <file.pem>', 'certificate profiles: also write certificate and private key to this file (mode 0600)'))
    .addOption(passphraseOption())
    .addOption(storeOption())
    .action(invoke(() => import('./run.ts')));
};
