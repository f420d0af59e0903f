// Everything an integration's configuration asks for about a profile (dynauth export): ids, the
// endpoints of the profile's cloud in both the v1 and v2 forms vendors' forms ask for, the Web API
// URL, the grant, and the secrets read from the store (registered with the redactor as they are read).
import { oauthEndpoints, type Cloud } from '../clouds.ts';
import { DATAVERSE_API_VERSION } from '../microsoft.ts';
import type { Profile } from '../profiles/profile.ts';
import { StoredConnectionMissing } from '../secrets/errors.ts';
import { defaultScope, profileKind, type ProfileKind } from './access-token.ts';
import { certificateFileOf } from './credential.ts';
import type { Storage } from './storage.ts';
import { readCredential } from './stored-credential.ts';

export interface ExportFacts {
  profile: string;
  kind: ProfileKind;
  tenantId: string;
  clientId: string;
  environmentUrl: string;
  apiUrl: string;
  authorityHost: string;
  authorizationUrl: { v1: string; v2: string };
  tokenUrl: { v1: string; v2: string };
  grantType: 'client_credentials' | 'authorization_code';
  scope: string;
  /** Delegated: the redirect URIs registered on the app (the first is the one to give a product). */
  redirectUris: string[];
  /** Delegated: the integration account the refresh token belongs to. */
  userPrincipalName: string | undefined;
  publicClient: boolean;
  certificateThumbprint: string | undefined;
  /** Secrets: absent when the profile has none of that kind. */
  clientSecret: string | undefined;
  refreshToken: string | undefined;
  /** The stored ServiceClient connection string of an app-user profile. */
  storedConnectionString: string | undefined;
  /** A certificate profile's private key and certificate (for --pem-out). */
  certificateFile: string | undefined;
}

export async function exportFacts(cloud: Cloud, storage: Storage, profile: Profile): Promise<ExportFacts> {
  const kind = profileKind(profile);
  const origin = new URL(profile.environment.url).origin;
  const endpoints = oauthEndpoints(cloud, profile.tenantId);
  const facts: ExportFacts = {
    profile: profile.name,
    kind,
    tenantId: profile.tenantId,
    clientId: profile.clientId,
    environmentUrl: origin,
    apiUrl: `${origin}/api/data/${DATAVERSE_API_VERSION}`,
    authorityHost: cloud.authorityHost.replace(/\/+$/, ''),
    authorizationUrl: { v1: endpoints.authorizeV1, v2: endpoints.authorize },
    tokenUrl: { v1: endpoints.tokenV1, v2: endpoints.token },
    grantType: kind === 'delegated' ? 'authorization_code' : 'client_credentials',
    scope: kind === 'delegated' ? `${defaultScope(profile)} offline_access` : defaultScope(profile),
    redirectUris: kind === 'delegated' ? (profile.delegated?.redirectUris ?? []) : [],
    userPrincipalName: profile.delegated?.user?.userPrincipalName,
    publicClient: profile.delegated?.publicClient === true,
    certificateThumbprint: profile.credential?.type === 'certificate' ? profile.credential.thumbprint : undefined,
    clientSecret: undefined,
    refreshToken: undefined,
    storedConnectionString: undefined,
    certificateFile: undefined,
  };
  if (profile.credential) {
    const stored = await readCredential(storage, profile);
    if (!stored) {
      throw new StoredConnectionMissing(
        `No stored credential for profile "${profile.name}" in ${storage.vault.description}.`,
        `Run dynauth init --profile ${profile.name} again (it reuses the app and mints a secret), or dynauth rotate-secret --profile ${profile.name}.`,
      );
    }
    if (kind === 'app-user') facts.storedConnectionString = stored.connectionString;
    if (stored.credential?.kind === 'secret') facts.clientSecret = stored.credential.clientSecret;
    if (stored.credential?.kind === 'certificate') facts.certificateFile = certificateFileOf(stored.credential);
  }
  if (kind === 'delegated') {
    facts.refreshToken = await storage.vault.loadRefreshToken(profile.name);
    if (!facts.refreshToken) {
      throw new StoredConnectionMissing(
        `No stored refresh token for profile "${profile.name}" in ${storage.vault.description}.`,
        `Sign the integration account in again: dynauth init --flow delegated --profile ${profile.name}.`,
      );
    }
  }
  return facts;
}
