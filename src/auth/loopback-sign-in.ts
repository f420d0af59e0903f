// Signs a user in to a delegated app with the authorization code flow and PKCE (S256), the way a
// native app does (RFC 8252): a one-shot listener on 127.0.0.1 receives the redirect, `state` is
// checked, and the code is redeemed at Entra's v2 token endpoint. The protocol work is
// oauth4webapi's; requests go through dynauth's HTTP layer (see delegated-token.ts).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import type { Http } from '../http/http.ts';
import {
  asEntraTokenError,
  authorizationServer,
  clientAuthOf,
  requestOptions,
  tokensFrom,
  type DelegatedApp,
  type DelegatedTokens,
} from './delegated-token.ts';

export interface UserSignIn {
  app: DelegatedApp;
  /** e.g. `<environment>/user_impersonation offline_access openid profile`. */
  scopes: string[];
  /** How long the user has to finish (then the sign-in fails). */
  timeoutMs: number;
  signal: AbortSignal;
  now(): Date;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Says something to the user (stderr). */
  tell(message: string): void;
  /** Opens the URL in a browser; false when none could be opened (then the URL is printed), or what was done instead. */
  open(url: string): Promise<boolean | string>;
}

export class SignInTimeoutError extends Error {
  constructor(seconds: number) {
    super(`Nobody finished the sign-in within ${seconds} s.`);
    this.name = 'SignInTimeoutError';
  }
}

/**
 * The redirect URI sent to Entra: `http://localhost:<port>`. Entra ignores the port of a
 * localhost redirect URI (learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions),
 * so the `http://localhost` the app is registered with matches; the listener itself is on
 * 127.0.0.1 only, as MSAL's is.
 */
export function loopbackRedirectUri(port: number): string {
  return `http://localhost:${port}`;
}

/** Authorization code + PKCE through the browser; resolves with the tokens once the code is redeemed. */
export async function signInThroughBrowser(http: Http, signIn: UserSignIn): Promise<DelegatedTokens> {
  const as = authorizationServer(signIn.app.cloud, signIn.app.tenantId);
  const client: oauth.Client = { client_id: signIn.app.clientId };
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const listener = await listenOnLoopback(as, client, state);
  try {
    const redirectUri = loopbackRedirectUri(listener.port);
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: signIn.app.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: signIn.scopes.join(' '),
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      // The integration account is often not the one signed in to the browser: let the user choose.
      prompt: 'select_account',
    }).toString();
    const opened = await signIn.open(url.href);
    signIn.tell(
      typeof opened === 'string'
        ? opened
        : opened
          ? 'A browser window is open: sign in there as the integration account.'
          : `Open this address in a browser and sign in as the integration account:\n${url.href}`,
    );
    // Entra's own refusal (the user declined consent, an admin blocked the app) comes back on the redirect.
    const parameters = await tokensOrThrow(() => untilDone(listener.answer, signIn));
    return await tokensFrom(
      () =>
        oauth
          .authorizationCodeGrantRequest(as, client, clientAuthOf(signIn.app), parameters, redirectUri, verifier, requestOptions(http))
          .then((response) => oauth.processAuthorizationCodeResponse(as, client, response)),
      signIn.now(),
    );
  } finally {
    await listener.close();
  }
}

/** Device code flow: for a public client on a machine without a browser. */
export async function signInWithDeviceCode(http: Http, signIn: UserSignIn): Promise<DelegatedTokens> {
  const as = authorizationServer(signIn.app.cloud, signIn.app.tenantId);
  const client: oauth.Client = { client_id: signIn.app.clientId };
  const auth = clientAuthOf(signIn.app);
  const started = signIn.now().getTime();
  const device = await tokensOrThrow(async () =>
    oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, auth, { scope: signIn.scopes.join(' ') }, requestOptions(http)),
    ),
  );
  signIn.tell(
    typeof device['message'] === 'string'
      ? device['message']
      : `To sign in, open ${device.verification_uri} and enter the code ${device.user_code}.`,
  );
  let intervalMs = (device.interval ?? 5) * 1000;
  for (;;) {
    try {
      return await tokensFrom(
        async () =>
          oauth.processDeviceCodeResponse(
            as,
            client,
            await oauth.deviceCodeGrantRequest(as, client, auth, device.device_code, requestOptions(http)),
          ),
        signIn.now(),
      );
    } catch (error) {
      const pending = error instanceof Error && 'error' in error ? String((error as { error: unknown }).error) : '';
      if (pending !== 'authorization_pending' && pending !== 'slow_down') throw error;
      if (pending === 'slow_down') intervalMs += 5000;
    }
    if (signIn.now().getTime() - started >= signIn.timeoutMs) throw new SignInTimeoutError(Math.round(signIn.timeoutMs / 1000));
    // The interval is the protocol's (RFC 8628 §3.5), not a guess at how long something takes.
    await signIn.sleep(intervalMs, signIn.signal);
  }
}

async function tokensOrThrow<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asEntraTokenError(error) ?? error;
  }
}

interface Listener {
  port: number;
  /** The valid redirect's parameters (state checked), or Entra's error for this sign-in. */
  answer: Promise<URLSearchParams>;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 for exactly one valid redirect. Anything else (another path, a wrong or
 * missing `state`, a second redirect) gets a short page saying so, and the wait goes on.
 */
function listenOnLoopback(as: oauth.AuthorizationServer, client: oauth.Client, state: string): Promise<Listener> {
  let settle: { resolve(value: URLSearchParams): void; reject(error: unknown): void } | undefined;
  const answer = new Promise<URLSearchParams>((resolve, reject) => {
    settle = { resolve, reject };
  });
  answer.catch(() => {}); // awaited by the sign-in; a failure before then is not unhandled
  let done = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' || url.pathname !== '/') return page(res, 404, 'Not found', 'dynauth is waiting for the sign-in elsewhere.');
    if (done) return page(res, 409, 'Already signed in', 'This sign-in is already complete. Return to the terminal.');
    if (url.searchParams.get('state') !== state) {
      return page(
        res,
        400,
        'Not this sign-in',
        'This answer does not belong to the sign-in dynauth started (its state does not match). Return to the terminal; dynauth is still waiting.',
      );
    }
    done = true;
    try {
      const parameters = oauth.validateAuthResponse(as, client, url.searchParams, state);
      page(res, 200, 'Signed in', 'dynauth has the sign-in. You can close this tab and return to the terminal.');
      settle!.resolve(parameters);
    } catch (error) {
      page(res, 400, 'Sign-in failed', 'Entra refused the sign-in. Return to the terminal to see why.');
      settle!.reject(error);
    }
  });
  server.on('connection', (socket) => socket.unref());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve({
        port: (server.address() as AddressInfo).port,
        answer,
        close: () =>
          new Promise<void>((closed) => {
            server.closeAllConnections();
            server.close(() => closed());
          }),
      });
    });
  });
}

function page(res: ServerResponse, status: number, title: string, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    connection: 'close',
  });
  res.end(`<!doctype html><meta charset="utf-8"><title>dynauth: ${title}</title><h1>${title}</h1><p>${text}</p>\n`);
}

/** The listener's answer, or a failure once the time allowed has passed or the user pressed Ctrl-C. */
async function untilDone(answer: Promise<URLSearchParams>, signIn: UserSignIn): Promise<URLSearchParams> {
  const timer = new AbortController();
  const stop = () => timer.abort();
  signIn.signal.addEventListener('abort', stop, { once: true });
  // Ctrl-C may have come before the wait began (while the browser was being opened): no event is left to hear.
  if (signIn.signal.aborted) stop();
  try {
    const timedOut = signIn.sleep(signIn.timeoutMs, timer.signal).then(
      () => {
        throw new SignInTimeoutError(Math.round(signIn.timeoutMs / 1000));
      },
      (error: unknown) => {
        throw signIn.signal.aborted ? error : new SignInTimeoutError(Math.round(signIn.timeoutMs / 1000));
      },
    );
    timedOut.catch(() => {});
    const parameters = await Promise.race([answer, timedOut]);
    return parameters;
  } finally {
    signIn.signal.removeEventListener('abort', stop);
    timer.abort();
  }
}
