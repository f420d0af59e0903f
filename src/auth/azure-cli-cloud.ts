import { execFile } from 'node:child_process';
import { UsageError } from '../cli/errors.ts';
import { CLOUD_NAMES, CLOUDS, type Cloud, type CloudName } from '../clouds.ts';
import type { Env } from '../deps.ts';

/** The Azure CLI's name of the cloud each of dynauth's clouds signs in to (GCC tenants live in AzureCloud). */
const AZ_CLOUD_NAMES: Record<CloudName, string> = {
  public: 'AzureCloud',
  usgov: 'AzureCloud',
  usgovhigh: 'AzureUSGovernment',
  dod: 'AzureUSGovernment',
  china: 'AzureChinaCloud',
};

export interface AzureCliCloud {
  name: string;
  /** endpoints.activeDirectory: where az's tokens come from. */
  authorityHost: string;
}

/**
 * az's active cloud (`az cloud show`), or undefined when az is not installed, too slow, or says
 * something unexpected: then @azure/identity's AzureCliCredential reports what is wrong itself.
 */
export async function readAzureCliCloud(
  host: { env: Env; platform: NodeJS.Platform; signal: AbortSignal },
  timeoutMs = 10_000,
): Promise<AzureCliCloud | undefined> {
  const { env, signal } = host;
  const windows = host.platform === 'win32';
  const stdout = await new Promise<string | undefined>((resolve) => {
    execFile(
      'az',
      ['cloud', 'show', '--output', 'json'],
      // As AzureCliCredential runs az: from a directory no one else writes, so no az in the current one is run.
      {
        env,
        signal,
        timeout: timeoutMs,
        shell: windows,
        cwd: windows ? (env.SystemRoot ?? 'C:\\Windows') : '/bin',
        encoding: 'utf8',
        windowsHide: true,
      },
      (error, out) => resolve(error ? undefined : out),
    );
  });
  if (!stdout) return undefined;
  try {
    const shown = JSON.parse(stdout) as { name?: unknown; endpoints?: { activeDirectory?: unknown } };
    const authority = shown.endpoints?.activeDirectory;
    if (typeof shown.name !== 'string' || typeof authority !== 'string') return undefined;
    return { name: shown.name, authorityHost: authority };
  } catch {
    return undefined;
  }
}

/** az hands out tokens of its own active cloud only: a different one than --cloud cannot work. */
export function azureCliCloudMismatch(az: AzureCliCloud, cloud: Cloud): UsageError | undefined {
  const azHost = hostOf(az.authorityHost);
  const ourHost = hostOf(cloud.authorityHost);
  if (!azHost || azHost === ourHost) return undefined;
  const matching = CLOUD_NAMES.filter((name) => hostOf(CLOUDS[name].authorityHost) === azHost);
  const switchAz =
    cloud.name === 'custom'
      ? 'register this cloud with `az cloud register` and select it with `az cloud set`'
      : `run \`az cloud set --name ${AZ_CLOUD_NAMES[cloud.name]}\` and \`az login\``;
  return new UsageError(`The Azure CLI is set to the ${az.name} cloud (${azHost}), but dynauth to the ${cloud.name} cloud (${ourHost}).`, {
    hint: matching.length ? `Pass --cloud ${matching.join(' or --cloud ')} to use az's, or ${switchAz}.` : `To use az, ${switchAz}.`,
    code: 'azure-cli-cloud-mismatch',
  });
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}
