// What `dynauth export --format` prints: the same facts as a ServiceClient connection string,
// KEY=value lines, one JSON object, or labelled lines to copy into a vendor's form.
import type { ExportFacts } from '../../connection/export-facts.ts';

export const EXPORT_FORMATS = ['connection-string', 'env', 'json', 'fields'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The facts as one format's text (a federated profile has no connection string: see `connectionString`). */
export function render(format: ExportFormat, facts: ExportFacts, options: { certificatePath?: string }): string {
  switch (format) {
    case 'connection-string':
      return connectionString(facts) ?? '';
    case 'env':
      return envLines(facts, options.certificatePath);
    case 'json':
      return JSON.stringify(exportJson(facts), null, 2);
    case 'fields':
      return fieldLines(facts);
  }
}

/**
 * An app-user profile's stored connection string; a delegated profile's in the ServiceClient's OAuth
 * form (learn.microsoft.com/power-apps/developer/data-platform/xrm-tooling/use-connection-strings-xrm-tooling-connect),
 * which holds no secret; none for a federated profile (there is no secret to put in one).
 */
export function connectionString(facts: ExportFacts): string | undefined {
  if (facts.kind === 'app-user') return facts.storedConnectionString;
  if (facts.kind !== 'delegated') return undefined;
  const pairs: Array<[string, string | undefined]> = [
    ['AuthType', 'OAuth'],
    ['Url', facts.environmentUrl],
    ['ClientId', facts.clientId],
    ['RedirectUri', facts.redirectUris[0]],
    ['Username', facts.userPrincipalName],
    ['TenantId', facts.tenantId],
    ['LoginPrompt', 'Never'],
  ];
  return pairs
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([key, value]) => `${key}=${quoteConnectionValue(value)}`)
    .join(';');
}

function quoteConnectionValue(value: string): string {
  return /[;='"\p{Cc}]/u.test(value) || value !== value.trim() ? `'${value.replaceAll("'", "''")}'` : value;
}

/**
 * DATAVERSE_URL and DATAVERSE_API_URL, then, for an app-user or federated profile, the names
 * @azure/identity's EnvironmentCredential and the Azure SDKs read (AZURE_*). A delegated profile
 * gets DATAVERSE_* names only: AZURE_CLIENT_ID with AZURE_CLIENT_SECRET would make EnvironmentCredential
 * (and DefaultAzureCredential, and managed identity through AZURE_CLIENT_ID) try client credentials,
 * which its app cannot use (it has no application user in Dataverse).
 */
function envLines(facts: ExportFacts, certificatePath: string | undefined): string {
  const credentials: Array<[string, string | undefined]> =
    facts.kind === 'delegated'
      ? [
          ['DATAVERSE_AUTHORITY_HOST', facts.authorityHost],
          ['DATAVERSE_TOKEN_URL', facts.tokenUrl.v2],
          ['DATAVERSE_SCOPE', facts.scope],
          ['DATAVERSE_TENANT_ID', facts.tenantId],
          ['DATAVERSE_CLIENT_ID', facts.clientId],
          ['DATAVERSE_CLIENT_SECRET', facts.clientSecret],
          ['DATAVERSE_REDIRECT_URI', facts.redirectUris[0]],
          ['DATAVERSE_REFRESH_TOKEN', facts.refreshToken],
        ]
      : [
          ['AZURE_AUTHORITY_HOST', facts.authorityHost],
          ['AZURE_TENANT_ID', facts.tenantId],
          ['AZURE_CLIENT_ID', facts.clientId],
          ['AZURE_CLIENT_SECRET', facts.clientSecret],
          ['AZURE_CLIENT_CERTIFICATE_PATH', facts.certificateFile ? certificatePath : undefined],
        ];
  const lines: Array<[string, string | undefined]> = [
    ['DATAVERSE_URL', facts.environmentUrl],
    ['DATAVERSE_API_URL', facts.apiUrl],
    ...credentials,
  ];
  return lines
    .filter((line): line is [string, string] => line[1] !== undefined)
    .map(([key, value]) => `${key}=${shellQuote(value)}`)
    .join('\n');
}

/** Quoted only when needed, so the lines read the same in a shell, a .env file and docker --env-file (which keeps quotes: so, rarely). */
function shellQuote(value: string): string {
  return /^[\w.:/@%+,=-]*$/.test(value) && !value.startsWith('~') ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export function exportJson(facts: ExportFacts): Record<string, unknown> {
  return {
    profile: facts.profile,
    flow: facts.kind,
    tenantId: facts.tenantId,
    clientId: facts.clientId,
    ...(facts.clientSecret !== undefined ? { clientSecret: facts.clientSecret } : {}),
    ...(facts.certificateThumbprint !== undefined ? { certificateThumbprint: facts.certificateThumbprint } : {}),
    ...(facts.refreshToken !== undefined ? { refreshToken: facts.refreshToken } : {}),
    environmentUrl: facts.environmentUrl,
    apiUrl: facts.apiUrl,
    authorizationUrl: facts.authorizationUrl,
    tokenUrl: facts.tokenUrl,
    grantType: facts.grantType,
    scope: facts.scope,
    ...(facts.redirectUris.length ? { redirectUri: facts.redirectUris[0], redirectUris: facts.redirectUris } : {}),
    ...(facts.userPrincipalName !== undefined ? { userPrincipalName: facts.userPrincipalName } : {}),
    ...(connectionString(facts) !== undefined ? { connectionString: connectionString(facts) } : {}),
  };
}

function fieldLines(facts: ExportFacts): string {
  const secret =
    facts.clientSecret ??
    (facts.kind === 'federated'
      ? '(none: federated credentials, no secret)'
      : facts.publicClient
        ? '(none: a public client; leave it blank)'
        : facts.certificateThumbprint
          ? `(none: certificate ${facts.certificateThumbprint})`
          : undefined);
  const rows: Array<[string, string | undefined]> = [
    ['Name', facts.profile],
    ['Tenant ID', facts.tenantId],
    ['Client ID', facts.clientId],
    ['Client secret', secret],
    ['Refresh token', facts.refreshToken],
    ['Authorization URL (v2)', facts.authorizationUrl.v2],
    ['Token URL (v2)', facts.tokenUrl.v2],
    ['Authorization URL (v1)', facts.authorizationUrl.v1],
    ['Token URL (v1)', facts.tokenUrl.v1],
    ['Resource (v1)', facts.environmentUrl],
    ['Scope (v2)', facts.scope],
    ['API URL', facts.apiUrl],
    // One URI per form field as a rule: several (a product's own callback besides http://localhost) are listed as such.
    [facts.redirectUris.length > 1 ? 'Redirect URIs' : 'Redirect URI', facts.redirectUris.join(', ') || undefined],
    ['Grant type', facts.grantType],
    ['User', facts.userPrincipalName],
  ];
  const shown = rows.filter((row): row is [string, string] => row[1] !== undefined);
  const width = Math.max(...shown.map(([label]) => label.length)) + 1;
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join('\n');
}

/** Whether the output of this format holds a secret (so it goes to a terminal only with --show-secret). */
export function holdsSecret(format: ExportFormat, facts: ExportFacts): boolean {
  if (format === 'connection-string') return facts.kind === 'app-user' && facts.clientSecret !== undefined;
  return facts.clientSecret !== undefined || facts.refreshToken !== undefined;
}
