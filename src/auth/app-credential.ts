import type { TokenCredential } from '@azure/identity';
import { disableInstanceDiscovery, type Cloud } from '../clouds.ts';
import { identityPipelineOptions, type PipelineWatch } from './trace-policy.ts';

/** federated: the platform's OIDC token (workload identity federation), sent as the client assertion. */
export type AppSecret =
  | { kind: 'secret'; clientSecret: string }
  | { kind: 'certificate'; pem: string }
  | { kind: 'federated'; token: string };

/** The app's own client-credentials identity: how the integration will sign in. */
export async function createAppCredential(
  cloud: Cloud,
  tenantId: string,
  clientId: string,
  secret: AppSecret,
  watch?: PipelineWatch,
): Promise<TokenCredential> {
  const identity = await import('./identity.ts');
  const options = {
    authorityHost: cloud.authorityHost,
    disableInstanceDiscovery: disableInstanceDiscovery(cloud),
    ...identityPipelineOptions(watch),
  };
  if (secret.kind === 'federated') return new identity.ClientAssertionCredential(tenantId, clientId, async () => secret.token, options);
  return secret.kind === 'secret'
    ? new identity.ClientSecretCredential(tenantId, clientId, secret.clientSecret, options)
    : new identity.ClientCertificateCredential(tenantId, clientId, { certificate: secret.pem }, options);
}
