// The emulator's delegated refresh tokens answer as Entra does: a new refresh token at each
// redemption with the 90-day window following the last use, and each refusal with Entra's status,
// `error` and `error_codes`; Dataverse refuses a disabled, unlicensed or role-less user as it does.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { EmulatorState } from '../../src/emulator/state.ts';
import { registerDelegatedApp, signInDelegated } from '../e2e/delegated-fixtures.ts';
import { emulatorFor, http, tokenUrl } from './helpers.ts';

type Emulator = Awaited<ReturnType<typeof emulatorFor>>;

function environmentUrl(emulator: Emulator): string {
  return emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!;
}

async function signedIn(
  emulator: Emulator,
  options: { publicClient?: boolean; allowPublicFlows?: boolean; signInWithSecret?: boolean } = {},
) {
  const app = registerDelegatedApp(emulator, { name: `app-${Math.random().toString(36).slice(2, 8)}`, ...options });
  const secret = options.signInWithSecret === false ? undefined : app.clientSecret;
  const { refreshToken, user } = await signInDelegated(emulator, app.appId, environmentUrl(emulator), secret);
  return { app, refreshToken, user };
}

function redeem(emulator: Emulator, appId: string, refreshToken: string, clientSecret?: string) {
  return http(tokenUrl(emulator), {
    form: {
      grant_type: 'refresh_token',
      client_id: appId,
      refresh_token: refreshToken,
      scope: `${environmentUrl(emulator)}/user_impersonation offline_access`,
      ...(clientSecret ? { client_secret: clientSecret } : {}),
    },
  });
}

function refusedWith(answer: Awaited<ReturnType<typeof http>>, status: number, error: string, code: number): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.body.error, error);
  assert.deepEqual(answer.body.error_codes, [code]);
  assert.match(answer.body.error_description, new RegExp(`^AADSTS${code}: `));
  assert.ok(answer.body.trace_id && answer.body.correlation_id && answer.body.timestamp);
}

test('each redemption hands out a new refresh token, and the 90-day inactivity window follows the last use', async (t) => {
  const emulator = await emulatorFor(t);
  const { app, refreshToken } = await signedIn(emulator);
  emulator.users.idleRefreshTokens(80);
  const first = await redeem(emulator, app.appId, refreshToken, app.clientSecret);
  assert.equal(first.status, 200, first.text);
  const next = first.body.refresh_token as string;
  assert.ok(next && next !== refreshToken, 'a new refresh token');
  emulator.users.idleRefreshTokens(80);
  // 160 days after the sign-in, but 80 after its last use: the new one works, the first one is dead.
  assert.equal((await redeem(emulator, app.appId, next, app.clientSecret)).status, 200);
  const stale = await redeem(emulator, app.appId, refreshToken, app.clientSecret);
  refusedWith(stale, 400, 'invalid_grant', 700082);
  assert.match(
    stale.body.error_description,
    /The refresh token has expired due to inactivity\. The token was issued on .* and was inactive for 90\.00:00:00\./,
  );
});

test('revoked sessions (50173), a password change (public clients only), MFA (50076/50079), consent removed (65001)', async (t) => {
  const emulator = await emulatorFor(t);
  const revoked = await signedIn(emulator);
  emulator.users.revokeSignInSessions(revoked.user.objectId);
  refusedWith(await redeem(emulator, revoked.app.appId, revoked.refreshToken, revoked.app.clientSecret), 400, 'invalid_grant', 50173);

  const publicOne = await signedIn(emulator, { publicClient: true });
  const confidential = await signedIn(emulator);
  emulator.users.changePassword(publicOne.user.objectId);
  refusedWith(await redeem(emulator, publicOne.app.appId, publicOne.refreshToken), 400, 'invalid_grant', 50173);
  assert.equal(
    (await redeem(emulator, confidential.app.appId, confidential.refreshToken, confidential.app.clientSecret)).status,
    200,
    "a confidential client's refresh token survives a password change",
  );

  const unconsented = await signedIn(emulator);
  const state = emulator.state as unknown as EmulatorState;
  const sp = state.servicePrincipals.find((s) => s.appId === unconsented.app.appId)!;
  state.oauth2PermissionGrants.splice(
    state.oauth2PermissionGrants.findIndex((g) => g.clientId === sp.id),
    1,
  );
  refusedWith(
    await redeem(emulator, unconsented.app.appId, unconsented.refreshToken, unconsented.app.clientSecret),
    400,
    'invalid_grant',
    65001,
  );

  const mfa = await signedIn(emulator);
  emulator.users.requireMfa(mfa.user.objectId);
  const demanded = await redeem(emulator, mfa.app.appId, mfa.refreshToken, mfa.app.clientSecret);
  refusedWith(demanded, 400, 'interaction_required', 50076);
  assert.match(demanded.body.error_description, /must use multi-factor authentication to access '00000007-0000-0000-c000-000000000000'/);
  emulator.users.requireMfa(mfa.user.objectId, { enrolled: false });
  refusedWith(await redeem(emulator, mfa.app.appId, mfa.refreshToken, mfa.app.clientSecret), 400, 'interaction_required', 50079);
});

test('a refresh token keeps its client kind: a public one redeemed with a secret is 700025, a confidential one without is 7000218', async (t) => {
  const emulator = await emulatorFor(t);
  const mixed = await signedIn(emulator, { allowPublicFlows: true, signInWithSecret: false });
  refusedWith(await redeem(emulator, mixed.app.appId, mixed.refreshToken, mixed.app.clientSecret), 401, 'invalid_client', 700025);
  assert.equal((await redeem(emulator, mixed.app.appId, mixed.refreshToken)).status, 200, 'without the secret it works');

  const confidential = await signedIn(emulator, { allowPublicFlows: true });
  refusedWith(await redeem(emulator, confidential.app.appId, confidential.refreshToken), 401, 'invalid_client', 7000218);
});

test('Dataverse: a disabled user 0x80040225, an unlicensed one 0x8004d24b, a role-less one may WhoAmI but not list its privileges', async (t) => {
  const emulator = await emulatorFor(t);
  const { app, refreshToken, user } = await signedIn(emulator);
  const token = (await redeem(emulator, app.appId, refreshToken, app.clientSecret)).body.access_token as string;
  const base = `${environmentUrl(emulator)}/api/data/v9.2`;
  const dataverse = (emulator.state as unknown as EmulatorState).environments.find((e) => e.uniqueName === 'contososales')!.dataverse!;
  const systemUser = dataverse.systemusers.find((u) => u.azureactivedirectoryobjectid === user.objectId)!;

  systemUser.isdisabled = true;
  let answer = await http(`${base}/WhoAmI`, { token });
  assert.equal(answer.status, 403);
  assert.equal(answer.body.error.code, '0x80040225');
  assert.match(answer.body.error.message, /is disabled\. Disabled users cannot access the system\. Consider enabling this user\./);
  systemUser.isdisabled = false;

  systemUser.islicensed = false;
  answer = await http(`${base}/WhoAmI`, { token });
  assert.equal(answer.status, 403);
  assert.equal(answer.body.error.code, '0x8004d24b');
  systemUser.islicensed = true;

  systemUser.roleIds = [];
  answer = await http(`${base}/WhoAmI`, { token });
  assert.equal(answer.status, 200, 'WhoAmI needs no role');
  answer = await http(`${base}/systemusers(${systemUser.systemuserid})/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()`, { token });
  assert.equal(answer.status, 403);
  assert.equal(answer.body.error.code, '0x80040220');
  assert.match(answer.body.error.message, /has not been assigned any roles\. They need a role with the prvReadUser privilege\./);
});

test("a code sent to a loopback redirect with a port is a public client's when the app registers http://localhost on the public-client platform only: a secret with it is 700025", async (t) => {
  const emulator = await emulatorFor(t);
  const registered = registerDelegatedApp(emulator, { name: 'loopback-port' });
  const app = (emulator.state as unknown as EmulatorState).applications.find((a) => a.appId === registered.appId)!;
  app.web.redirectUris = [];
  app.publicClient.redirectUris = ['http://localhost'];
  // What a native app sends (RFC 8252): the registered localhost with the port its listener got.
  const redirectUri = 'http://localhost:51234';
  const verifier = 'v'.repeat(64);
  const authorize = new URL(`${emulator.cloudConfig.authorityHost}/${emulator.tenant.id}/oauth2/v2.0/authorize`);
  for (const [key, value] of Object.entries({
    client_id: registered.appId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: `${environmentUrl(emulator)}/user_impersonation offline_access`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    authorize.searchParams.set(key, value);
  const approved = await fetch(authorize, { redirect: 'manual' });
  const code = new URL(approved.headers.get('location')!).searchParams.get('code');
  assert.ok(code, 'the port-qualified loopback redirect is accepted');
  const answer = await http(tokenUrl(emulator), {
    form: {
      grant_type: 'authorization_code',
      client_id: registered.appId,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_secret: registered.clientSecret!,
    },
  });
  refusedWith(answer, 401, 'invalid_client', 700025);
});
