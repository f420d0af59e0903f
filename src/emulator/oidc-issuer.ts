// The emulated external OIDC issuer: what GitHub Actions (or a Kubernetes cluster, or an Azure DevOps
// service connection) is to Entra in workload identity federation. It mints the platform's token
// (docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect)
// and publishes its discovery document and signing keys, which Entra reads to verify the token
// (learn.microsoft.com/entra/workload-id/workload-identity-federation: "Microsoft Entra ID …
// validates the token against the issuer's OIDC discovery document and keys").
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { decodeJwt, signJwt, verifyJwtSignature } from './jwt.ts';

/** GitHub Actions' issuer (docs.github.com, "Understanding the OIDC token"). */
export const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';
/** The audience Entra expects in a federated token (learn.microsoft.com/graph/api/resources/federatedidentitycredential). */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/** GitHub's OIDC tokens are short-lived; five minutes by default here. */
const DEFAULT_LIFETIME_SECONDS = 300;

export interface MintOptions {
  subject: string;
  /** Default: GitHub Actions' issuer. Any other (a Kubernetes or Azure DevOps issuer) is signed by the same emulated key. */
  issuer?: string;
  /** Default api://AzureADTokenExchange. */
  audience?: string;
  /** Seconds from now (negative: already expired). Default 300. */
  expiresInSeconds?: number;
  /** More claims (repository, environment, ref…). */
  claims?: Record<string, unknown>;
}

export interface OidcIssuer {
  readonly issuer: string;
  readonly jwks: { keys: Array<Record<string, unknown>> };
  /** The discovery document, as the issuer serves it at /.well-known/openid-configuration. */
  discovery(origin: string): Record<string, unknown>;
  mint(options: MintOptions): string;
  /** Whether the token carries this issuer's signature (nothing else is checked). */
  signedHere(token: string): boolean;
}

export function createOidcIssuer(now: () => number): OidcIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    issuer: GITHUB_ACTIONS_ISSUER,
    jwks: { keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: jwk.n, e: jwk.e }] },
    discovery: (origin) => ({
      issuer: GITHUB_ACTIONS_ISSUER,
      jwks_uri: `${origin}/.well-known/jwks`,
      subject_types_supported: ['public', 'pairwise'],
      response_types_supported: ['id_token'],
      claims_supported: [
        'sub',
        'aud',
        'exp',
        'iat',
        'iss',
        'jti',
        'nbf',
        'ref',
        'repository',
        'repository_owner',
        'environment',
        'event_name',
      ],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid'],
    }),
    mint(options) {
      const issuedAt = Math.floor(now() / 1000);
      const exp = issuedAt + (options.expiresInSeconds ?? DEFAULT_LIFETIME_SECONDS);
      return signJwt(
        { typ: 'JWT', kid },
        {
          ...options.claims,
          jti: randomUUID(),
          sub: options.subject,
          aud: options.audience ?? TOKEN_EXCHANGE_AUDIENCE,
          iss: options.issuer ?? GITHUB_ACTIONS_ISSUER,
          iat: Math.min(issuedAt, exp - 60),
          nbf: Math.min(issuedAt, exp - 60),
          exp,
        },
        privateKey,
      );
    },
    signedHere(token) {
      const jwt = decodeJwt(token);
      return jwt !== undefined && jwt.header['kid'] === kid && verifyJwtSignature(jwt, publicKey);
    },
  };
}
