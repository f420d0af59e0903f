import { AsyncLocalStorage } from 'node:async_hooks';
import type { Http } from '../http/http.ts';
import type { TokenSource } from '../auth/token-source.ts';
import type { Client, GraphError, GraphRequest } from '@microsoft/microsoft-graph-client';
import type { Cloud } from '../clouds.ts';
import { ExitCode } from '../cli/errors.ts';
import { odataString } from './odata.ts';
import { quoteServerText } from '../http/server-text.ts';
import { ApiError, CODE_LIMIT } from './api-error.ts';
import {
  appManagementPolicy,
  toOrganization,
  type AppManagementPolicy,
  type GraphAppManagementPolicy,
  type Organization,
} from './graph-shapes.ts';

export type { AppManagementPolicy, Organization, PasswordRestriction } from './graph-shapes.ts';

export interface PasswordCredential {
  keyId: string;
  displayName: string | null;
  hint?: string | null;
  startDateTime: string;
  endDateTime: string;
}

export interface NewPassword extends PasswordCredential {
  secretText: string;
}

export interface KeyCredential {
  keyId?: string;
  type: string;
  usage: string;
  key?: string | null;
  displayName?: string | null;
  customKeyIdentifier?: string | null;
  startDateTime?: string;
  endDateTime?: string;
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  /** Decides whether an app-management restriction with restrictForAppsCreatedAfterDateTime binds it. */
  createdDateTime?: string;
  signInAudience?: string;
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  requiredResourceAccess?: Array<{ resourceAppId: string; resourceAccess: Array<{ id: string; type: string }> }>;
  /** Redirect URIs of a confidential web app (a delegated setup's sign-in returns there). */
  web?: { redirectUris: string[] };
  /** Redirect URIs of a public client (desktop and mobile: PKCE without a secret). */
  publicClient?: { redirectUris: string[] };
  /** "Allow public client flows": device code and PKCE without a secret. */
  isFallbackPublicClient?: boolean | null;
}

/** What init may change on an existing app registration (a delegated setup's platform and permissions). */
export type ApplicationChanges = Partial<Pick<Application, 'requiredResourceAccess' | 'web' | 'publicClient' | 'isFallbackPublicClient'>>;

/** A federated identity credential: tokens from `issuer` about `subject` sign the app in (workload identity federation). */
export interface FederatedCredential {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description?: string | null;
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  oauth2PermissionScopes?: Array<{ id: string; value: string }>;
}

export interface PermissionGrant {
  id: string;
  clientId: string;
  consentType: string;
  resourceId: string;
  scope: string;
}

export interface GraphApi {
  /** Starts loading the Graph SDK, so that the first call does not wait for it. */
  prepare(): void;
  organization(): Promise<Organization>;
  signedInUser(): Promise<{ id: string; userPrincipalName: string } | undefined>;
  findApplications(displayName: string): Promise<Application[]>;
  findApplicationByAppId(appId: string): Promise<Application | undefined>;
  getApplication(id: string): Promise<Application>;
  /** DELETE /applications/{id}: the app and its service principal go to deleted items (restorable for 30 days). */
  deleteApplication(id: string): Promise<void>;
  createApplication(body: Omit<Application, 'id' | 'appId' | 'passwordCredentials' | 'keyCredentials'>): Promise<Application>;
  updateApplication(applicationId: string, changes: ApplicationChanges): Promise<void>;
  addPassword(applicationId: string, credential: { displayName: string; endDateTime: string }): Promise<NewPassword>;
  removePassword(applicationId: string, keyId: string): Promise<void>;
  setKeyCredentials(applicationId: string, keyCredentials: KeyCredential[]): Promise<void>;
  /** At most 20 per app, so one page holds them all. */
  listFederatedCredentials(applicationId: string): Promise<FederatedCredential[]>;
  addFederatedCredential(applicationId: string, credential: Omit<FederatedCredential, 'id'>): Promise<FederatedCredential>;
  findServicePrincipal(appId: string): Promise<ServicePrincipal | undefined>;
  createServicePrincipal(appId: string): Promise<ServicePrincipal>;
  findPermissionGrant(clientId: string, resourceId: string): Promise<PermissionGrant | undefined>;
  createPermissionGrant(grant: Omit<PermissionGrant, 'id'>): Promise<PermissionGrant>;
  updatePermissionGrantScope(id: string, scope: string): Promise<void>;
  /** GET /policies/defaultAppManagementPolicy (needs Policy.Read.All). */
  defaultAppManagementPolicy(): Promise<AppManagementPolicy>;
  /** GET /applications/{id}/appManagementPolicies: the policies assigned to the app (needs Policy.Read.All). */
  appManagementPolicies(applicationId: string): Promise<AppManagementPolicy[]>;
}

const APPLICATION_FIELDS =
  'id,appId,displayName,createdDateTime,signInAudience,passwordCredentials,keyCredentials,requiredResourceAccess,web,publicClient,isFallbackPublicClient';

/** Microsoft Graph v1.0 through @microsoft/microsoft-graph-client, sent over dynauth's retrying HTTP layer. */
export function createGraphApi(cloud: Cloud, http: Http, getToken: TokenSource): GraphApi {
  const initClient = (Client: typeof import('@microsoft/microsoft-graph-client').Client) =>
    Client.initWithMiddleware({
      baseUrl: `${cloud.graphEndpoint}/`,
      defaultVersion: 'v1.0',
      customHosts: new Set([new URL(cloud.graphEndpoint).hostname]),
      middleware: {
        async execute(context) {
          const request = context.request;
          const url = typeof request === 'string' ? request : request.url;
          const headers = new Headers(context.options?.headers as ConstructorParameters<typeof Headers>[0]);
          headers.set('Authorization', `Bearer ${await getToken(cloud.graphScope)}`);
          try {
            context.response = await http.request(url, {
              method: context.options?.method,
              headers: Object.fromEntries(headers),
              body: context.options?.body as string | undefined,
            });
          } catch (error) {
            // The SDK turns whatever the middleware throws into a GraphError of status -1; the call
            // rethrows this one instead, with its own message and hint.
            const failure = middlewareFailure.getStore();
            if (failure) failure.error ??= error;
            throw error;
          }
        },
      },
    });

  // The SDK loads on first use: after the sign-in request has gone out, not before it.
  let sdk: Promise<{ client: Client; GraphError: typeof GraphError }> | undefined;
  const load = () =>
    (sdk ??= import('@microsoft/microsoft-graph-client').then(({ Client, GraphError }) => ({ client: initClient(Client), GraphError })));

  const call = async <T>(operation: string, work: (api: (path: string) => GraphRequest) => Promise<T>): Promise<T> => {
    const { client, GraphError } = await load();
    const failure: { error?: unknown } = {};
    try {
      return await middlewareFailure.run(failure, () => work((path) => client.api(path)));
    } catch (error) {
      if (failure.error) throw failure.error;
      if (error instanceof GraphError) throw graphError(operation, error);
      throw error;
    }
  };
  return {
    prepare: () => void load().catch(() => {}), // a failure to load surfaces on the first call
    organization: () =>
      call('read the organization', async (api) =>
        toOrganization((await api('/organization').select('id,displayName,verifiedDomains').get())?.value?.[0]),
      ),
    signedInUser: async () => {
      const { client } = await load();
      try {
        return await client.api('/me').select('id,userPrincipalName').get();
      } catch {
        return undefined; // app-only sign-in has no /me
      }
    },
    findApplications: (displayName) =>
      call(
        'list app registrations',
        async (api) =>
          (
            await api('/applications')
              .filter(`displayName eq ${odataString(displayName)}`)
              .select(APPLICATION_FIELDS)
              .get()
          ).value,
      ),
    findApplicationByAppId: (appId) =>
      call(
        'find the app registration',
        async (api) =>
          (
            await api('/applications')
              .filter(`appId eq ${odataString(appId)}`)
              .select(APPLICATION_FIELDS)
              .get()
          ).value[0],
      ),
    getApplication: (id) => call('read the app registration', (api) => api(`/applications/${id}`).select(APPLICATION_FIELDS).get()),
    deleteApplication: (id) => call('delete the app registration', (api) => api(`/applications/${id}`).delete()),
    createApplication: (body) => call('create the app registration', (api) => api('/applications').post(body)),
    updateApplication: (id, changes) => call('update the app registration', (api) => api(`/applications/${id}`).patch(changes)),
    addPassword: (id, passwordCredential) =>
      call('add a client secret', (api) => api(`/applications/${id}/addPassword`).post({ passwordCredential })),
    removePassword: (id, keyId) => call('remove a client secret', (api) => api(`/applications/${id}/removePassword`).post({ keyId })),
    setKeyCredentials: (id, keyCredentials) =>
      call('upload the certificate', (api) => api(`/applications/${id}`).patch({ keyCredentials })),
    listFederatedCredentials: (id) =>
      call(
        "read the app's federated credentials",
        async (api) => (await api(`/applications/${id}/federatedIdentityCredentials`).get())?.value ?? [],
      ),
    addFederatedCredential: (id, credential) =>
      call('add a federated credential', (api) => api(`/applications/${id}/federatedIdentityCredentials`).post(credential)),
    findServicePrincipal: (appId) =>
      call(
        'find the service principal',
        async (api) =>
          (
            await api('/servicePrincipals')
              .filter(`appId eq ${odataString(appId)}`)
              .select('id,appId,displayName,oauth2PermissionScopes')
              .get()
          ).value[0],
      ),
    createServicePrincipal: (appId) => call('create the service principal', (api) => api('/servicePrincipals').post({ appId })),
    findPermissionGrant: (clientId, resourceId) =>
      call(
        'read the admin consent',
        async (api) =>
          (
            await api('/oauth2PermissionGrants')
              .filter(
                `clientId eq ${odataString(clientId)} and consentType eq 'AllPrincipals' and resourceId eq ${odataString(resourceId)}`,
              )
              .get()
          ).value[0],
      ),
    createPermissionGrant: (grant) => call('grant admin consent', (api) => api('/oauth2PermissionGrants').post(grant)),
    updatePermissionGrantScope: (id, scope) =>
      call('update the admin consent', (api) => api(`/oauth2PermissionGrants/${id}`).patch({ scope })),
    defaultAppManagementPolicy: () =>
      call("read the tenant's app-management policy", async (api) => {
        const policy = await api('/policies/defaultAppManagementPolicy').get();
        return appManagementPolicy(policy, policy.applicationRestrictions);
      }),
    appManagementPolicies: (id) =>
      call("read the app's app-management policies", async (api) =>
        ((await api(`/applications/${id}/appManagementPolicies`).get()).value as GraphAppManagementPolicy[]).map((policy) =>
          appManagementPolicy(policy, policy.restrictions),
        ),
      ),
  };
}

const middlewareFailure = new AsyncLocalStorage<{ error?: unknown }>();

function graphError(
  operation: string,
  error: { statusCode: number; code: string | null; message: string; requestId: string | null },
): ApiError {
  const code = quoteServerText(error.code ?? '', CODE_LIMIT);
  const message = quoteServerText(error.message ?? '');
  const base = {
    service: 'graph' as const,
    status: error.statusCode,
    remoteCode: code,
    remoteMessage: message,
    requestId: error.requestId ?? undefined,
  };
  if (error.statusCode === 403 && code === 'Authorization_RequestDenied') {
    return new ApiError({
      ...base,
      message: `Your account may not ${operation} in Entra ID (Authorization_RequestDenied).`,
      hint: 'Sign in as an Application Administrator or Cloud Application Administrator (admin consent needs Privileged Role Administrator or Global Administrator if those cannot grant it in your tenant).',
      exitCode: ExitCode.auth,
    });
  }
  if (error.statusCode === 401) {
    return new ApiError({
      ...base,
      message: `Microsoft Graph refused the sign-in token while trying to ${operation}.`,
      hint: 'Sign in again.',
      exitCode: ExitCode.auth,
    });
  }
  return new ApiError({
    ...base,
    message: `Could not ${operation}: ${message || `HTTP ${error.statusCode}`}${code ? ` (${code})` : ''}.`,
    hint:
      error.statusCode >= 500 || error.statusCode === 429
        ? 'Microsoft Graph is busy or unavailable; run the same command again later: it resumes where it stopped.'
        : undefined,
  });
}
