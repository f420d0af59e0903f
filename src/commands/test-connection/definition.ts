import type { CommandRegistrar } from '../../cli/command.ts';
import { option } from '../../cli/options.ts';
import { profileOption, tenantOption } from '../shared-options.ts';

export const registerTestConnection: CommandRegistrar = (program, invoke) => {
  program
    .command('test-connection')
    .summary('prove a stored or hand-made setup works, and say exactly why when it does not')
    .description(
      [
        'Gets a token with the app credential, calls WhoAmI and RetrieveUserPrivileges in the environment,',
        'and checks the roles, privileges and credential expiry. Works on a profile written by `dynauth init`,',
        'or on an app set up by hand (--environment, --tenant, --client-id, and the secret on stdin).',
      ].join('\n'),
    )
    .addOption(profileOption())
    .addOption(option('--environment <url>', 'environment URL of a setup made by hand'))
    .addOption(tenantOption())
    .addOption(option('--client-id <id>', 'application (client) id of a setup made by hand'))
    .addOption(option('--client-secret-stdin', 'read the client secret from stdin (never give it as a flag value)'))
    .addOption(option('--certificate <file.pem>', 'certificate and private key (PEM) of a setup made by hand'))
    .addOption(option('--connection-string-stdin', 'read a Dataverse ServiceClient connection string from stdin'))
    .action(invoke(() => import('./run.ts')));
};
