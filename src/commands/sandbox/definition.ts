import type { CommandRegistrar } from '../../cli/command.ts';
import { addSandboxOptions } from './options.ts';

export const registerSandbox: CommandRegistrar = (program, invoke) => {
  addSandboxOptions(
    program
      .command('sandbox')
      .argument('[command...]', 'a dynauth command to run against the sandbox, e.g. init')
      .summary('try dynauth against a built-in emulated tenant, no Microsoft account needed')
      .description(
        [
          'Starts a local emulator of Entra ID, Microsoft Graph, the Power Platform',
          'admin API and two Dataverse environments (HTTPS on 127.0.0.1, throwaway CA),',
          'then runs the given dynauth command against it. Without a command it prints',
          'the environment variables that point another shell at it, and waits.',
          'Profiles and keychain items made in the sandbox are kept apart from real',
          'ones and removed when it stops.',
          '',
          'Examples:',
          '  dynauth sandbox init',
          '  dynauth sandbox init --yes --environment contososales --role-preset read-only',
          '  dynauth sandbox --latency 50 --replication-lag 3000 init --yes \\',
          '      --environment contosodev --role-preset contact-center',
          '  dynauth sandbox --fault "graph POST /v1.0/applications 429x2" init',
          '  dynauth sandbox --federated-token github:contoso/app:environment:production',
          '      (then, in the shell it prints: init --federation <that spec> …, then',
          '      test-connection --profile <it>; AZURE_FEDERATED_TOKEN_FILE is the token)',
          '',
          'Fault syntax (parts separated by spaces or colons):',
          '  <service>[@<env>] [METHOD] [/path-prefix] <effect> [retry-after=<s>]',
          '    service  login, graph, bap, dataverse or *',
          '    effect   429[xN], 503[xN], drop[xN], latency=<duration>[xN]; without',
          '             xN a 429, 503 or drop happens once, a latency every time',
          '  lag:app=<duration>[,sp=…][,secret=…][,cert=…][,appuser=…][,fic=…]',
          '    the longest a new app, service principal, secret, certificate,',
          '    application user or federated credential takes to replicate',
          '  e.g. "dataverse@contosodev GET /api/data/v9.2/WhoAmI 429x2 retry-after=5"',
          '',
          'Each new object replicates after its own random delay. The sandbox prints',
          'the seed; DYNAUTH_EMULATOR_SEED=<seed> replays the same delays.',
        ].join('\n'),
      )
      .allowUnknownOption()
      .allowExcessArguments(),
  ).action(invoke(() => import('./run.ts')));
};
