// --push <destination>: where a connection's credential (or its parts) is delivered and kept in step.
//
//   github:OWNER/REPO[/ENVIRONMENT]:PREFIX[:PART=NAME…]
//       Actions secrets PREFIX_TENANT_ID, PREFIX_CLIENT_ID, PREFIX_CLIENT_SECRET (or
//       PREFIX_CLIENT_CERTIFICATE for a certificate), PREFIX_ENVIRONMENT_URL; a PART=NAME names one
//       itself (parts: tenant-id, client-id, client-secret, client-certificate, environment-url),
//       e.g. github:contoso/deploy/production:DATAVERSE:client-secret=DV_SECRET
//   keyvault:https://NAME.vault.azure.net/SECRET-NAME
//       one secret holding the connection string (a certificate: a Key Vault certificate)
//   file:PATH.env | file:PATH.json
//       a file only its owner can read
import { isIP } from 'node:net';
import { basename, extname, resolve } from 'node:path';
import { UsageError } from '../cli/errors.ts';
import { isKeyVaultHost, type Cloud } from '../clouds.ts';

export const SECRET_PARTS = ['tenant-id', 'client-id', 'client-secret', 'client-certificate', 'environment-url'] as const;
export type SecretPart = (typeof SECRET_PARTS)[number];

export type DestinationSpec =
  | { kind: 'github'; spec: string; owner: string; repo: string; environment?: string; names: Record<SecretPart, string> }
  | { kind: 'keyvault'; spec: string; vaultUrl: string; name: string }
  | { kind: 'file'; spec: string; path: string; format: 'env' | 'json' };

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
/** GitHub environment names: up to 255 characters; dynauth takes the plain ones (no slash, colon or comma). */
const ENVIRONMENT = /^[A-Za-z0-9._ -]{1,255}$/;
/** docs.github.com/actions/security-guides/using-secrets-in-github-actions#naming-your-secrets */
const GITHUB_SECRET_NAME = /^(?!GITHUB_)[A-Z_][A-Z0-9_]*$/i;
/** Key Vault object names (learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates). */
const VAULT_OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_SPEC_LENGTH = 1024;

const FORMS = 'github:OWNER/REPO[/ENVIRONMENT]:PREFIX, keyvault:https://NAME.vault.azure.net/SECRET-NAME or file:PATH.env|.json';

export function parseDestinationSpec(text: string, cloud: Cloud): DestinationSpec {
  const spec = text.trim();
  const bad = (why: string) =>
    new UsageError(`--push ${JSON.stringify(spec.slice(0, 200))}: ${why}`, { hint: `Give ${FORMS}.`, code: 'bad-destination' });
  if (spec.length > MAX_SPEC_LENGTH) throw bad(`longer than ${MAX_SPEC_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/u.test(spec)) throw bad('it holds control characters');
  const colon = spec.indexOf(':');
  const scheme = colon < 0 ? '' : spec.slice(0, colon).toLowerCase();
  const rest = spec.slice(colon + 1);
  switch (scheme) {
    case 'github':
      return parseGithub(spec, rest, bad);
    case 'keyvault':
      return parseKeyVault(spec, rest, cloud, bad);
    case 'file':
      return parseFile(spec, rest, bad);
    default:
      throw bad('unknown kind of destination');
  }
}

function parseGithub(spec: string, rest: string, bad: (why: string) => UsageError): DestinationSpec {
  const [target = '', prefix = '', ...overrides] = rest.split(':');
  const [owner = '', repo = '', environment, ...extra] = target.split('/');
  if (!OWNER.test(owner) || !REPO.test(repo) || repo === '.' || repo === '..') throw bad('expected github:OWNER/REPO[/ENVIRONMENT]:PREFIX');
  if (extra.length || (environment !== undefined && !ENVIRONMENT.test(environment))) throw bad('the environment name is not a plain name');
  if (!prefix) throw bad('a secret name prefix is missing, e.g. github:OWNER/REPO:DATAVERSE');
  const names = Object.fromEntries(SECRET_PARTS.map((part) => [part, `${prefix}_${part.toUpperCase().replace('-', '_')}`])) as Record<
    SecretPart,
    string
  >;
  for (const override of overrides) {
    const [part, name, ...more] = override.split('=');
    if (!SECRET_PARTS.includes(part as SecretPart) || !name || more.length) {
      throw bad(`"${override.slice(0, 80)}" is not PART=NAME (parts: ${SECRET_PARTS.join(', ')})`);
    }
    names[part as SecretPart] = name;
  }
  for (const name of Object.values(names)) {
    if (!GITHUB_SECRET_NAME.test(name)) {
      throw bad(`"${name.slice(0, 80)}" is not a GitHub secret name (letters, digits and _, not starting with a digit or GITHUB_)`);
    }
  }
  if (new Set(Object.values(names).map((n) => n.toUpperCase())).size !== SECRET_PARTS.length)
    throw bad('two parts have the same secret name');
  return { kind: 'github', spec, owner, repo, ...(environment !== undefined ? { environment } : {}), names };
}

function parseKeyVault(spec: string, rest: string, cloud: Cloud, bad: (why: string) => UsageError): DestinationSpec {
  let url: URL;
  try {
    url = new URL(rest);
  } catch {
    throw bad('expected keyvault:https://NAME.vault.azure.net/SECRET-NAME');
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
    throw bad('the vault URL must be a plain https:// URL');
  }
  if (!cloud.keyVaultSuffix) throw bad('this cloud has no Key Vault (a --cloud-config without keyVaultSuffix and keyVaultScope)');
  if (!isKeyVaultHost(cloud, url.hostname)) {
    const host = isIP(cloud.keyVaultSuffix) ? cloud.keyVaultSuffix : `NAME.${cloud.keyVaultSuffix}`;
    throw bad(`${url.hostname} is not a Key Vault of this cloud (${host})`);
  }
  const name = url.pathname.replace(/^\/+|\/+$/g, '');
  if (!VAULT_OBJECT_NAME.test(name)) throw bad('the secret name after the vault URL must be 1-127 letters, digits and dashes');
  return { kind: 'keyvault', spec, vaultUrl: url.origin, name };
}

function parseFile(_spec: string, path: string, bad: (why: string) => UsageError): DestinationSpec {
  if (!path) throw bad('a file path is missing');
  const extension = extname(path).toLowerCase();
  const format = extension === '.json' ? 'json' : extension === '.env' || basename(path) === '.env' ? 'env' : undefined;
  if (!format) throw bad('the file must end in .env or .json (that chooses its format)');
  // Recorded absolute: a later rotation, run from another directory, writes the same file.
  const absolute = resolve(path);
  return { kind: 'file', spec: `file:${absolute}`, path: absolute, format };
}
