import { isIP } from 'node:net';
import { UsageError } from './cli/errors.ts';

export const CLOUD_NAMES = ['public', 'usgov', 'usgovhigh', 'dod', 'china'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

/** The one place where Microsoft endpoints are written down. */
export interface Cloud {
  name: CloudName | 'custom';
  authorityHost: string;
  graphEndpoint: string;
  graphScope: string;
  powerPlatformEndpoint: string;
  powerPlatformScope: string;
  /** Asked for when Entra does not know powerPlatformScope's resource (AADSTS500011); see CLOUDS.usgov. */
  powerPlatformScopeFallback?: string;
  /** Dataverse hosts are <org>.<suffix>, or any subdomain of a suffix. */
  dataverseHostSuffixes: string[];
  /** Matched against the whole host too: the public cloud's regions are not a fixed list. */
  dataverseHostPattern?: RegExp;
  /** How the hosts are named in a message, e.g. "crmN.dynamics.com". */
  dataverseHostsText?: string;
  /**
   * Key Vault hosts are <vault>.<suffix> (an IP address matches only itself); absent: no Key Vault (a private
   * cloud that names none). learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#dns-suffixes-for-object-identifiers
   */
  keyVaultSuffix?: string;
  /** The scope of a Key Vault token: one resource for every vault of the cloud. */
  keyVaultScope?: string;
}

/**
 * Every public region's Dataverse host is <org>.crmN.dynamics.com, and Microsoft adds regions
 * (crm22 exists; learn.microsoft.com/power-platform/admin/new-datacenter-regions lists them), so
 * any N is accepted except 9, which is the US Government (GCC) cloud.
 */
const PUBLIC_DATAVERSE_HOST = /^(?:[a-z0-9-]+\.)+crm(?!9\.)\d*\.dynamics\.com$/;

export const CLOUDS: Record<CloudName, Cloud> = {
  public: {
    name: 'public',
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    graphScope: 'https://graph.microsoft.com/.default',
    powerPlatformEndpoint: 'https://api.bap.microsoft.com',
    powerPlatformScope: 'https://service.powerapps.com/.default',
    dataverseHostSuffixes: ['crm.dynamics.com'],
    dataverseHostPattern: PUBLIC_DATAVERSE_HOST,
    dataverseHostsText: 'crmN.dynamics.com',
    keyVaultSuffix: 'vault.azure.net',
    keyVaultScope: 'https://vault.azure.net/.default',
  },
  usgov: {
    name: 'usgov',
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    graphScope: 'https://graph.microsoft.com/.default',
    powerPlatformEndpoint: 'https://gov.api.bap.microsoft.us',
    // GCC and GCC High: Microsoft's own sources name two resources for the Power Platform admin API.
    // Microsoft.PowerApps.Administration.PowerShell (the admins' long-standing module) and Microsoft
    // Learn's endpoint lists use gov.service.powerapps.us / high.service.powerapps.us; the Terraform
    // Power Platform provider uses service.powerapps.us / high.service.apps.appsplatform.us. The
    // first is asked for, the second when Entra answers AADSTS500011 (resource principal not
    // found); whichever works is kept for the rest of the run (auth/token-source.ts).
    powerPlatformScope: 'https://gov.service.powerapps.us/.default',
    powerPlatformScopeFallback: 'https://service.powerapps.us/.default',
    dataverseHostSuffixes: ['crm9.dynamics.com'],
    keyVaultSuffix: 'vault.azure.net',
    keyVaultScope: 'https://vault.azure.net/.default',
  },
  usgovhigh: {
    name: 'usgovhigh',
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
    graphScope: 'https://graph.microsoft.us/.default',
    powerPlatformEndpoint: 'https://high.api.bap.microsoft.us',
    powerPlatformScope: 'https://high.service.powerapps.us/.default',
    powerPlatformScopeFallback: 'https://high.service.apps.appsplatform.us/.default',
    dataverseHostSuffixes: ['crm.microsoftdynamics.us'],
    keyVaultSuffix: 'vault.usgovcloudapi.net',
    keyVaultScope: 'https://vault.usgovcloudapi.net/.default',
  },
  dod: {
    name: 'dod',
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://dod-graph.microsoft.us',
    graphScope: 'https://dod-graph.microsoft.us/.default',
    powerPlatformEndpoint: 'https://api.bap.appsplatform.us',
    powerPlatformScope: 'https://service.apps.appsplatform.us/.default',
    dataverseHostSuffixes: ['crm.appsplatform.us'],
    keyVaultSuffix: 'vault.usgovcloudapi.net',
    keyVaultScope: 'https://vault.usgovcloudapi.net/.default',
  },
  china: {
    name: 'china',
    authorityHost: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    graphScope: 'https://microsoftgraph.chinacloudapi.cn/.default',
    powerPlatformEndpoint: 'https://api.bap.partner.microsoftonline.cn',
    powerPlatformScope: 'https://service.powerapps.cn/.default',
    dataverseHostSuffixes: ['crm.dynamics.cn'],
    keyVaultSuffix: 'vault.azure.cn',
    keyVaultScope: 'https://vault.azure.cn/.default',
  },
};

export function isCloudName(value: string): value is CloudName {
  return (CLOUD_NAMES as readonly string[]).includes(value);
}

const CUSTOM_KEYS = [
  'authorityHost',
  'graphEndpoint',
  'graphScope',
  'powerPlatformEndpoint',
  'powerPlatformScope',
  'dataverseHostSuffixes',
] as const;
/** A private cloud may name a second Power Platform resource too, as GCC's entry does, and its Key Vault. */
const OPTIONAL_CUSTOM_KEYS = ['powerPlatformScopeFallback', 'keyVaultSuffix', 'keyVaultScope'] as const;

/** Limits of a cloud config's fields: DNS's 253-character names and 63-character labels, browsers' 2048-character URLs. */
const MAX_HOST_LENGTH = 253;
const MAX_URL_LENGTH = 2048;
const MAX_SUFFIXES = 50;
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Parses a custom cloud file; every problem is a usage error naming the file and the key (never quoting its value). */
export function parseCustomCloud(text: string, fileName: string): Cloud {
  const bad = (what: string) => new UsageError(`Bad cloud config ${fileName}: ${what}`, { code: 'bad-cloud-config' });
  if (text.length > 65_536) throw bad(`${text.length} characters; a cloud config is a few hundred`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('expected a JSON object');
  const record = data as Record<string, unknown>;
  const allowed: readonly string[] = [...CUSTOM_KEYS, ...OPTIONAL_CUSTOM_KEYS];
  const unknownKey = Object.keys(record).find((key) => !allowed.includes(key));
  if (unknownKey) throw bad(`unknown key "${unknownKey}" (allowed: ${allowed.join(', ')})`);
  for (const key of CUSTOM_KEYS) {
    if (!(key in record)) throw bad(`missing key "${key}"`);
  }
  const httpsUrl = (key: (typeof CUSTOM_KEYS)[number] | (typeof OPTIONAL_CUSTOM_KEYS)[number]): string => {
    const value = record[key];
    if (typeof value !== 'string' || !isHttpsUrl(value)) throw bad(`key "${key}" must be an https:// URL`);
    if (value.length > MAX_URL_LENGTH) throw bad(`key "${key}" is ${value.length} characters; a URL has at most ${MAX_URL_LENGTH}`);
    const url = new URL(value);
    if (url.username || url.password || url.search || url.hash || value.includes('?') || value.includes('#')) {
      throw bad(`key "${key}" must be a plain https:// URL, without user name, password, query or fragment`);
    }
    const hostProblem = hostShapeProblem(url.hostname.replace(/^\[|\]$/g, ''));
    if (hostProblem) throw bad(`key "${key}" has a bad host name: ${hostProblem}`);
    return value.replace(/\/+$/, '');
  };
  const scope = (key: 'graphScope' | 'powerPlatformScope' | 'powerPlatformScopeFallback' | 'keyVaultScope'): string => {
    const value = httpsUrl(key);
    if (!value.endsWith('/.default')) throw bad(`key "${key}" must end with /.default`);
    return value;
  };
  const suffixes = record.dataverseHostSuffixes;
  if (!Array.isArray(suffixes) || suffixes.length === 0 || !suffixes.every((s) => typeof s === 'string' && /^[a-z0-9.-]+$/i.test(s))) {
    throw bad('key "dataverseHostSuffixes" must be a non-empty array of host names');
  }
  if (suffixes.length > MAX_SUFFIXES) throw bad(`key "dataverseHostSuffixes" lists ${suffixes.length} suffixes; at most ${MAX_SUFFIXES}`);
  suffixes.forEach((suffix: string, index) => {
    const problem = hostShapeProblem(suffix.toLowerCase().replace(/^\./, ''));
    if (problem) throw bad(`key "dataverseHostSuffixes" entry ${index + 1}: ${problem}`);
    // One label ("com") would make every host under it a Dataverse host, and its tokens go there.
    if (!suffix.replace(/^\./, '').includes('.'))
      throw bad(`key "dataverseHostSuffixes" entry ${index + 1} is a single label; give a domain such as crm.contoso.example`);
  });
  return {
    name: 'custom',
    authorityHost: httpsUrl('authorityHost'),
    graphEndpoint: httpsUrl('graphEndpoint'),
    graphScope: scope('graphScope'),
    powerPlatformEndpoint: httpsUrl('powerPlatformEndpoint'),
    powerPlatformScope: scope('powerPlatformScope'),
    ...('powerPlatformScopeFallback' in record ? { powerPlatformScopeFallback: scope('powerPlatformScopeFallback') } : {}),
    dataverseHostSuffixes: suffixes.map((s: string) => s.toLowerCase().replace(/^\./, '')),
    ...keyVaultOf(record, bad, scope),
  };
}

/** A private cloud's Key Vault: both keys or neither. */
function keyVaultOf(
  record: Record<string, unknown>,
  bad: (what: string) => UsageError,
  scope: (key: 'keyVaultScope') => string,
): Pick<Cloud, 'keyVaultSuffix' | 'keyVaultScope'> {
  if (!('keyVaultSuffix' in record) && !('keyVaultScope' in record)) return {};
  const suffix = record.keyVaultSuffix;
  if (typeof suffix !== 'string' || !/^[a-z0-9.-]+$/i.test(suffix)) throw bad('key "keyVaultSuffix" must be a host name');
  const problem = hostShapeProblem(suffix.toLowerCase());
  if (problem) throw bad(`key "keyVaultSuffix": ${problem}`);
  if (!isIP(suffix) && !suffix.includes('.'))
    throw bad('key "keyVaultSuffix" is a single label; give a domain such as vault.contoso.example');
  if (!('keyVaultScope' in record)) throw bad('key "keyVaultSuffix" goes with "keyVaultScope"');
  return { keyVaultSuffix: suffix.toLowerCase(), keyVaultScope: scope('keyVaultScope') };
}

/** True when the host is one of this cloud's Key Vaults (<vault>.<suffix>; an IP address matches only itself). */
export function isKeyVaultHost(cloud: Cloud, host: string): boolean {
  const suffix = cloud.keyVaultSuffix;
  if (!suffix) return false;
  const bare = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIP(suffix) || isIP(bare)) return bare === suffix;
  return bare.endsWith(`.${suffix}`) && /^[a-z0-9-]{3,24}$/.test(bare.slice(0, -suffix.length - 1));
}

/** Why a host name (or an IP address) is not one, or undefined. */
function hostShapeProblem(host: string): string | undefined {
  if (isIP(host)) return undefined;
  if (host.length === 0) return 'it is empty';
  if (host.length > MAX_HOST_LENGTH) return `${host.length} characters, more than the ${MAX_HOST_LENGTH} a host name may have`;
  if (!host.split('.').every((label) => HOST_LABEL.test(label)))
    return 'each dot-separated label must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen';
  return undefined;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/** True when the host belongs to this cloud's Dataverse (an IP address matches only itself). */
export function isDataverseHost(cloud: Cloud, host: string): boolean {
  const bare = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (!isIP(bare) && cloud.dataverseHostPattern?.test(bare)) return true;
  return cloud.dataverseHostSuffixes.some((suffix) =>
    isIP(bare) || isIP(suffix) ? bare === suffix : bare === suffix || bare.endsWith(`.${suffix}`),
  );
}

/** The named clouds whose Dataverse the host belongs to, for a hint when it is not this one's. */
export function cloudsOfDataverseHost(host: string): CloudName[] {
  return CLOUD_NAMES.filter((name) => isDataverseHost(CLOUDS[name], host));
}

/** What to pass instead when a Dataverse URL is not this cloud's: crm9.dynamics.com is GCC's (--cloud usgov). */
export function otherCloudHint(host: string): string {
  const clouds = cloudsOfDataverseHost(host);
  if (clouds.length) return `That host is in the ${clouds.join(' or ')} cloud: pass --cloud ${clouds.join(' or --cloud ')}.`;
  return 'For a government or China tenant pass --cloud usgov|usgovhigh|dod|china; for a private cloud, --cloud-config.';
}

/** "crmN.dynamics.com", or the first few suffixes. */
export function describeDataverseHosts(cloud: Cloud): string {
  if (cloud.dataverseHostsText) return cloud.dataverseHostsText;
  const shown = cloud.dataverseHostSuffixes.slice(0, 3).join(', ');
  return cloud.dataverseHostSuffixes.length > 3 ? `${shown}…` : shown;
}

/** The user's name for a service by its host (with port), so progress lines say "Dataverse", not a host. */
export function serviceOfHost(cloud: Cloud, host: string): string | undefined {
  const hostOf = (url: string) => new URL(url).host.toLowerCase();
  const wanted = host.toLowerCase();
  if (wanted === hostOf(cloud.authorityHost)) return 'Entra';
  if (wanted === hostOf(cloud.graphEndpoint)) return 'Microsoft Graph';
  if (wanted === hostOf(cloud.powerPlatformEndpoint)) return 'Power Platform';
  const hostname = new URL(`https://${host}`).hostname;
  if (isDataverseHost(cloud, hostname)) return 'Dataverse';
  return isKeyVaultHost(cloud, hostname) ? 'Key Vault' : undefined;
}

/** The scope of a Dataverse token for an environment: its origin plus /.default. */
export function dataverseScope(environmentUrl: string): string {
  return `${new URL(environmentUrl).origin}/.default`;
}

/** Custom clouds get no instance discovery: there is no Microsoft metadata endpoint to ask. */
export function disableInstanceDiscovery(cloud: Cloud): boolean {
  return cloud.name === 'custom';
}

/** Entra's OAuth endpoints for a tenant: v2 (what dynauth uses) and v1 (what older products' forms ask for). */
export function oauthEndpoints(cloud: Cloud, tenantId: string) {
  const base = `${cloud.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}`;
  return {
    /** The `iss` of v2 id tokens. */
    issuer: `${base}/v2.0`,
    authorize: `${base}/oauth2/v2.0/authorize`,
    token: `${base}/oauth2/v2.0/token`,
    deviceCode: `${base}/oauth2/v2.0/devicecode`,
    authorizeV1: `${base}/oauth2/authorize`,
    tokenV1: `${base}/oauth2/token`,
  };
}

/** The delegated scope a user-acting integration asks for: the environment's user_impersonation. */
export function dataverseUserScope(environmentUrl: string): string {
  return `${new URL(environmentUrl).origin}/user_impersonation`;
}
