// The token endpoint's workload identity federation path: a client_assertion that is another
// issuer's token (learn.microsoft.com/entra/workload-id/workload-identity-federation), matched
// against the app's federated identity credentials on issuer, subject (case-sensitive since 2024:
// learn.microsoft.com/entra/identity-platform/reference-breaking-changes#federated-identity-credentials-now-use-case-sensitive-matching)
// and audience. Error texts as Entra words them in the field (Azure/login issues 482, 515;
// Azure/azure-workload-identity issue 1200 for 700211); the audience case (700212) follows the
// same pattern, its exact text unconfirmed.
import { isVisible, type EmulatorContext } from '../context.ts';
import type { Reply, RequestContext } from '../http.ts';
import type { DecodedJwt } from '../jwt.ts';
import type { Application } from '../state.ts';
import { aadError } from './login-errors.ts';

const DOCS = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation';

/** Whether an assertion is a federated token rather than the app's own certificate assertion (iss = client id). */
export function isFederatedAssertion(jwt: DecodedJwt, app: Application): boolean {
  return typeof jwt.payload['iss'] === 'string' && jwt.payload['iss'] !== app.appId;
}

export function verifyFederatedAssertion(
  ctx: EmulatorContext,
  req: RequestContext,
  app: Application,
  jwt: DecodedJwt,
  token: string,
): Reply | undefined {
  const { payload } = jwt;
  const issuer = String(payload['iss']);
  const subject = typeof payload['sub'] === 'string' ? payload['sub'] : '';
  const audiences = typeof payload['aud'] === 'string' ? [payload['aud']] : Array.isArray(payload['aud']) ? payload['aud'].map(String) : [];
  // A new credential is not matched until it replicates: the same "no matching record" answers.
  const credentials = (app.federatedIdentityCredentials ?? []).filter((c) => isVisible(ctx, c));
  const sameIssuer = credentials.filter((c) => c.issuer === issuer);
  if (!sameIssuer.length) {
    return aadError(
      req,
      401,
      'invalid_client',
      700211,
      `No matching federated identity record found for presented assertion issuer '${issuer}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${DOCS}`,
    );
  }
  const sameSubject = sameIssuer.filter((c) => c.subject === subject);
  if (!sameSubject.length) {
    if (sameIssuer.some((c) => c.subject.toLowerCase() === subject.toLowerCase())) {
      return aadError(
        req,
        401,
        'invalid_client',
        7002138,
        `No matching federated identity record found for presented assertion subject '${subject}'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. See documentation at: ${DOCS}.`,
      );
    }
    return aadError(
      req,
      401,
      'invalid_client',
      700213,
      `No matching federated identity record found for presented assertion subject '${subject}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${DOCS}`,
    );
  }
  if (!sameSubject.some((c) => c.audiences.some((a) => audiences.includes(a)))) {
    return aadError(
      req,
      401,
      'invalid_client',
      700212,
      `No matching federated identity record found for presented assertion audience '${audiences.join(', ')}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. ${DOCS}`,
    );
  }
  // Entra reads the issuer's keys from its discovery document; in the sandbox every issuer is the emulated one.
  if (!ctx.oidc.signedHere(token)) {
    return aadError(
      req,
      401,
      'invalid_client',
      700027,
      "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '']",
    );
  }
  const now = Math.floor(ctx.now() / 1000);
  const exp = payload['exp'];
  const nbf = typeof payload['nbf'] === 'number' ? payload['nbf'] : undefined;
  if (typeof exp !== 'number' || exp <= now || (nbf !== undefined && nbf > now + 300)) {
    const at = (seconds: number | undefined) =>
      seconds === undefined ? '1970-01-01T00:00:00.0000000Z' : new Date(seconds * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
    return aadError(
      req,
      401,
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${at(now)}, assertion valid from ${at(nbf)}, expiry time of assertion ${at(typeof exp === 'number' ? exp : 0)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
    );
  }
  return undefined;
}
