import type { Command } from 'commander';
import { option, repeatableOption } from '../../cli/options.ts';
import { authOption, tenantOption, waitOption, passphraseOption, pushOption, storeOption } from '../shared-options.ts';
import type { CommandRegistrar } from '../../cli/command.ts';

export const registerInit: CommandRegistrar = (program: Command, invoke) => {
  program
    .command('init')
    .summary('create the app registration, credential and Dataverse application user, then store the connection')
    .description(
      [
        'Sets up server-to-server access to a Dynamics 365 / Dataverse environment:',
        '  1. signs you (a tenant admin) in and lists your Power Platform environments',
        '  2. registers a single-tenant Entra app with the Dynamics CRM',
        '     user_impersonation permission and admin consent',
        '  3. creates a client secret or certificate for it',
        '  4. creates the Dataverse application user in the business unit you choose,',
        '     with least-privilege security roles',
        '  5. proves the connection works, then keeps the connection string encrypted',
        '     in the OS keychain',
        'Safe to re-run: what already exists is reused, nothing is duplicated.',
        '',
        'With --flow delegated the app acts as a user instead (no application user):',
        '  it is registered with redirect URI http://localhost (web platform and a',
        '  client secret, or with --public-client the public-client platform and no',
        '  secret), Dynamics CRM user_impersonation and offline_access with admin',
        '  consent; then the integration account signs in (authorization code with',
        '  PKCE through the browser; BROWSER=none prints the address instead), is',
        '  checked with WhoAmI, and its refresh token is kept encrypted. A profile',
        '  whose refresh token died is repaired with: init --flow delegated --profile P',
      ].join('\n'),
    )
    .addOption(
      option(
        '--flow <flow>',
        'app-user: the app signs in as itself (default); delegated: it acts as a signed-in user',
        'DYNAUTH_FLOW',
      ).choices(['app-user', 'delegated']),
    )
    .addOption(
      repeatableOption(
        '--redirect-uri <uri>',
        "delegated: a redirect URI besides http://localhost (the product's own callback)",
        'DYNAUTH_REDIRECT_URI',
      ),
    )
    .addOption(option('--public-client', 'delegated: a public client (PKCE alone, no client secret)', 'DYNAUTH_PUBLIC_CLIENT'))
    .addOption(option('--no-sign-in', 'delegated: set the app up only; sign the integration account in later', 'DYNAUTH_NO_SIGN_IN'))
    .addOption(
      option(
        '--user-sign-in <method>',
        'delegated: how the integration account signs in (device-code needs --public-client)',
        'DYNAUTH_USER_SIGN_IN',
      ).choices(['browser', 'device-code']),
    )
    .addOption(authOption())
    .addOption(tenantOption())
    .addOption(repeatableOption('--environment <id|url|name>', 'Dataverse environment: id, URL or unique name', 'DYNAUTH_ENVIRONMENT'))
    .addOption(option('--add-environment <id|url|name>', 'give the app of an existing --profile a user in another environment'))
    .addOption(option('--app-name <name>', 'display name of the app registration (default dynauth-<environment>)', 'DYNAUTH_APP_NAME'))
    .addOption(
      option(
        '--credential <type>',
        'credential to create (federated: none, a pipeline signs in with its own token)',
        'DYNAUTH_CREDENTIAL',
      ).choices(['secret', 'certificate', 'federated']),
    )
    .addOption(
      repeatableOption(
        '--federation <spec>',
        'with --credential federated: github:OWNER/REPO:environment:NAME (or :ref:refs/heads/B, :ref:refs/tags/T, :pull_request, github:subject:RAW), azure-devops:ISSUER:SUBJECT, kubernetes:ISSUER:NAMESPACE:SERVICEACCOUNT or oidc:ISSUER:SUBJECT',
        'DYNAUTH_FEDERATION',
      ),
    )
    .addOption(
      option(
        '--secret-expiry <duration>',
        'credential lifetime: days, or e.g. 6mo, 1y (default 180 days, or less if a tenant app-management policy caps secrets; dynauth allows at most 730)',
        'DYNAUTH_SECRET_EXPIRY',
      ),
    )
    .addOption(repeatableOption('--role <name>', 'existing Dataverse security role to assign, by name', 'DYNAUTH_ROLE'))
    .addOption(
      option('--role-preset <preset>', 'least-privilege role to create and assign', 'DYNAUTH_ROLE_PRESET').choices([
        'contact-center',
        'read-only',
        'system-administrator',
      ]),
    )
    .addOption(
      option(
        '--skip-missing-tables',
        "make the preset's role without the privileges of tables the environment lacks",
        'DYNAUTH_SKIP_MISSING_TABLES',
      ),
    )
    .addOption(option('--business-unit <name>', 'business unit of the application user (default the root one)', 'DYNAUTH_BUSINESS_UNIT'))
    .addOption(
      option('--profile <name>', 'name under which the connection is stored (default the environment unique name)', 'DYNAUTH_PROFILE'),
    )
    .addOption(option('--certificate-out <file.pem>', 'also write the certificate and its private key to this PEM file (mode 0600)'))
    .addOption(waitOption())
    .addOption(pushOption())
    .addOption(passphraseOption())
    .addOption(storeOption())
    .addOption(option('-y, --yes', 'apply the plan without asking', 'DYNAUTH_YES'))
    .addOption(option('--dry-run', 'show the plan and stop; makes only read calls'))
    .addOption(option('--show-secret', 'print the new client secret in the summary (it is in the keychain either way)'))
    .action(invoke(() => import('./run.ts')));
};
