// A delegated profile's sign-in as its integration account: the stored refresh token (and the
// client secret of a confidential app) redeemed at Entra, the rotated token saved at once and the
// redemption recorded, so the 90-day inactivity window (AADSTS700082) is known to `status`.
import type { DelegatedTokens } from '../auth/delegated-token.ts';
import type { Cloud } from '../clouds.ts';
import { dataverseUserScope } from '../clouds.ts';
import type { Http } from '../http/http.ts';
import type { DelegatedFacts, Profile } from '../profiles/profile.ts';
import { StoredConnectionMissing } from '../secrets/errors.ts';
import type { Storage } from './storage.ts';
import { readCredential } from './stored-credential.ts';

/** What a delegated profile signs in with; both are secrets (the vault has told the redactor). */
export interface DelegatedLogin {
  refreshToken: string;
  /** Absent for a public client. */
  clientSecret?: string;
}

/** The scopes a delegated integration asks for: the environment as the user, and a new refresh token. */
export function delegatedScopes(profile: Pick<Profile, 'environment'>): string[] {
  return [dataverseUserScope(profile.environment.url), 'offline_access'];
}

export async function loadDelegatedLogin(storage: Storage, profile: Profile): Promise<DelegatedLogin> {
  const refreshToken = await storage.vault.loadRefreshToken(profile.name);
  const again = `Sign the integration account in again: dynauth init --flow delegated --profile ${profile.name}`;
  if (!refreshToken)
    throw new StoredConnectionMissing(`No refresh token stored for profile "${profile.name}" in ${storage.vault.description}.`, again);
  if (profile.delegated?.publicClient) return { refreshToken };
  const read = await readCredential(storage, profile);
  if (read?.credential?.kind !== 'secret') {
    throw new StoredConnectionMissing(
      `No client secret stored for profile "${profile.name}" in ${storage.vault.description}, and its app is a confidential client.`,
      `Make a new one: dynauth rotate-secret --profile ${profile.name}`,
    );
  }
  return { refreshToken, clientSecret: read.credential.clientSecret };
}

/**
 * Redeems the refresh token; the new one Entra hands out is sealed before anything else happens,
 * and the profile records the redemption (read afresh: another dynauth may have written it).
 * Returns the tokens and the profile as now written.
 */
export async function redeemAndKeep(
  http: Http,
  cloud: Cloud,
  storage: Storage,
  profile: Profile,
  login: DelegatedLogin,
  scopes: string[],
  now: () => Date,
): Promise<{ tokens: DelegatedTokens; profile: Profile }> {
  const app = {
    cloud,
    tenantId: profile.tenantId,
    clientId: profile.clientId,
    ...(login.clientSecret ? { clientSecret: login.clientSecret } : {}),
  };
  // The OAuth client is loaded when a refresh token is redeemed, not by every command that could.
  const { redeemRefreshToken } = await import('../auth/delegated-token.ts');
  const tokens = await redeemRefreshToken(http, app, login.refreshToken, scopes, now());
  if (tokens.refreshToken) await storage.vault.saveRefreshToken(profile.name, tokens.refreshToken);
  return { tokens, profile: await recordRedemption(storage, profile, now()) };
}

/** The stored refresh token redeemed for `scopes` (the environment as the user by default), kept rotated. */
export async function redeemStoredRefreshToken(
  http: Http,
  cloud: Cloud,
  storage: Storage,
  profile: Profile,
  now: () => Date,
  scopes = delegatedScopes(profile),
): Promise<{ tokens: DelegatedTokens; profile: Profile }> {
  return redeemAndKeep(http, cloud, storage, profile, await loadDelegatedLogin(storage, profile), scopes, now);
}

async function recordRedemption(storage: Storage, profile: Profile, at: Date): Promise<Profile> {
  const latest = (await storage.profiles.read(profile.name).catch(() => undefined)) ?? profile;
  const delegated: DelegatedFacts = latest.delegated ?? profile.delegated ?? { publicClient: false, redirectUris: [] };
  const when = at.toISOString();
  const updated: Profile = {
    ...latest,
    delegated: { ...delegated, refreshToken: { obtainedOn: delegated.refreshToken?.obtainedOn ?? when, lastRedeemedOn: when } },
    updatedOn: when,
  };
  await storage.profiles.write(updated);
  return updated;
}
