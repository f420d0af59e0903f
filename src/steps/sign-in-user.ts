// Signs the integration account of a delegated setup in: through the browser (authorization code
// + PKCE on a loopback listener) or, for a public client, with a device code. Entra's refusals and
// a sign-in nobody finished become DynauthErrors that say what to do.
import type { DelegatedTokens } from '../auth/delegated-token.ts';
import { EntraTokenError } from '../auth/entra-token-error.ts';
import { SignInTimeoutError, signInThroughBrowser, signInWithDeviceCode } from '../auth/loopback-sign-in.ts';
import { AuthError, DynauthError } from '../cli/errors.ts';
import { dataverseUserScope, type Cloud } from '../clouds.ts';
import type { Deps } from '../deps.ts';
import { openBrowser } from '../io/open-browser.ts';

export interface IntegrationSignIn {
  tenantId: string;
  clientId: string;
  /** Absent for a public client. */
  clientSecret?: string;
  environmentUrl: string;
  method: 'browser' | 'device-code';
  timeoutMs: number;
  /** How to try again, named in errors (the command to re-run). */
  retryHint: string;
}

/** The scopes a delegated integration signs in with: Dataverse as the user, a refresh token, and who the user is. */
export function integrationScopes(environmentUrl: string): string[] {
  return [dataverseUserScope(environmentUrl), 'offline_access', 'openid', 'profile'];
}

export async function signInIntegrationAccount(
  deps: Pick<Deps, 'http' | 'ui' | 'clock' | 'cancellation' | 'env' | 'platform' | 'canOpenBrowser' | 'redactor'>,
  cloud: Cloud,
  signIn: IntegrationSignIn,
): Promise<DelegatedTokens> {
  const app = {
    cloud,
    tenantId: signIn.tenantId,
    clientId: signIn.clientId,
    ...(signIn.clientSecret === undefined ? {} : { clientSecret: signIn.clientSecret }),
  };
  deps.ui.step(
    'Signing the integration account in: the user the integration will act as, which may differ from you (choose the account in the browser).',
  );
  const userSignIn = {
    app,
    scopes: integrationScopes(signIn.environmentUrl),
    timeoutMs: signIn.timeoutMs,
    signal: deps.cancellation.signal,
    now: () => deps.clock.now(),
    sleep: (ms: number, signal: AbortSignal) => deps.clock.sleep(ms, signal),
    tell: (message: string) => deps.ui.notice(message),
    open: (url: string) => openBrowser(url, deps),
  };
  try {
    const tokens =
      signIn.method === 'device-code'
        ? await signInWithDeviceCode(deps.http, userSignIn)
        : await signInThroughBrowser(deps.http, userSignIn);
    deps.redactor.add(tokens.accessToken);
    if (tokens.refreshToken) deps.redactor.add(tokens.refreshToken);
    if (!tokens.refreshToken) {
      throw new DynauthError('Entra signed the integration account in but gave no refresh token.', {
        hint: 'The app must be allowed offline_access; run the same dynauth init again, which grants it.',
        code: 'no-refresh-token',
      });
    }
    return tokens;
  } catch (error) {
    throw signInFailure(error, signIn) ?? error;
  }
}

function signInFailure(error: unknown, signIn: IntegrationSignIn): DynauthError | undefined {
  if (error instanceof SignInTimeoutError) {
    return new DynauthError(`${error.message} The app is set up; only the integration account's sign-in is missing.`, {
      hint: `${signIn.retryHint} (allow longer with --wait 15m).`,
      code: 'sign-in-timeout',
    });
  }
  if (!(error instanceof EntraTokenError)) return undefined;
  const said = `Entra refused the integration account's sign-in: ${error.message}`;
  const hints: Record<number, string> = {
    65001: 'Admin consent to user_impersonation is missing or has not reached sign-in yet; run the same dynauth init again.',
    50011: 'The redirect URI is not registered on the app; run the same dynauth init again, which registers http://localhost.',
    7000218: 'The app is confidential and the request carried no secret; run the same dynauth init again.',
    700025: 'The app is a public client and may not send a secret.',
    50076:
      'The integration account must complete multi-factor authentication: sign in through the browser (not --user-sign-in device-code).',
    50079: 'The integration account must first register for multi-factor authentication; then run the same dynauth init again.',
  };
  return new AuthError(said, {
    hint: hints[error.aadsts ?? 0] ?? signIn.retryHint,
    code: 'integration-sign-in-refused',
  });
}
