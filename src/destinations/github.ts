// GitHub Actions secrets of a repository or one of its environments: each value sealed with
// libsodium's crypto_box_seal against the public key GitHub hands out, then PUT with that key's id
// (docs.github.com/rest/actions/secrets). The token comes from GH_TOKEN / GITHUB_TOKEN or gh.
import { quoteServerText } from '../http/server-text.ts';
import { DestinationError, type Destination, type DestinationDeps, type DeliveryParts } from './destination.ts';
import { githubToken } from './github-token.ts';
import type { DestinationSpec, SecretPart } from './spec.ts';

type GithubSpec = Extract<DestinationSpec, { kind: 'github' }>;

const API_VERSION = '2022-11-28';

export function githubDestination(spec: GithubSpec, deps: DestinationDeps): Destination {
  const repository = `${spec.owner}/${spec.repo}`;
  const label = `GitHub ${repository}${spec.environment ? ` (environment ${spec.environment})` : ''}`;
  return {
    spec,
    label,
    async deliver(parts) {
      const apiUrl = githubApiUrl(deps.env, label);
      const token = await githubToken(deps, new URL(apiUrl).host, label);
      const base = `${apiUrl}/repos/${encodeURIComponent(spec.owner)}/${encodeURIComponent(spec.repo)}`;
      const secrets = `${base}${spec.environment ? `/environments/${encodeURIComponent(spec.environment)}` : '/actions'}/secrets`;
      const headers = {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'x-github-api-version': API_VERSION,
        'user-agent': 'dynauth',
      };
      const call = async (url: string, init: { method: string; body?: string }) => {
        const response = await deps.http.request(url, {
          ...init,
          headers: { ...headers, ...(init.body ? { 'content-type': 'application/json' } : {}) },
        });
        if (response.ok) return response;
        throw await refusal(response, label, repository, spec.environment);
      };
      const publicKey = (await (await call(`${secrets}/public-key`, { method: 'GET' })).json()) as { key_id?: unknown; key?: unknown };
      if (typeof publicKey.key_id !== 'string' || typeof publicKey.key !== 'string') {
        throw new DestinationError(label, 'GitHub answered the public-key request without a key.');
      }
      // Loaded only when a GitHub destination delivers: it is large, and most runs push nothing.
      const sodium = (await import('libsodium-wrappers')).default;
      await sodium.ready;
      const recipient = Buffer.from(publicKey.key, 'base64');
      if (recipient.length !== sodium.crypto_box_PUBLICKEYBYTES)
        throw new DestinationError(label, 'GitHub handed out a public key of the wrong size.');
      const values = valuesOf(parts);
      const written: string[] = [];
      for (const [part, value] of values) {
        const name = spec.names[part];
        const sealed = Buffer.from(sodium.crypto_box_seal(Buffer.from(value, 'utf8'), recipient)).toString('base64');
        await call(`${secrets}/${encodeURIComponent(name)}`, {
          method: 'PUT',
          body: JSON.stringify({ encrypted_value: sealed, key_id: publicKey.key_id }),
        });
        written.push(name);
      }
      return { ...(parts.key ? { keyId: parts.key.keyId } : {}), summary: `Actions secrets ${written.join(', ')}` };
    },
  };
}

/** The public parts always; the secret or the certificate (private key and certificate, PEM) when there is one. */
function valuesOf(parts: DeliveryParts): Array<[SecretPart, string]> {
  const values: Array<[SecretPart, string]> = [
    ['tenant-id', parts.tenantId],
    ['client-id', parts.clientId],
    ['environment-url', parts.environmentUrl],
  ];
  if (parts.key?.kind === 'secret') values.push(['client-secret', parts.key.clientSecret]);
  if (parts.key?.kind === 'certificate') values.push(['client-certificate', parts.key.pem]);
  return values;
}

/** GITHUB_API_URL (GitHub Enterprise: https://HOST/api/v3), else api.github.com. */
function githubApiUrl(env: Record<string, string | undefined>, label: string): string {
  const given = env.GITHUB_API_URL?.trim();
  if (!given) return 'https://api.github.com';
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new DestinationError(label, 'GITHUB_API_URL is not a URL.', { code: 'bad-github-api-url' });
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
    throw new DestinationError(label, 'GITHUB_API_URL must be a plain https:// URL (the token is sent there).', {
      code: 'bad-github-api-url',
    });
  }
  return url.href.replace(/\/+$/, '');
}

async function refusal(response: Response, label: string, repository: string, environment: string | undefined): Promise<DestinationError> {
  const body = (await response.json().catch(() => ({}))) as { message?: unknown };
  const said = typeof body.message === 'string' ? ` (${quoteServerText(body.message.split('\n')[0] ?? '', 200)})` : '';
  const where = environment ? `environment ${environment} of ${repository}` : repository;
  switch (response.status) {
    case 401:
      return new DestinationError(label, `GitHub refused the token: 401${said}.`, {
        hint: 'Set GH_TOKEN to a valid token, or sign in again with gh auth login.',
        code: 'github-unauthorized',
      });
    case 403:
      return new DestinationError(label, `the token may not write the Actions secrets of ${where}: 403${said}.`, {
        hint: `Use a token with the "Secrets" (repository) or "Environments" (environment) write permission on ${repository}, or a collaborator's with admin rights.`,
        code: 'github-forbidden',
      });
    case 404:
      return new DestinationError(label, `GitHub does not show ${where} to this token: 404${said}.`, {
        hint: 'Check the owner, repository and environment names, and that the token can see the repository (a private one answers 404).',
        code: 'github-not-found',
      });
    default:
      return new DestinationError(label, `GitHub answered ${response.status}${said}.`, { code: 'github-refused' });
  }
}
