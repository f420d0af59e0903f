import type { CommandRegistrar } from '../../cli/command.ts';
import { option } from '../../cli/options.ts';
import { authOption, profileOption, storeOption, tenantOption, waitOption } from '../shared-options.ts';

export const registerRemove: CommandRegistrar = (program, invoke) => {
  program
    .command('remove')
    .summary('delete a profile and its stored secrets; --delete-app also removes what init made in the cloud')
    .description(
      [
        'Deletes the profile, its keychain items (credential, a rotation in progress,',
        'a refresh token) and the records beside it. The secret is lost with it: only',
        'the products it was handed to still hold it.',
        '',
        'With --delete-app, also (signing the admin in) deactivates the application user',
        "in the profile's environment (Dataverse deletes no active application user; a",
        'deactivated one can be deleted in the Power Platform admin center once its',
        'records are reassigned) and deletes the app registration and its service',
        'principal (Entra keeps them in deleted items for 30 days). Refused while other',
        'profiles use the same app: deleting it would break them.',
        '',
        'Everything is named and confirmed first (default No); without a terminal,',
        '--yes is that confirmation. A run cut short is finished by running it again.',
        '',
        'Examples:',
        '  dynauth remove --profile contososales',
        '  dynauth remove --profile contososales --delete-app --yes',
      ].join('\n'),
    )
    .addOption(profileOption())
    .addOption(option('--delete-app', 'also deactivate the application user and delete the app registration'))
    .addOption(authOption())
    .addOption(tenantOption())
    .addOption(waitOption())
    .addOption(storeOption())
    .addOption(option('-y, --yes', 'remove without asking first (required without a terminal)', 'DYNAUTH_YES'))
    .action(invoke(() => import('./run.ts')));
};
