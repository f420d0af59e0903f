import type { CommandRegistrar } from '../../cli/command.ts';
import { option } from '../../cli/options.ts';
import { passphraseOption, storeOption, timeoutOption } from '../shared-options.ts';

export const registerStatus: CommandRegistrar = (program, invoke) => {
  program
    .command('status')
    .alias('list')
    .summary('list every profile: environment, app, credential expiry, last successful test, keychain item')
    .description(
      [
        'Lists every profile: environment, app, credential and its expiry, last',
        'successful test, keychain item. Reads only local state unless --check, which',
        'tests every profile in parallel. For cron and monitoring, --warn-days 30',
        'exits 3 when a credential expires within 30 days.',
        '',
        'Examples:',
        '  dynauth status',
        '  dynauth status --warn-days 30 --json',
        '  dynauth status --ics ~/dynauth-expiry.ics   # reminders 2 weeks before expiry',
        '',
        'Exit codes: 0 ok, 1 a check failed, 3 a credential expires within',
        '--warn-days, 4 authentication failed (--check).',
      ].join('\n'),
    )
    .addOption(option('--check', 'also test the connection of every profile (in parallel)'))
    .addOption(option('--warn-days <n>', 'exit 3 when any credential expires within this many days', 'DYNAUTH_WARN_DAYS'))
    .addOption(option('--ics <file>', 'write an iCalendar file with a reminder two weeks before each expiry'))
    .addOption(timeoutOption())
    .addOption(passphraseOption())
    .addOption(storeOption())
    .action(invoke(() => import('./run.ts')));
};
