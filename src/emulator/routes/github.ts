// GitHub's REST API for Actions secrets, repository and environment level:
// docs.github.com/rest/actions/secrets ("Get a repository public key", "Create or update a
// repository secret", "Get an environment public key", "Create or update an environment secret").
import { bearerToken, isInvalidJson, stringField, type Reply, type RequestContext } from '../http.ts';
import { findRepository, openSealed, publicKeyOf, scopeOf, type GithubState } from '../github.ts';

const DOCS = 'https://docs.github.com/rest/actions/secrets';
/** docs.github.com/actions/security-guides/using-secrets-in-github-actions#naming-your-secrets; limits: "up to 48 KB". */
const SECRET_NAME = /^(?!GITHUB_)(?![0-9])[A-Z0-9_]+$/i;
const MAX_SECRET_BYTES = 48 * 1024;

const SECRETS_PATH = /^\/repos\/([^/]+)\/([^/]+)(?:\/environments\/([^/]+))?(?:\/actions)?\/secrets\/([^/]+)$/;

export function handleGithub(state: GithubState, req: RequestContext): Reply {
  const match = SECRETS_PATH.exec(req.rawPath);
  if (!match) return fail(404, 'Not Found');
  const [, owner = '', repo = '', rawEnvironment, rawName = ''] = match;
  const environment = rawEnvironment === undefined ? undefined : decodeURIComponent(rawEnvironment);
  // Repository secrets live under /actions/secrets, environment secrets under /environments/{name}/secrets.
  const underActions = req.rawPath.includes('/actions/secrets/');
  if ((environment === undefined) !== underActions) return fail(404, 'Not Found');
  // "Requests with no User-Agent header will be rejected" (docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent).
  if (!req.headers['user-agent'])
    return fail(403, 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.');
  // An unauthenticated caller, or one whose token GitHub does not know: 401 (docs.github.com/rest/overview/troubleshooting-the-rest-api).
  const token = githubToken(req.headers.authorization);
  if (!token) return fail(401, 'Requires authentication');
  if (token !== state.token) return fail(401, 'Bad credentials');
  const repository = findRepository(state, owner, repo);
  // A private repository the token cannot see is answered 404, never 403, so its existence is not told.
  if (!repository || repository.access === 'none') return fail(404, 'Not Found');
  // Reading the public key and writing secrets need the Secrets (or Environments) write permission.
  if (repository.access === 'read') return fail(403, 'Resource not accessible by personal access token');
  const scope = scopeOf(repository, environment);
  if (!scope) return fail(404, 'Not Found');
  const name = decodeURIComponent(rawName);
  if (name === 'public-key') {
    if (req.method !== 'GET') return fail(404, 'Not Found');
    return { status: 200, body: publicKeyOf(scope) };
  }
  if (req.method !== 'PUT') return fail(404, 'Not Found');
  // The answers below for a bad name, a stale key id or a value that does not open are 422s; their
  // exact wording is not documented (unconfirmed): a client must not rely on it.
  if (!SECRET_NAME.test(name))
    return fail(422, 'Invalid request.\n\nSecret names can only contain alphanumeric characters or underscores.');
  if (isInvalidJson(req.body)) return fail(400, 'Problems parsing JSON');
  const encryptedValue = stringField(req.body, 'encrypted_value');
  const keyId = stringField(req.body, 'key_id');
  if (encryptedValue === undefined || keyId === undefined)
    return fail(422, 'Invalid request.\n\n"encrypted_value" and "key_id" are required.');
  if (keyId !== scope.key.keyId) return fail(422, 'Invalid request.\n\nkey_id does not match the current public key.');
  const opened = openSealed(scope, encryptedValue);
  if (opened === undefined) return fail(422, 'Invalid request.\n\nencrypted_value could not be decrypted with the public key.');
  if (Buffer.byteLength(opened) > MAX_SECRET_BYTES) return fail(422, 'Invalid request.\n\nSecret value is too large (over 48 KB).');
  const key = name.toUpperCase(); // secret names are not case-sensitive; GitHub shows them upper-cased
  const existed = scope.secrets.has(key);
  scope.secrets.set(key, { encryptedValue, keyId, updatedAt: new Date().toISOString() });
  // 201 "Response when creating a secret", 204 "Response when updating a secret".
  return { status: existed ? 204 : 201, ...(existed ? {} : { body: {} }) };
}

/** GitHub takes "Bearer <token>" and the older "token <token>". */
function githubToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const legacy = /^token\s+(\S+)$/i.exec(header.trim());
  return legacy?.[1] ?? bearerToken({ authorization: header });
}

function fail(status: number, message: string): Reply {
  return {
    status,
    headers: { 'x-github-media-type': 'github.v3; format=json' },
    body: { message, documentation_url: DOCS, status: String(status) },
  };
}
