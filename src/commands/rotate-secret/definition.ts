import type { CommandRegistrar } from '../../cli/command.ts';
import { option } from '../../cli/options.ts';
import { authOption, passphraseOption, profileOption, storeOption, tenantOption, waitOption } from '../shared-options.ts';

export const registerRotateSecret: CommandRegistrar = (program, invoke) => {
  program
    .command('rotate-secret')
    .summary('replace the credential with no downtime and no lost secret')
    .description(
      [
        'Adds a new secret (or certificate) to the app, stores it, proves it works, switches the profile to it,',
        'and revokes the old one now (--revoke-old) or later (--finish), so systems holding a copy keep working.',
      ].join('\n'),
    )
    .addOption(profileOption())
    .addOption(authOption())
    .addOption(tenantOption())
    .addOption(option('--secret-expiry <duration>', 'lifetime of the new credential (default the previous one, at most 730 days)', 'DYNAUTH_SECRET_EXPIRY'))
    .addOption(option('--revoke-old', 'revoke the old credential as soon as the new one works'))
    .addOption(option('--finish', 'revoke credentials left pending by an earlier rotation'))
    .addOption(option('--revoke-after <duration>', 'also revoke credentials replaced at least this long ago, e.g. 7d'))
    .addOption(option('--show-secret', 'print the new connection string (it is never in --json)'))
    .addOption(option('--all', 'rotate every profile'))
    .addOption(option('--if-expiring-within <duration>', 'with --all: only profiles whose credential expires within this time'))
    .addOption(waitOption())
    .addOption(passphraseOption())
    .addOption(storeOption())
    .addOption(option('-y, --yes', 'revoke without asking first (asked only in a terminal)', 'DYNAUTH_YES'))
    .action(invoke(() => import('./run.ts')));
};
