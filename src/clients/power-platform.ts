import type { TokenSource } from '../auth/token-source.ts';
import { ExitCode } from '../cli/errors.ts';
import { describeDataverseHosts, isDataverseHost, type Cloud } from '../clouds.ts';
import type { Http } from '../http/http.ts';
import { quoteServerText } from '../http/server-text.ts';
import { BAP_API_VERSION } from '../microsoft.ts';
import { ApiError, readErrorBody } from './api-error.ts';
import { pageLinks } from './paging.ts';
import { readJson, unexpectedAnswer } from './read-json.ts';

export interface Environment {
  id: string;
  displayName: string;
  type: string;
  region: string;
  isDefault: boolean;
  /** Undefined when the environment has no Dataverse database, or its address is not this cloud's Dataverse. */
  url: string | undefined;
  /** The address Power Platform gave when it is not a Dataverse host of this cloud. */
  offCloud?: OffCloudAddress;
  uniqueName: string | undefined;
  domainName: string | undefined;
}

export interface OffCloudAddress {
  /** Cut to a quotable length. */
  url: string;
  /** "the public cloud (crmN.dynamics.com)". */
  cloud: string;
}

export interface PowerPlatformApi {
  listEnvironments(): Promise<Environment[]>;
}

/** The Power Platform admin (BAP) API: only the environment list; dynauth never registers management apps. */
export function createPowerPlatformApi(cloud: Cloud, http: Http, getToken: TokenSource): PowerPlatformApi {
  const base = `${cloud.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin`;
  const operation = 'the request to list environments';
  return {
    async listEnvironments() {
      const environments: Environment[] = [];
      const first = `${base}/environments?api-version=${BAP_API_VERSION}`;
      const follow = pageLinks('Power Platform', operation, first, `${base}/environments`);
      for (let url: string | undefined = first; url; ) {
        const response = await http.request(url, {
          headers: { Authorization: `Bearer ${await getToken(cloud.powerPlatformScope)}`, Accept: 'application/json' },
        });
        if (!response.ok) throw await bapError(response);
        const page = await readJson<{ value?: unknown; nextLink?: unknown }>(response, 'Power Platform', operation);
        if (!Array.isArray(page.value)) throw unexpectedAnswer('Power Platform', operation, 'no list of environments');
        environments.push(...page.value.flatMap((raw) => toEnvironment(cloud, raw)));
        url = follow(page.nextLink);
      }
      return environments;
    },
  };
}

/** An entry without a name is no environment and is left out; every field is read as what it should be. */
function toEnvironment(cloud: Cloud, raw: unknown): Environment[] {
  const record = object(raw);
  const id = text(record.name);
  if (!id) return [];
  const properties = object(record.properties);
  const linked = object(properties.linkedEnvironmentMetadata);
  const instanceUrl = text(linked.instanceUrl);
  const url = instanceUrl === undefined ? undefined : dataverseOrigin(cloud, instanceUrl);
  return [
    {
      id,
      displayName: text(properties.displayName) ?? id,
      type: text(properties.environmentSku) ?? 'Unknown',
      region: text(properties.azureRegion) ?? text(record.location) ?? '',
      isDefault: properties.isDefault === true,
      url,
      ...(instanceUrl !== undefined && url === undefined
        ? { offCloud: { url: quoteServerText(instanceUrl, 200), cloud: `the ${cloud.name} cloud (${describeDataverseHosts(cloud)})` } }
        : {}),
      uniqueName: text(linked.uniqueName),
      domainName: text(linked.domainName),
    },
  ];
}

/**
 * The origin of an instance URL Power Platform hands over, checked as a --environment URL is: https,
 * no user info, a Dataverse host of this cloud. Anything else is never sent a token (issue 14: an
 * off-cloud instanceUrl had the admin's Dataverse token requested for it).
 */
function dataverseOrigin(cloud: Cloud, instanceUrl: string): string | undefined {
  if (instanceUrl.length > MAX_URL_LENGTH) return undefined;
  let url: URL;
  try {
    url = new URL(instanceUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username || url.password || !isDataverseHost(cloud, url.hostname)) return undefined;
  return url.origin;
}

const MAX_URL_LENGTH = 2048;

function object(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A non-empty string, else undefined. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

async function bapError(response: Response): Promise<ApiError> {
  const { code, message } = await readErrorBody(response);
  const denied = response.status === 401 || response.status === 403;
  return new ApiError({
    service: 'power-platform',
    status: response.status,
    remoteCode: code,
    remoteMessage: message,
    message: denied
      ? 'Your account may not list Power Platform environments.'
      : `Could not list Power Platform environments: ${message || `HTTP ${response.status}`}${code ? ` (${code})` : ''}.`,
    hint: denied ? 'Sign in as a Power Platform administrator or Dynamics 365 administrator, or pass --environment <URL>.' : undefined,
    exitCode: denied ? ExitCode.auth : undefined,
  });
}
