// The emulator's security token service key: signs access and id tokens, published at jwks_uri.
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { decodeJwt, signJwt, verifyJwtSignature } from './jwt.ts';
import { createSelfSignedCertificate } from '../crypto/x509.ts';
import type { TokenSummary } from './types.ts';

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  appid: string;
  azp: string;
  oid: string;
  sub: string;
  idtyp: 'app' | 'user';
  ver: '2.0';
  scp?: string;
  roles?: string[];
  upn?: string;
  name?: string;
  preferred_username?: string;
  uti: string;
}

export interface TokenSigner {
  kid: string;
  jwks: { keys: Array<Record<string, unknown>> };
  sign(payload: Record<string, unknown>): string;
  verify(token: string): TokenCheck;
}

export type TokenCheck =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'not-yet-valid' };

export function createTokenSigner(issuerBase: () => string): TokenSigner {
  // A certificate (not just a key) because Entra's JWKS publishes x5c and clients may read it.
  const cert = createSelfSignedCertificate({ commonName: 'dynauth sandbox token signing', validDays: 30 });
  const signingKey = createPrivateKey(cert.keyPem);
  const publicKey = createPublicKey(signingKey);
  const kid = Buffer.from(cert.thumbprint, 'hex').toString('base64url');
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    kid,
    jwks: {
      keys: [
        {
          kty: 'RSA',
          use: 'sig',
          kid,
          x5t: kid,
          n: jwk.n,
          e: jwk.e,
          x5c: [cert.certDer.toString('base64')],
          issuer: `${issuerBase()}/{tenantid}/v2.0`,
        },
      ],
    },
    sign(payload) {
      return signJwt({ typ: 'JWT', kid, x5t: kid }, payload, signingKey);
    },
    verify(token) {
      const decoded = decodeJwt(token);
      if (decoded?.header['alg'] !== 'RS256') return { ok: false, reason: 'malformed' };
      if (!verifyJwtSignature(decoded, publicKey)) return { ok: false, reason: 'signature' };
      const claims = decoded.payload as unknown as AccessTokenClaims;
      const now = Math.floor(Date.now() / 1000);
      if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, reason: 'expired' };
      if (typeof claims.nbf === 'number' && claims.nbf > now) return { ok: false, reason: 'not-yet-valid' };
      return { ok: true, claims };
    },
  };
}

export function summarizeToken(claims: AccessTokenClaims): TokenSummary {
  return {
    appid: claims.appid,
    oid: claims.oid,
    aud: claims.aud,
    tid: claims.tid,
    ...(claims.scp !== undefined ? { scp: claims.scp } : {}),
    ...(claims.roles !== undefined ? { roles: claims.roles } : {}),
  };
}

export function sha256Base64Url(value: string): string {
  return createHash('sha256').update(value, 'ascii').digest('base64url');
}
