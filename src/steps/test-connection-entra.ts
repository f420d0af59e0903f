// The checks on Entra's side of a connection test: the stored credential can be read, and Entra
// issues a token with it.
import { createAppCredential, type AppSecret } from '../auth/app-credential.ts';
import { authorityFailure, isEndpointResolutionError } from '../auth/authority-failure.ts';
import { unansweredFailure } from '../auth/token-error.ts';
import { dataverseScope } from '../clouds.ts';
import { NetworkError } from '../http/network-error.ts';
import { isGuid } from '../util/guid.ts';
import { tokenClaims, withTimeout } from './test-connection-http.ts';
import { timed, type CheckRun } from './test-connection-run.ts';

export async function checkCredential({ subject, ctx, checks }: CheckRun): Promise<AppSecret> {
  let secret: AppSecret;
  try {
    secret = await subject.loadSecret();
  } catch (error) {
    return checks.fail(
      'credential',
      subject.federation ? 'could not read the federated token file' : 'could not read the stored credential',
      error,
    );
  }
  if (secret.kind === 'secret' && ctx.credential) {
    ctx.credential.secretLooksLikeId = isGuid(secret.clientSecret.trim(), { braces: true });
    ctx.credential.secretIsKeyId =
      subject.credential?.keyId !== undefined && secret.clientSecret.trim().toLowerCase() === subject.credential.keyId.toLowerCase();
  }
  if (secret.kind === 'federated') {
    const token = subject.federation?.token;
    checks.pass(
      'credential',
      `platform token read from ${subject.federation?.tokenFile}: issuer ${token?.issuer ?? '?'}, subject ${token?.subject ?? '?'}`,
    );
    return secret;
  }
  checks.pass(
    'credential',
    `${secret.kind === 'secret' ? 'client secret' : 'certificate'}${subject.profile ? ' read from the store' : ' given by hand'}`,
  );
  return secret;
}

/** A token for the environment, as the integration will get one; its time goes in the report. */
export async function checkToken({ deps, cloud, subject, timeoutMs, ctx, report, checks }: CheckRun, secret: AppSecret): Promise<string> {
  let token: string;
  let unanswered: NetworkError | undefined;
  try {
    const watch = {
      trace: (line: string) => deps.ui.verbose(line),
      onNetwork: (failure: NetworkError | undefined) => (unanswered = failure),
    };
    const credential = await createAppCredential(cloud, subject.tenant, subject.clientId, secret, watch);
    const request = credential.getToken(dataverseScope(subject.environmentUrl), { abortSignal: deps.cancellation.signal });
    [token, report.latency.tokenMs] = await timed(deps, async () => {
      // MSAL does not abort its requests, so the time-out races them.
      const result = await withTimeout(request, timeoutMs, () => new NetworkError('timeout', new URL(cloud.authorityHost).host, undefined));
      if (!result) throw new Error('Entra returned no token');
      return result.token;
    });
  } catch (error) {
    const explained = isEndpointResolutionError(error) ? await authorityFailure(deps.fetch, cloud, subject.tenant, timeoutMs) : undefined;
    const cause = error instanceof NetworkError ? error : (unansweredFailure(error, unanswered) ?? error);
    return checks.fail('token', 'Entra did not issue a token', explained ?? cause);
  }
  checks.pass('token', `token for ${new URL(subject.environmentUrl).origin}/.default in ${report.latency.tokenMs} ms`);
  ctx.token = tokenClaims(token);
  return token;
}
