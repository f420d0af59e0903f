// A fresh access token for a profile, the way its integration gets one: client credentials for an
// app-user profile, the stored refresh token for a delegated one (delegated-session.ts: the rotated
// refresh token is sealed before anything else happens, and the redemption recorded in the profile), the platform's
// token for a federated one inside its pipeline. One function, one switch on the profile's kind.
import { createAppCredential, type AppSecret } from '../auth/app-credential.ts';
import { readFederatedToken } from '../auth/federated-token.ts';
import { unansweredFailure } from '../auth/token-error.ts';
import { DynauthError, UsageError } from '../cli/errors.ts';
import { dataverseScope, dataverseUserScope, type Cloud } from '../clouds.ts';
import type { Deps } from '../deps.ts';
import type { NetworkError } from '../http/network-error.ts';
import type { Profile } from '../profiles/profile.ts';
import { StoredConnectionMissing } from '../secrets/errors.ts';
import { appSecretOf } from './credential.ts';
import { redeemStoredRefreshToken } from './delegated-session.ts';
import type { Storage } from './storage.ts';
import { readCredential } from './stored-credential.ts';

export interface AccessToken {
  accessToken: string;
  expiresOn: Date;
  /** The scopes asked for (Entra may grant fewer; the token's own `scp` says which). */
  scopes: string[];
  tokenType: 'Bearer';
}

export type AccessTokenDeps = Pick<Deps, 'http' | 'clock' | 'cancellation' | 'redactor' | 'ui' | 'env'>;

export type ProfileKind = 'app-user' | 'delegated' | 'federated';

export function profileKind(profile: Profile): ProfileKind {
  if (profile.flow === 'delegated') return 'delegated';
  if (profile.federation?.length && !profile.credential) return 'federated';
  return 'app-user';
}

/** What the integration itself asks for: the environment as the app (.default), or as the signed-in user (user_impersonation). */
export function defaultScope(profile: Profile): string {
  return profileKind(profile) === 'delegated' ? dataverseUserScope(profile.environment.url) : dataverseScope(profile.environment.url);
}

/** A fresh access token for `scopes` (default the environment's), as the profile's integration would get it. */
export async function accessTokenFor(
  deps: AccessTokenDeps,
  cloud: Cloud,
  storage: Storage,
  profile: Profile,
  scopes: string[] = [defaultScope(profile)],
): Promise<AccessToken> {
  const kind = profileKind(profile);
  switch (kind) {
    case 'app-user':
      return appToken(deps, cloud, storage, profile, scopes);
    case 'delegated':
      return delegatedToken(deps, cloud, storage, profile, scopes);
    case 'federated':
      return federatedToken(deps, cloud, profile, scopes);
  }
}

/** The scopes client credentials grant: exactly one resource's .default (AADSTS1002012 otherwise), said before asking Entra. */
function assertAppScopes(profile: Profile, scopes: string[]): void {
  const wrong = scopes.find((scope) => !scope.endsWith('/.default'));
  if (wrong !== undefined || scopes.length !== 1) {
    throw new UsageError(
      `Profile "${profile.name}" signs in as the app itself (client credentials), which takes exactly one scope ending in /.default${wrong ? `, not "${wrong}"` : ''}.`,
      { hint: `Leave --scope out for the environment (${dataverseScope(profile.environment.url)}).`, code: 'bad-scope' },
    );
  }
}

/**
 * A federated profile, inside its pipeline: the platform's token (AZURE_FEDERATED_TOKEN_FILE, as Azure
 * Workload Identity and the pipeline tasks set it) as the client assertion. Elsewhere there is no token to be had.
 */
async function federatedToken(deps: AccessTokenDeps, cloud: Cloud, profile: Profile, scopes: string[]): Promise<AccessToken> {
  const file = deps.env.AZURE_FEDERATED_TOKEN_FILE;
  if (!file) {
    throw new UsageError(`Profile "${profile.name}" signs in with federated credentials: it has no secret, only its pipeline's token.`, {
      hint: 'Run it inside the pipeline, with AZURE_FEDERATED_TOKEN_FILE naming the file the platform wrote its OIDC token to.',
      code: 'federated-token',
    });
  }
  assertAppScopes(profile, scopes);
  const assertion = await readFederatedToken(file, (token) => deps.redactor.add(token));
  return clientCredentialsToken(deps, cloud, profile, { kind: 'federated', token: assertion }, scopes);
}

async function appToken(deps: AccessTokenDeps, cloud: Cloud, storage: Storage, profile: Profile, scopes: string[]): Promise<AccessToken> {
  assertAppScopes(profile, scopes);
  const stored = await readCredential(storage, profile);
  if (!stored?.credential) {
    throw new StoredConnectionMissing(
      `No stored ${profile.credential?.type === 'certificate' ? 'certificate' : 'client secret'} for profile "${profile.name}" in ${storage.vault.description}.`,
      `Run dynauth rotate-secret --profile ${profile.name} (or dynauth init --profile ${profile.name} again) to make and store a new one.`,
    );
  }
  return clientCredentialsToken(deps, cloud, profile, appSecretOf(stored.credential), scopes);
}

async function clientCredentialsToken(
  deps: AccessTokenDeps,
  cloud: Cloud,
  profile: Profile,
  secret: AppSecret,
  scopes: string[],
): Promise<AccessToken> {
  let unanswered: NetworkError | undefined;
  const watch = {
    trace: (line: string) => deps.ui.verbose(line),
    onNetwork: (failure: NetworkError | undefined) => (unanswered = failure),
  };
  const credential = await createAppCredential(cloud, profile.tenantId, profile.clientId, secret, watch);
  let token: Awaited<ReturnType<typeof credential.getToken>>;
  try {
    token = await credential.getToken(scopes, { abortSignal: deps.cancellation.signal });
  } catch (error) {
    throw unansweredFailure(error, unanswered) ?? error;
  }
  if (!token) throw new DynauthError('Entra returned no token.', { code: 'no-token' });
  deps.redactor.add(token.token);
  return { accessToken: token.token, expiresOn: new Date(token.expiresOnTimestamp), scopes, tokenType: 'Bearer' };
}

async function delegatedToken(
  deps: AccessTokenDeps,
  cloud: Cloud,
  storage: Storage,
  profile: Profile,
  scopes: string[],
): Promise<AccessToken> {
  // offline_access: Entra then hands out the next refresh token with the access token (sealed at once, and the redemption recorded).
  const asked = scopes.some((scope) => scope.toLowerCase() === 'offline_access') ? scopes : [...scopes, 'offline_access'];
  const { tokens } = await redeemStoredRefreshToken(deps.http, cloud, storage, profile, () => deps.clock.now(), asked);
  deps.redactor.add(tokens.accessToken);
  return { accessToken: tokens.accessToken, expiresOn: tokens.expiresOn, scopes, tokenType: 'Bearer' };
}
