import type { TokenCredential } from '@azure/identity';
import { UsageError } from '../cli/errors.ts';
import { disableInstanceDiscovery, type Cloud } from '../clouds.ts';
import type { AuthMethod } from './methods.ts';
import type { Env } from '../deps.ts';
import type { AdminCredential } from './token-source.ts';
import { identityPipelineOptions, type PipelineWatch } from './trace-policy.ts';
import { MAX_PEM_FILE_BYTES, readNamedFile } from '../util/regular-file.ts';

export interface AdminSignIn {
  method: AuthMethod;
  tenant: string | undefined;
  cloud: Cloud;
  env: Env;
  /** Where the device-code instructions go (stderr). */
  tell: (message: string) => void;
  /** The --verbose trace of the sign-in's own HTTP calls, and which of them got no answer. */
  watch?: PipelineWatch;
}

/**
 * The admin's credential, from @azure/identity; imported lazily so --help never loads it. The
 * interactive ones never sign in again by themselves: token-source.ts decides when to ask
 * (a scope it can serve another way, such as GCC's second Power Platform name, is not worth a prompt).
 */
export async function createAdminCredential(signIn: AdminSignIn): Promise<AdminCredential> {
  const identity = await import('./identity.ts');
  let refusal: string | undefined;
  const common = {
    authorityHost: signIn.cloud.authorityHost,
    disableInstanceDiscovery: disableInstanceDiscovery(signIn.cloud),
    additionallyAllowedTenants: ['*'],
    ...identityPipelineOptions({ ...signIn.watch, onRefusal: (description) => (refusal = description) }),
  };
  const interactive = { ...common, tenantId: signIn.tenant ?? 'organizations', disableAutomaticAuthentication: true };
  switch (signIn.method) {
    case 'device-code':
      return new identity.DeviceCodeCredential({
        ...interactive,
        userPromptCallback: (info) => {
          // MSAL passes on a refused device code request as a code of undefined fields; Entra's reason is the error.
          if (!info.message) throw new Error(refusal ?? 'Entra did not hand out a device code.');
          signIn.tell(info.message);
        },
      });
    case 'browser':
      return new identity.InteractiveBrowserCredential({ ...interactive, redirectUri: 'http://localhost' });
    case 'azure-cli':
      return new identity.AzureCliCredential({ tenantId: signIn.tenant, additionallyAllowedTenants: ['*'] });
    case 'environment':
      return environmentCredential(identity, signIn, common);
  }
}

async function environmentCredential(
  identity: typeof import('./identity.ts'),
  signIn: AdminSignIn,
  common: { authorityHost: string; disableInstanceDiscovery: boolean },
): Promise<TokenCredential> {
  const { env } = signIn;
  const tenantId = signIn.tenant ?? env.AZURE_TENANT_ID;
  const clientId = env.AZURE_CLIENT_ID;
  const missing = [
    !tenantId && 'AZURE_TENANT_ID (or --tenant)',
    !clientId && 'AZURE_CLIENT_ID',
    !env.AZURE_CLIENT_SECRET && !env.AZURE_CLIENT_CERTIFICATE_PATH && 'one of AZURE_CLIENT_SECRET and AZURE_CLIENT_CERTIFICATE_PATH',
  ].filter((item): item is string => Boolean(item));
  if (missing.length) throw new UsageError(`--auth environment also needs ${missing.join(' and ')}.`);
  if (env.AZURE_CLIENT_SECRET) return new identity.ClientSecretCredential(tenantId!, clientId!, env.AZURE_CLIENT_SECRET, common);
  const path = env.AZURE_CLIENT_CERTIFICATE_PATH!;
  const certificate = await readNamedFile(path, 'AZURE_CLIENT_CERTIFICATE_PATH', MAX_PEM_FILE_BYTES);
  return new identity.ClientCertificateCredential(
    tenantId!,
    clientId!,
    { certificate, certificatePassword: env.AZURE_CLIENT_CERTIFICATE_PASSWORD },
    common,
  );
}

export function defaultAuthMethod(canOpenBrowser: boolean): AuthMethod {
  return canOpenBrowser ? 'browser' : 'device-code';
}
