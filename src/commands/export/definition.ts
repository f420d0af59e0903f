import type { CommandRegistrar } from '../../cli/command.ts';
import { option } from '../../cli/options.ts';
import { passphraseOption, profileOption, storeOption } from '../shared-options.ts';

export const registerExport: CommandRegistrar = (program, invoke) => {
  program
    .command('export')
    .summary('print the stored connection string, for the product that connects to Dataverse')
    .description(
      [
        'Prints the Dataverse ServiceClient connection string of a profile on stdout,',
        'to pipe into the product or a secret manager; nothing else goes to stdout.',
        'For a certificate profile, --pem-out also writes the certificate and its private',
        'key to a file (mode 0600).',
        '',
        'Examples:',
        '  dynauth export --profile contososales | your-product configure --stdin',
        '  dynauth export --profile contososales --pem-out ./dynauth.pem',
      ].join('\n'),
    )
    .addOption(profileOption())
    .addOption(option('--pem-out <file.pem>', 'certificate profiles: also write certificate and private key to this file (mode 0600)'))
    .addOption(passphraseOption())
    .addOption(storeOption())
    .action(invoke(() => import('./run.ts')));
};
