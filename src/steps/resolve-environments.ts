import { ApiError } from '../clients/api-error.ts';
import type { Environment, OffCloudAddress, PowerPlatformApi } from '../clients/power-platform.ts';
import { DynauthError, UsageError } from '../cli/errors.ts';
import type { Deps } from '../deps.ts';
import { quoteServerText } from '../http/server-text.ts';

export interface TargetEnvironment {
  id: string;
  url: string;
  uniqueName: string;
  displayName: string;
}

/**
 * Turns --environment selectors (id, URL or unique name) into Dataverse environments, or asks
 * which one when none was given. Only environments with Dataverse are offered.
 */
export async function resolveEnvironments(
  deps: Pick<Deps, 'ui' | 'prompter' | 'canPrompt'>,
  powerPlatform: PowerPlatformApi,
  selectors: string[],
): Promise<TargetEnvironment[]> {
  let listed: Environment[] | undefined;
  try {
    listed = await powerPlatform.listEnvironments();
  } catch (error) {
    // Without Power Platform admin rights an explicit URL still works: Dataverse itself decides.
    if (!(error instanceof ApiError && error.exitCode === 4 && selectors.length && selectors.every(isUrl))) throw error;
    deps.ui.warn(`${error.message} Using the URL${selectors.length > 1 ? 's' : ''} as given.`);
  }
  if (!listed) return selectors.map(fromUrlOnly);
  const withDataverse = listed.filter((environment) => environment.url);
  if (!selectors.length) {
    for (const { displayName, offCloud: address } of listed)
      if (address) deps.ui.warn(`${offCloud(displayName, address).message} It is left out.`);
    return [await askForEnvironment(deps, withDataverse, listed.length)];
  }
  return selectors.map((selector) => match(selector, listed, withDataverse));
}

function match(selector: string, all: Environment[], withDataverse: Environment[]): TargetEnvironment {
  const wanted = selector.toLowerCase().replace(/\/+$/, '');
  const found = all.find(
    (environment) =>
      environment.id.toLowerCase() === wanted ||
      environment.uniqueName?.toLowerCase() === wanted ||
      environment.url?.toLowerCase() === wanted ||
      (environment.url !== undefined && new URL(environment.url).host.toLowerCase() === wanted) ||
      environment.displayName.toLowerCase() === wanted,
  );
  if (!found) {
    throw new UsageError(`No environment "${selector}" in this tenant.`, {
      hint: `Dataverse environments: ${listOf(withDataverse)}.`,
    });
  }
  if (found.offCloud) throw offCloud(found.displayName, found.offCloud);
  if (!found.url) {
    throw new UsageError(`Environment "${found.displayName}" has no Dataverse database, so it has no application users.`, {
      hint: 'Add a Dataverse database to it in the Power Platform admin center, or pick another environment.',
    });
  }
  return toTarget(found);
}

async function askForEnvironment(
  deps: Pick<Deps, 'prompter' | 'canPrompt'>,
  withDataverse: Environment[],
  total: number,
): Promise<TargetEnvironment> {
  if (!withDataverse.length) {
    throw new UsageError(`None of the tenant's ${total} environments has a Dataverse database.`);
  }
  const chosen = await deps.prompter.select({
    message: 'Which Dataverse environment?',
    choices: withDataverse.map((environment) => ({
      name: `${environment.displayName}  ${environment.type}, ${environment.region}  ${environment.url}`,
      value: environment,
    })),
  });
  return toTarget(chosen);
}

/** Power Platform named an address outside this cloud's Dataverse: no token is asked for it, nothing is sent there. */
function offCloud(displayName: string, address: OffCloudAddress): DynauthError {
  return new DynauthError(
    `Power Platform gave environment "${quoteServerText(displayName, 200)}" the address ${address.url}, which is not a Dataverse host of ${address.cloud}; dynauth will not send it a token.`,
    {
      hint: "If the environment is real, pass its Dataverse URL with --environment. A proxy or a misconfigured --cloud-config (its dataverseHostSuffixes) may be answering in Power Platform's place.",
      code: 'off-cloud-environment-url',
    },
  );
}

/** The first few, each cut to a quotable length: a tenant may have hundreds. */
function listOf(environments: Environment[]): string {
  const shown = environments.slice(0, 10).map((e) => quoteServerText(`${e.uniqueName} (${e.url})`, 200));
  if (environments.length > shown.length) shown.push(`and ${environments.length - shown.length} more`);
  return shown.join(', ') || 'none';
}

function toTarget(environment: Environment): TargetEnvironment {
  const url = environment.url!;
  return {
    id: environment.id,
    url,
    uniqueName: environment.uniqueName ?? environment.domainName ?? new URL(url).hostname.split('.')[0]!,
    displayName: environment.displayName,
  };
}

function fromUrlOnly(selector: string): TargetEnvironment {
  const url = new URL(selector).origin;
  const name = new URL(url).hostname.split('.')[0]!;
  return { id: '', url, uniqueName: name, displayName: name };
}

function isUrl(selector: string): boolean {
  return /^https:\/\//i.test(selector);
}
