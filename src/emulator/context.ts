// Everything route handlers share: state, origins, signing key, clock-driven replication lag.
import type { Replication } from './replication.ts';
import type { EmulatorState, Environment, User } from './state.ts';
import type { OidcIssuer } from './oidc-issuer.ts';
import type { TokenSigner } from './tokens.ts';
import { WELL_KNOWN_APP_IDS, findEnvironmentByUrl } from './state.ts';

export interface Origins {
  login: string;
  graph: string;
  bap: string;
  /** The emulated Key Vault (one vault; its origin is also the Key Vault resource of the emulated cloud). */
  keyvault?: string;
}

export interface AuthorizationCodeEntry {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
  userId: string;
  expiresAt: number;
  redeemed: boolean;
  /** Issued by the v1 authorize endpoint: only the v1 token endpoint redeems it. */
  endpoint?: 'v1';
}

export interface DeviceCodeEntry {
  clientId: string;
  scopes: string[];
  userId: string;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshTokenEntry {
  clientId: string;
  userId: string;
  /** 90 days after it was issued: each redemption issues a new token, so the idle window follows the last use. */
  expiresAt: number;
  issuedAt: number;
  /** When the user signed in for the grant this token continues (kept across rotations): what revocation compares. */
  authTime: number;
  /** Issued to a public client (no client credential sent): it may not be redeemed with one, nor the reverse. */
  publicClient: boolean;
}

export interface EmulatorContext {
  state: EmulatorState;
  origins: Origins;
  signer: TokenSigner;
  /** The external OIDC issuer federated credentials trust (GitHub Actions-like). */
  oidc: OidcIssuer;
  /** Per-object replication delays (seeded) and seeded choices among equally real answers. */
  replication: Replication;
  tokenLifetimeSeconds: number;
  /** Largest Dataverse page before @odata.nextLink (Dataverse's default is 5,000). */
  dataversePageSize: number;
  /** RetrieveUserPrivileges on oneself needs prvReadUser too (what real Dataverse does is unconfirmed). */
  strictSelfPrivileges: boolean;
  admin: User;
  /** Who signs in to a delegated app (any client but the first-party ones the admin uses). */
  integration: User;
  authorizationCodes: Map<string, AuthorizationCodeEntry>;
  deviceCodes: Map<string, DeviceCodeEntry>;
  refreshTokens: Map<string, RefreshTokenEntry>;
  now(): number;
}

/** Whether an object has replicated: visible to reads, lists, sign-ins and dependent writes. */
export function isVisible(ctx: EmulatorContext, object: { visibleAt: number }): boolean {
  return ctx.now() >= object.visibleAt;
}

export type Resource =
  | { kind: 'graph'; audience: string; appId: string }
  | { kind: 'bap'; audience: string; appId: string }
  | { kind: 'keyvault'; audience: string; appId: string }
  | { kind: 'dataverse'; audience: string; appId: string; environment: Environment };

/** Maps a scope's resource part (origin or well-known appId) to one of the emulated APIs. */
export function resolveResource(ctx: EmulatorContext, identifier: string): Resource | undefined {
  const normalized = identifier.replace(/\/+$/, '').toLowerCase();
  if (normalized === ctx.origins.graph.toLowerCase() || normalized === WELL_KNOWN_APP_IDS.graph) {
    return { kind: 'graph', audience: ctx.origins.graph, appId: WELL_KNOWN_APP_IDS.graph };
  }
  if (normalized === ctx.origins.bap.toLowerCase() || normalized === WELL_KNOWN_APP_IDS.powerAppsService) {
    return { kind: 'bap', audience: ctx.origins.bap, appId: WELL_KNOWN_APP_IDS.powerAppsService };
  }
  if (ctx.origins.keyvault && normalized === ctx.origins.keyvault.toLowerCase()) {
    return { kind: 'keyvault', audience: ctx.origins.keyvault, appId: WELL_KNOWN_APP_IDS.keyVault };
  }
  const environment = findEnvironmentByUrl(ctx.state, normalized);
  if (environment?.url && environment.dataverse) {
    return { kind: 'dataverse', audience: environment.url, appId: WELL_KNOWN_APP_IDS.dynamicsCrm, environment };
  }
  return undefined;
}
