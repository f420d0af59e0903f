import type { CommandRegistrar } from '../../cli/command.ts';
import { option, repeatableOption } from '../../cli/options.ts';
import { passphraseOption, profileOption, storeOption, tenantOption, timeoutOption } from '../shared-options.ts';

export const registerTestConnection: CommandRegistrar = (program, invoke) => {
  program
    .command('test-connection')
    .summary('prove a stored or hand-made setup works, and say exactly why when it does not')
    .description(
      [
        'Gets a token with the app credential, calls WhoAmI and RetrieveUserPrivileges',
        'in the environment, and checks the roles, privileges and credential expiry.',
        'Works on a profile written by `dynauth init`, or on an app set up by hand',
        '(--environment, --tenant, --client-id, and the secret from a pipe or asked).',
        '',
        'Examples:',
        '  dynauth test-connection --profile contososales',
        '  printenv APP_SECRET | dynauth test-connection \\',
        '      --environment https://contoso.crm.dynamics.com \\',
        '      --tenant contoso.onmicrosoft.com --client-id <app id> \\',
        '      --client-secret-stdin',
        '  dynauth test-connection --tenant contoso.onmicrosoft.com \\',
        '      --connection-string-stdin < connection.txt',
        '  dynauth test-connection --profile contososales \\',
        '      --federated-token-file "$RUNNER_TEMP/oidc-token"   (inside the pipeline)',
        '',
        'Exit codes: 0 every check passed, 1 a check failed, 2 bad input,',
        '4 authentication failed.',
      ].join('\n'),
    )
    .addOption(profileOption())
    .addOption(option('--environment <url>', 'environment URL of a setup made by hand'))
    .addOption(tenantOption())
    .addOption(option('--client-id <id>', 'application (client) id of a setup made by hand'))
    .addOption(option('--client-secret-stdin', 'read the client secret from a pipe (without it, a terminal asks for it, masked)'))
    .addOption(option('--client-secret <value>', 'refused: a secret on the command line leaks into shell history').hideHelp())
    .addOption(option('--certificate <file.pem>', 'certificate and private key (PEM) of a setup made by hand'))
    .addOption(option('--connection-string-stdin', 'read a Dataverse ServiceClient connection string from stdin'))
    .addOption(
      option(
        '--federated-token-file <file>',
        "the file holding a pipeline's OIDC token (GitHub Actions, Azure DevOps, Kubernetes), for a federated profile or a setup made by hand",
        'AZURE_FEDERATED_TOKEN_FILE',
      ),
    )
    .addOption(repeatableOption('--read <table>', 'also read one row of this table as the app, e.g. accounts (its entity set name)'))
    .addOption(timeoutOption())
    .addOption(passphraseOption())
    .addOption(storeOption())
    .action(invoke(() => import('./run.ts')));
};
