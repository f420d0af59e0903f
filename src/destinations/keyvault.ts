// An Azure Key Vault secret holding the connection string, with a content type, the credential's
// expiry (exp) and tags saying whose it is; a certificate credential goes in as a Key Vault
// certificate (PEM import). The SDKs (@azure/keyvault-secrets, -certificates) sign in with the
// admin's credential through the vault's 401 challenge, and send through dynauth's HTTP layer.
import { isIP } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { ImportCertificateOptions } from '@azure/keyvault-certificates';
import { quoteServerText } from '../http/server-text.ts';
import { azureHttpClient } from './azure-http-client.ts';
import { DestinationError, type Destination, type DestinationDeps, type DeliveryParts } from './destination.ts';
import type { DestinationSpec } from './spec.ts';

type KeyVaultSpec = Extract<DestinationSpec, { kind: 'keyvault' }>;

/** The REST API version dynauth speaks (learn.microsoft.com/rest/api/keyvault). */
const SERVICE_VERSION = '7.5';
export const CONNECTION_STRING_CONTENT_TYPE = 'application/x-dataverse-connection-string';
const TOKEN_REUSE_MS = 5 * 60_000;
const PEM = 'application/x-pem-file';

export function keyVaultDestination(spec: KeyVaultSpec, deps: DestinationDeps): Destination {
  const label = `Key Vault ${spec.vaultUrl} (${spec.name})`;
  return {
    spec,
    label,
    async deliver(parts) {
      const options = {
        httpClient: azureHttpClient(deps.http),
        retryOptions: { maxRetries: 0 },
        serviceVersion: SERVICE_VERSION,
        // The SDK checks that the challenge's resource is a parent domain of the vault's host, which an
        // IP address (the emulated cloud's vault) can never be; the credential below accepts only
        // the cloud's own Key Vault scope, which is the stricter check.
        disableChallengeResourceVerification: isIP(new URL(spec.vaultUrl).hostname) !== 0,
      } as const;
      const credential = vaultCredential(deps, label);
      try {
        if (parts.key?.kind === 'certificate') {
          const { CertificateClient } = await import('@azure/keyvault-certificates');
          const client = new CertificateClient(spec.vaultUrl, credential, options);
          const importOptions: ImportCertificateOptions & { certificatePolicy: unknown } = {
            policy: { contentType: PEM, exportable: true },
            // @azure/keyvault-certificates 4.10 reads `policy` only to keep the PEM as text and sends the
            // service the options' `certificatePolicy` (its wire-level shape): without it Key Vault would be
            // told nothing of the PEM content type and read the value as a base64 PFX.
            certificatePolicy: { secretProperties: { contentType: PEM }, keyProperties: { exportable: true } },
            tags: tagsOf(parts),
            abortSignal: deps.signal,
          };
          const imported = await client.importCertificate(spec.name, Buffer.from(parts.key.pem, 'utf8'), importOptions);
          return {
            keyId: parts.key.keyId,
            summary: `certificate ${spec.name} (version ${imported.properties.version?.slice(0, 8) ?? '?'})`,
          };
        }
        const { SecretClient } = await import('@azure/keyvault-secrets');
        const client = new SecretClient(spec.vaultUrl, credential, options);
        const { value, contentType } = secretValueOf(parts);
        const set = await client.setSecret(spec.name, value, {
          contentType,
          ...(parts.key ? { expiresOn: new Date(parts.key.expiresOn) } : {}),
          tags: tagsOf(parts),
          abortSignal: deps.signal,
        });
        return {
          ...(parts.key ? { keyId: parts.key.keyId } : {}),
          summary: `secret ${spec.name} (version ${set.properties.version?.slice(0, 8) ?? '?'})`,
        };
      } catch (error) {
        throw refusal(error, label, parts.key?.kind === 'certificate');
      }
    },
  };
}

/** The connection string; a connection with no key (federated) gets its public parts as JSON. */
function secretValueOf(parts: DeliveryParts): { value: string; contentType: string } {
  if (parts.key && parts.connectionString) return { value: parts.connectionString, contentType: CONNECTION_STRING_CONTENT_TYPE };
  const value = JSON.stringify({ tenantId: parts.tenantId, clientId: parts.clientId, environmentUrl: parts.environmentUrl });
  return { value, contentType: 'application/json' };
}

/** At most 15 tags, values up to 256 characters (learn.microsoft.com/azure/key-vault/general/service-limits). */
function tagsOf(parts: DeliveryParts): Record<string, string> {
  return {
    'dynauth-profile': parts.profile,
    'tenant-id': parts.tenantId,
    'client-id': parts.clientId,
    ...(parts.key ? { 'key-id': parts.key.keyId } : {}),
    'environment-url': parts.environmentUrl.slice(0, 256),
  };
}

/** The admin's token for the cloud's Key Vault resource, and for nothing else a vault's challenge may name. */
function vaultCredential(deps: DestinationDeps, label: string): TokenCredential {
  const wanted = deps.cloud.keyVaultScope;
  return {
    async getToken(scopes): Promise<AccessToken> {
      const asked = Array.isArray(scopes) ? scopes : [scopes];
      if (!wanted || asked.length !== 1 || asked[0]!.replace(/\/+\.default$/, '/.default') !== wanted) {
        throw new DestinationError(
          label,
          `the vault asked for a token for ${quoteServerText(asked.join(' '), 200)}, not this cloud's Key Vault (${wanted ?? 'none'}).`,
          {
            hint: 'Check the vault URL: it must be a Key Vault of the cloud you sign in to.',
            code: 'keyvault-wrong-resource',
          },
        );
      }
      const token = await (await deps.adminToken())(wanted);
      return { token, expiresOnTimestamp: Date.now() + TOKEN_REUSE_MS };
    },
  };
}

function refusal(error: unknown, label: string, certificate: boolean): unknown {
  if (error instanceof DestinationError || (error as Error | undefined)?.name === 'AbortError') return error;
  const rest = error as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
  if (rest?.name !== 'RestError') return error;
  const status = typeof rest.statusCode === 'number' ? rest.statusCode : undefined;
  const said = typeof rest.message === 'string' ? quoteServerText(rest.message.split(/\r?\n/)[0] ?? '', 200) : '';
  const code = typeof rest.code === 'string' ? ` ${rest.code}` : '';
  if (status === 403) {
    return new DestinationError(label, `the signed-in admin may not write to the vault: 403${code} (${said}).`, {
      hint: `Give the admin the "Key Vault ${certificate ? 'Certificates' : 'Secrets'} Officer" role on the vault (or an access policy allowing ${certificate ? 'certificate import' : 'secret set'}), then run the command again.`,
      code: 'keyvault-forbidden',
      cause: error,
    });
  }
  if (status === 401) {
    return new DestinationError(label, `the vault refused the admin's token: 401${code} (${said}).`, {
      code: 'keyvault-unauthorized',
      cause: error,
    });
  }
  return new DestinationError(label, `the vault answered ${status ?? 'an error'}${code}${said ? ` (${said})` : ''}.`, {
    code: 'keyvault-refused',
    cause: error,
  });
}
