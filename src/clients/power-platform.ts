import type { TokenSource } from '../auth/token-source.ts';
import { ExitCode } from '../cli/errors.ts';
import type { Cloud } from '../clouds.ts';
import type { Http } from '../http/http.ts';
import { BAP_API_VERSION } from '../microsoft.ts';
import { ApiError, readErrorBody } from './api-error.ts';

export interface Environment {
  id: string;
  displayName: string;
  type: string;
  region: string;
  isDefault: boolean;
  /** Undefined when the environment has no Dataverse database. */
  url: string | undefined;
  uniqueName: string | undefined;
  domainName: string | undefined;
}

export interface PowerPlatformApi {
  listEnvironments(): Promise<Environment[]>;
}

interface RawEnvironment {
  name: string;
  location?: string;
  properties?: {
    displayName?: string;
    environmentSku?: string;
    azureRegion?: string;
    isDefault?: boolean;
    linkedEnvironmentMetadata?: { instanceUrl?: string; uniqueName?: string; domainName?: string };
  };
}

/** The Power Platform admin (BAP) API: only the environment list; dynauth never registers management apps. */
export function createPowerPlatformApi(cloud: Cloud, http: Http, getToken: TokenSource): PowerPlatformApi {
  const base = `${cloud.powerPlatformEndpoint}/providers/Microsoft.BusinessAppPlatform/scopes/admin`;
  return {
    async listEnvironments() {
      const environments: Environment[] = [];
      let url: string | undefined = `${base}/environments?api-version=${BAP_API_VERSION}`;
      while (url) {
        const response = await http.request(url, {
          headers: { Authorization: `Bearer ${await getToken(cloud.powerPlatformScope)}`, Accept: 'application/json' },
        });
        if (!response.ok) throw await bapError(response);
        const page = (await response.json()) as { value: RawEnvironment[]; nextLink?: string };
        environments.push(...page.value.map(toEnvironment));
        url = page.nextLink;
      }
      return environments;
    },
  };
}

function toEnvironment(raw: RawEnvironment): Environment {
  const properties = raw.properties ?? {};
  const linked = properties.linkedEnvironmentMetadata ?? {};
  return {
    id: raw.name,
    displayName: properties.displayName ?? raw.name,
    type: properties.environmentSku ?? 'Unknown',
    region: properties.azureRegion ?? raw.location ?? '',
    isDefault: properties.isDefault === true,
    url: linked.instanceUrl ? linked.instanceUrl.replace(/\/+$/, '') : undefined,
    uniqueName: linked.uniqueName || undefined,
    domainName: linked.domainName || undefined,
  };
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
