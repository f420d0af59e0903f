import type { CommandRegistrar } from '../../cli/command.ts';
import { option, repeatableOption } from '../../cli/options.ts';
import { passphraseOption, profileOption, storeOption } from '../shared-options.ts';

export const registerToken: CommandRegistrar = (program, invoke) => {
  program
    .command('token')
    .summary('print a fresh access token for a profile, as its integration gets one (like az account get-access-token)')
    .description(
      [
        'Gets a fresh access token with the profile: client credentials for an app-user',
        'profile, its stored refresh token for a delegated one (the new refresh token',
        'Entra hands back is stored at once). Prints the token alone on stdout, for a',
        'script or a request by hand; --json prints accessToken, expiresOn, scope,',
        'profile and tokenType. A token is never written to a terminal without',
        '--show-secret.',
        '',
        'Default scope: the environment itself (<environment>/.default for an app-user',
        'profile, <environment>/user_impersonation for a delegated one).',
        '',
        'Examples:',
        "  dynauth token --profile contososales | sed 's/^/Authorization: Bearer /' |",
        '      curl -H @- …        (the header from stdin: the token stays out of argv)',
        '  TOKEN=$(dynauth token --profile contososales)',
        '  dynauth token --profile contososales --json | jq -r .expiresOn',
      ].join('\n'),
    )
    .addOption(profileOption())
    .addOption(repeatableOption('--scope <scope>', 'scope to ask for (default the environment)', 'DYNAUTH_SCOPE'))
    .addOption(option('--show-secret', 'write the token even when stdout is a terminal'))
    .addOption(passphraseOption())
    .addOption(storeOption())
    .action(invoke(() => import('./run.ts')));
};
