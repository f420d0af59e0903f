import type { CommandRegistrar } from '../../cli/command.ts';
import { option } from '../../cli/options.ts';
import { passphraseOption, profileOption, storeOption, timeoutOption } from '../shared-options.ts';

export const registerApi: CommandRegistrar = (program, invoke) => {
  program
    .command('api')
    .summary("make one authenticated call to the environment's Web API, as the integration (like gh api)")
    .description(
      [
        "Sends one request to the profile's environment Web API with a fresh token (as",
        'the app for an app-user profile, as the signed-in integration account for a',
        'delegated one) and prints the JSON answer on stdout. The path is relative to',
        '<environment>/api/data/v9.2/, or an absolute /api/data/… path of the same',
        'environment; no other host is ever sent the token. A failure is diagnosed as',
        'test-connection diagnoses it. --json prints { ok, status, body }.',
        '',
        'Examples:',
        "  dynauth api GET 'accounts?$top=1&$select=name'",
        '  dynauth api --profile contososales GET WhoAmI',
        '  echo \'{"name":"Contoso"}\' | dynauth api POST accounts --body -',
        "  dynauth api PATCH 'accounts(00000000-0000-0000-0000-000000000001)' \\",
        '      --body account.json',
        '',
        'Exit codes: 0 ok, 1 the call failed, 2 bad input, 4 authentication failed.',
      ].join('\n'),
    )
    .argument('<method>', 'GET, POST, PATCH, PUT or DELETE')
    .argument('<path>', "Web API path, e.g. 'accounts?$top=1'")
    .addOption(profileOption())
    .addOption(option('--body <file|->', 'JSON request body from a file, or - for stdin (POST, PATCH, PUT)'))
    .addOption(timeoutOption())
    .addOption(passphraseOption())
    .addOption(storeOption())
    .action(invoke(() => import('./run.ts')));
};
