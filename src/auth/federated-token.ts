// The platform's token for workload identity federation (GitHub Actions, Azure DevOps, a Kubernetes
// projected service account token): read from the file the platform wrote (AZURE_FEDERATED_TOKEN_FILE),
// and its claims read without verifying, only to explain a refusal beside what the app trusts.
import { UsageError } from '../cli/errors.ts';
import { NotReadableFileError, readRegularFile } from '../util/regular-file.ts';

/** A projected service account token or an OIDC token is a few KB at most. */
const MAX_TOKEN_BYTES = 64 * 1024;

export interface FederatedTokenClaims {
  issuer?: string;
  subject?: string;
  audiences: string[];
  /** ISO; absent when the token says nothing. */
  expiresOn?: string;
}

/** The token in `path` (a regular file, bounded); `onSecret` is told it before anything else is done with it. */
export async function readFederatedToken(path: string, onSecret: (token: string) => void): Promise<string> {
  let text: string;
  try {
    text = (await readRegularFile(path, MAX_TOKEN_BYTES)).toString('utf8').trim();
  } catch (error) {
    const reason =
      error instanceof NotReadableFileError ? error.message : `${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`;
    throw new UsageError(`Cannot read the federated token file ${reason}.`, {
      hint: 'Give the file the platform wrote its OIDC token to (--federated-token-file, or AZURE_FEDERATED_TOKEN_FILE).',
      code: 'federated-token-unreadable',
    });
  }
  if (text) onSecret(text);
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text)) {
    throw new UsageError(`The federated token file ${path} does not hold a JWT (three base64url parts separated by dots).`, {
      hint: 'Write only the token to the file: for GitHub Actions, the "value" of the ID token response.',
      code: 'federated-token-malformed',
    });
  }
  return text;
}

/** What the token claims, unverified (Entra does the verifying). */
export function federatedTokenClaims(token: string): FederatedTokenClaims {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const aud = payload['aud'];
    return {
      ...(typeof payload['iss'] === 'string' ? { issuer: payload['iss'] } : {}),
      ...(typeof payload['sub'] === 'string' ? { subject: payload['sub'] } : {}),
      audiences: typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [],
      ...(typeof payload['exp'] === 'number' ? { expiresOn: new Date(payload['exp'] * 1000).toISOString() } : {}),
    };
  } catch {
    return { audiences: [] };
  }
}
