import type { CommandRegistrar } from '../../cli/command.ts';
import { option } from '../../cli/options.ts';
import { authOption, passphraseOption, profileOption, pushOption, storeOption, tenantOption, waitOption } from '../shared-options.ts';

export const registerRotateSecret: CommandRegistrar = (program, invoke) => {
  program
    .command('rotate-secret')
    .summary('replace the credential with no downtime and no lost secret')
    .description(
      [
        'Adds a new secret (or certificate) to the app, stores it, proves it works and',
        'switches the profile to it; the old one is revoked now (--revoke-old) or',
        'later (--finish, --revoke-after), so systems holding a copy keep working.',
        'Other credentials on the app are never touched. Every destination of the profile',
        '(--push, remembered) receives the new credential before any old one is revoked.',
        '',
        'Examples:',
        '  dynauth rotate-secret --profile contososales',
        '  dynauth rotate-secret --finish --profile contososales',
        '  dynauth rotate-secret --all --if-expiring-within 30d --revoke-after 7d --yes',
        '',
        'Exit codes: 0 ok, 1 a profile failed, 2 bad input, 4 authentication failed.',
      ].join('\n'),
    )
    .addOption(profileOption())
    .addOption(authOption())
    .addOption(tenantOption())
    .addOption(
      option(
        '--secret-expiry <duration>',
        'lifetime of the new credential (default the previous one, within any app-management policy cap; dynauth allows at most 730 days)',
        'DYNAUTH_SECRET_EXPIRY',
      ),
    )
    .addOption(option('--revoke-old', 'revoke the old credential as soon as the new one works'))
    .addOption(option('--finish', 'revoke credentials left pending by an earlier rotation'))
    .addOption(option('--revoke-after <duration>', 'also revoke credentials replaced at least this long ago, e.g. 7d'))
    .addOption(option('--show-secret', 'print the new connection string (it is never in --json)'))
    .addOption(option('--all', 'rotate every profile'))
    .addOption(option('--if-expiring-within <duration>', 'with --all: only profiles whose credential expires within this time'))
    .addOption(pushOption())
    .addOption(waitOption())
    .addOption(passphraseOption())
    .addOption(storeOption())
    .addOption(option('-y, --yes', 'revoke without asking first (required to revoke without a terminal)', 'DYNAUTH_YES'))
    .action(invoke(() => import('./run.ts')));
};
