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
  dataverseHostSuffixes: string[];
}

const publicDataverseSuffixes = [
  'crm.dynamics.com',
  ...[2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21].map((n) => `crm${n}.dynamics.com`),
];

export const CLOUDS: Record<CloudName, Cloud> = {
  public: {
    name: 'public',
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    graphScope: 'https://graph.microsoft.com/.default',
    powerPlatformEndpoint: 'https://api.bap.microsoft.com',
    powerPlatformScope: 'https://service.powerapps.com/.default',
    dataverseHostSuffixes: publicDataverseSuffixes,
  },
  usgov: {
    name: 'usgov',
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    graphScope: 'https://graph.microsoft.com/.default',
    powerPlatformEndpoint: 'https://gov.api.bap.microsoft.us',
    powerPlatformScope: 'https://service.powerapps.us/.default',
    dataverseHostSuffixes: ['crm9.dynamics.com'],
  },
  usgovhigh: {
    name: 'usgovhigh',
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
    graphScope: 'https://graph.microsoft.us/.default',
    powerPlatformEndpoint: 'https://high.api.bap.microsoft.us',
    powerPlatformScope: 'https://high.service.apps.appsplatform.us/.default',
    dataverseHostSuffixes: ['crm.microsoftdynamics.us'],
  },
  dod: {
    name: 'dod',
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://dod-graph.microsoft.us',
    graphScope: 'https://dod-graph.microsoft.us/.default',
    powerPlatformEndpoint: 'https://api.bap.appsplatform.us',
    powerPlatformScope: 'https://service.apps.appsplatform.us/.default',
    dataverseHostSuffixes: ['crm.appsplatform.us'],
  },
  china: {
    name: 'china',
    authorityHost: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    graphScope: 'https://microsoftgraph.chinacloudapi.cn/.default',
    powerPlatformEndpoint: 'https://api.bap.partner.microsoftonline.cn',
    powerPlatformScope: 'https://service.powerapps.cn/.default',
    dataverseHostSuffixes: ['crm.dynamics.cn'],
  },
};

export function isCloudName(value: string): value is CloudName {
  return (CLOUD_NAMES as readonly string[]).includes(value);
}

const CUSTOM_KEYS = ['authorityHost', 'graphEndpoint', 'graphScope', 'powerPlatformEndpoint', 'powerPlatformScope', 'dataverseHostSuffixes'] as const;

/** Parses a custom cloud file; every problem is a usage error naming the file and the key. */
export function parseCustomCloud(text: string, fileName: string): Cloud {
  const bad = (what: string) => new UsageError(`Bad cloud config ${fileName}: ${what}`, { code: 'bad-cloud-config' });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw bad('not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('expected a JSON object');
  const record = data as Record<string, unknown>;
  const unknownKey = Object.keys(record).find((key) => !(CUSTOM_KEYS as readonly string[]).includes(key));
  if (unknownKey) throw bad(`unknown key "${unknownKey}" (allowed: ${CUSTOM_KEYS.join(', ')})`);
  for (const key of CUSTOM_KEYS) {
    if (!(key in record)) throw bad(`missing key "${key}"`);
  }
  const httpsUrl = (key: (typeof CUSTOM_KEYS)[number]): string => {
    const value = record[key];
    if (typeof value !== 'string' || !isHttpsUrl(value)) throw bad(`key "${key}" must be an https:// URL`);
    return value.replace(/\/+$/, '');
  };
  const scope = (key: 'graphScope' | 'powerPlatformScope'): string => {
    const value = httpsUrl(key);
    if (!value.endsWith('/.default')) throw bad(`key "${key}" must end with /.default`);
    return value;
  };
  const suffixes = record.dataverseHostSuffixes;
  if (!Array.isArray(suffixes) || suffixes.length === 0 || !suffixes.every((s) => typeof s === 'string' && /^[a-z0-9.-]+$/i.test(s))) {
    throw bad('key "dataverseHostSuffixes" must be a non-empty array of host names');
  }
  return {
    name: 'custom',
    authorityHost: httpsUrl('authorityHost'),
    graphEndpoint: httpsUrl('graphEndpoint'),
    graphScope: scope('graphScope'),
    powerPlatformEndpoint: httpsUrl('powerPlatformEndpoint'),
    powerPlatformScope: scope('powerPlatformScope'),
    dataverseHostSuffixes: suffixes.map((s: string) => s.toLowerCase().replace(/^\./, '')),
  };
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
  return cloud.dataverseHostSuffixes.some((suffix) =>
    isIP(bare) || isIP(suffix) ? bare === suffix : bare === suffix || bare.endsWith(`.${suffix}`),
  );
}

/** The scope of a Dataverse token for an environment: its origin plus /.default. */
export function dataverseScope(environmentUrl: string): string {
  return `${new URL(environmentUrl).origin}/.default`;
}

/** Custom clouds get no instance discovery: there is no Microsoft metadata endpoint to ask. */
export function disableInstanceDiscovery(cloud: Cloud): boolean {
  return cloud.name === 'custom';
}
