import { AUTH_METHODS } from '../auth/methods.ts';
import { option, repeatableOption } from '../cli/options.ts';

export function authOption() {
  return option(
    '--auth <method>',
    'how the admin signs in: browser (default with a display), device-code (default when headless), azure-cli (reuse az login), environment (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH)',
    'DYNAUTH_AUTH',
  ).choices(AUTH_METHODS);
}

export function tenantOption() {
  return option('--tenant <id|domain>', 'Entra tenant id or domain (default the one you sign in to)', 'DYNAUTH_TENANT');
}

export function waitOption() {
  return option(
    '--wait <duration>',
    'how long to wait for Entra and Dataverse to replicate a new app, and for a throttled request (Retry-After), e.g. 90s, 5m',
    'DYNAUTH_WAIT',
  ).default('5m');
}

export function timeoutOption() {
  return option(
    '--timeout <duration>',
    'how long to wait for each answer from Entra or Dataverse, e.g. 30s, 2m',
    'DYNAUTH_TIMEOUT',
  ).default('30s');
}

export function passphraseOption() {
  return option(
    '--passphrase',
    'encrypt with a key derived from a passphrase (asked, or DYNAUTH_PASSPHRASE) instead of a key kept in the keychain',
  );
}

export function storeOption() {
  return option(
    '--store <where>',
    'where the encrypted connection is kept: keychain (OS keychain) or file (encrypted file, needs --passphrase)',
    'DYNAUTH_STORE',
  )
    .choices(['keychain', 'file'])
    .default('keychain');
}

export function profileOption(description = 'profile to use (default: the only one, or asked)') {
  return option('--profile <name>', description, 'DYNAUTH_PROFILE');
}

/** --push: where the credential (or its parts) is delivered and kept in step at each rotation (src/destinations/spec.ts). */
export function pushOption() {
  return repeatableOption(
    '--push <destination>',
    'deliver the credential to github:OWNER/REPO[/ENV]:PREFIX[:PART=NAME], keyvault:https://NAME.vault.azure.net/SECRET-NAME or file:PATH.env|.json, and keep it there in step at each rotation (remembered in the profile; GitHub token from GH_TOKEN, GITHUB_TOKEN or gh auth token)',
    'DYNAUTH_PUSH',
  );
}
