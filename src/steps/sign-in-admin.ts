import { authorityFailure, isEndpointResolutionError } from '../auth/authority-failure.ts';
import { azureCliCloudMismatch, readAzureCliCloud } from '../auth/azure-cli-cloud.ts';
import { adminSignInError } from '../auth/token-error.ts';
import { DynauthError } from '../cli/errors.ts';
import type { NetworkError } from '../http/network-error.ts';
import { createAdminCredential, defaultAuthMethod } from '../auth/admin-credential.ts';
import { tokenSource, type TokenSource } from '../auth/token-source.ts';
import { createDataverseApi, type DataverseApi } from '../clients/dataverse.ts';
import { createGraphApi, type GraphApi, type Organization } from '../clients/graph.ts';
import { quoteServerText } from '../http/server-text.ts';
import { createPowerPlatformApi, type Environment, type PowerPlatformApi } from '../clients/power-platform.ts';
import type { Cloud } from '../clouds.ts';
import type { AuthMethod } from '../auth/methods.ts';
import type { Deps } from '../deps.ts';

export interface AdminSession {
  method: AuthMethod;
  tenantId: string;
  graph: GraphApi;
  powerPlatform: PowerPlatformApi;
  dataverse(environmentUrl: string): DataverseApi;
  /** The admin's tokens for any scope of the cloud (Key Vault, for --push). */
  token: TokenSource;
}

/** Signs the admin in with @azure/identity and says who is signed in to which tenant. */
export async function signInAdmin(
  deps: Pick<
    Deps,
    'ui' | 'env' | 'platform' | 'http' | 'fetch' | 'cancellation' | 'canOpenBrowser' | 'prepareFetch' | 'whenWaitingOnNetwork'
  >,
  cloud: Cloud,
  choice: { auth: AuthMethod | undefined; tenant: string | undefined },
  /** What the command needs next, fetched while the tenant is read: tokens, the environment list. */
  prefetch: { scopes?: string[]; environments?: boolean } = {},
): Promise<AdminSession> {
  const method = choice.auth ?? defaultAuthMethod(deps.canOpenBrowser);
  deps.ui.step(`Signing in (${method})…`);
  let unanswered: NetworkError | undefined;
  const credential = await createAdminCredential({
    method,
    tenant: choice.tenant,
    cloud,
    env: deps.env,
    tell: (message) => deps.ui.notice(message),
    watch: { trace: (line) => deps.ui.verbose(line), onNetwork: (failure) => (unanswered = failure) },
  });
  const getToken: TokenSource = tokenSource(
    credential,
    deps.cancellation.signal,
    (error) => adminSignInError(error, { method, tenant: choice.tenant, cloud: cloud.name, unanswered }),
    { fallbacks: { [cloud.powerPlatformScope]: cloud.powerPlatformScopeFallback } },
  );
  const graph = createGraphApi(cloud, deps.http, getToken);
  // What the calls after the sign-in need is loaded while its first request waits for an answer.
  deps.whenWaitingOnNetwork(() => {
    deps.prepareFetch();
    graph.prepare();
  });
  // az signs in to its own active cloud only: another one than --cloud is said first, whatever az answers.
  const azCloudMismatch = method === 'azure-cli' ? checkAzureCliCloud(deps, cloud) : undefined;
  // One sign-in first; the calls below then share its token.
  await getToken(cloud.graphScope).catch(async (error: unknown) => {
    throw (await azCloudMismatch) ?? (await explainSignInFailure(error, deps.fetch, cloud, { method, tenant: choice.tenant }));
  });
  const mismatch = await azCloudMismatch;
  if (mismatch) throw mismatch;
  for (const scope of prefetch.scopes ?? []) getToken(scope).catch(() => {}); // a failure surfaces on first real use
  const powerPlatform = createPowerPlatformApi(cloud, deps.http, getToken);
  const listed = prefetch.environments ? listedAhead(powerPlatform) : powerPlatform;
  // The tenant and user are read after the prefetches have gone out: those lead to the next steps.
  await new Promise((resolve) => setImmediate(resolve));
  const [organization, user] = await Promise.all([graph.organization(), graph.signedInUser()]);
  // Before anything is made: the tenant Graph answers for must be the one asked for.
  const wrongTenant = tenantMismatch(organization, choice.tenant);
  if (wrongTenant) throw wrongTenant;
  const signedInAs = quoteServerText(user?.userPrincipalName ?? `app ${deps.env.AZURE_CLIENT_ID ?? ''}`.trim());
  deps.ui.success(`Signed in as ${signedInAs} to ${quoteServerText(organization.displayName)} (tenant ${organization.id})`);
  return {
    method,
    tenantId: organization.id,
    graph,
    powerPlatform: listed,
    dataverse: (url) => createDataverseApi(url, deps.http, getToken, 'admin'),
    token: getToken,
  };
}

/**
 * --tenant names a tenant by id or by one of its verified domains; Graph's /organization answering
 * for another (a proxy, a misconfigured private cloud) would have objects made in, and the profile
 * recording, a tenant nobody asked for (issue 14).
 */
export function tenantMismatch(organization: Organization, tenant: string | undefined): DynauthError | undefined {
  if (!tenant) return undefined;
  const wanted = tenant.toLowerCase();
  if (organization.id.toLowerCase() === wanted || organization.verifiedDomains.some((domain) => domain.name.toLowerCase() === wanted))
    return undefined;
  const domain = organization.verifiedDomains.find((d) => d.isDefault)?.name ?? organization.verifiedDomains[0]?.name;
  return new DynauthError(
    `Microsoft Graph answered for tenant ${organization.id}${domain ? ` (${quoteServerText(domain, 100)})` : ''}, not --tenant ${tenant} that was signed in to; nothing was changed.`,
    {
      hint: "A proxy or a misconfigured --cloud-config may be answering in Microsoft Graph's place; check them, or pass the tenant you mean with --tenant.",
      code: 'tenant-mismatch',
    },
  );
}

/** Starts listing now; the first caller gets that list (or its failure), later callers a fresh one. */
function listedAhead(api: PowerPlatformApi): PowerPlatformApi {
  let ahead: Promise<Environment[]> | undefined = api.listEnvironments();
  ahead.catch(() => {});
  return {
    listEnvironments() {
      const list = ahead ?? api.listEnvironments();
      ahead = undefined;
      return list;
    },
  };
}

async function checkAzureCliCloud(
  deps: Pick<Deps, 'env' | 'platform' | 'cancellation' | 'ui'>,
  cloud: Cloud,
): Promise<DynauthError | undefined> {
  const az = await readAzureCliCloud({ env: deps.env, platform: deps.platform, signal: deps.cancellation.signal });
  deps.ui.verbose(az ? `az's active cloud: ${az.name} (${az.authorityHost})` : "az's active cloud could not be read; not checked");
  return az && azureCliCloudMismatch(az, cloud);
}

/** MSAL hides an unknown tenant behind "endpoints_resolution_error": ask Entra itself what is wrong. */
async function explainSignInFailure(
  error: unknown,
  fetcher: typeof fetch,
  cloud: Cloud,
  context: { method: AuthMethod; tenant: string | undefined },
): Promise<unknown> {
  const cause = error instanceof DynauthError ? error.cause : error;
  if (!context.tenant || !isEndpointResolutionError(cause)) return error;
  const recovered = await authorityFailure(fetcher, cloud, context.tenant, 10_000);
  return recovered ? adminSignInError(recovered, { ...context, cloud: cloud.name }) : error;
}
