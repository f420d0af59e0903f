import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';
import { runInPty } from '../support/pty.ts';
import { formatConnectionString } from '../../src/secrets/connection-string.ts';
import { assertNoDelegatedSecretLeaked, seedDelegatedProfile, storedRefreshToken } from './delegated-fixtures.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function initAppUser(sandbox: Sandbox): Promise<{ clientId: string; url: string }> {
  const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only', '--json']);
  assert.equal(init.code, 0, init.stderr);
  const url = sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!;
  return { clientId: JSON.parse(init.stdout).clientId, url };
}

test('token prints a fresh app token for the environment on stdout, and nothing of it on stderr', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId, url } = await initAppUser(sandbox);
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['token', '--profile', 'contososales']);
  assert.equal(run.code, 0, run.stderr);
  const token = run.stdout.trim();
  assert.match(run.stdout, /^[\w-]+\.[\w-]+\.[\w-]*\n$/, 'the token alone, one line');
  const claims = claimsOf(token);
  assert.equal(claims['aud'], new URL(url).origin, 'for the environment');
  assert.equal(claims['appid'], clientId, 'as the app itself');
  assert.ok(!run.stderr.includes(token));
  const asked = sandbox.emulator.requests.slice(seen).filter((r) => r.service === 'login' && r.method === 'POST');
  assert.equal(asked.length, 1, 'one token request');
  assert.equal((asked[0]!.body as Record<string, string>)['grant_type'], 'client_credentials');
  assert.equal((asked[0]!.body as Record<string, string>)['scope'], `${new URL(url).origin}/.default`);

  const json = await sandbox.run(['token', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(result).sort(), ['accessToken', 'expiresOn', 'profile', 'scope', 'tokenType']);
  assert.equal(result.profile, 'contososales');
  assert.equal(result.tokenType, 'Bearer');
  assert.equal(result.scope, `${new URL(url).origin}/.default`);
  assert.ok(Date.parse(result.expiresOn) > Date.now(), 'expires in the future');
  assert.equal(claimsOf(result.accessToken)['appid'], clientId);
  await sandbox.assertNoSecretLeaked();
});

test('token refuses to write a token to a terminal without --show-secret, before asking Entra (exit 2)', async (t) => {
  const sandbox = await startSandbox(t);
  await initAppUser(sandbox);
  const seen = sandbox.emulator.requests.length;
  const refused = await runInPty([process.execPath, bin, 'token'], sandbox.env, []);
  assert.equal(refused.code, 2, refused.screen);
  assert.match(refused.screen, /Not writing an access token to the terminal/);
  assert.match(refused.screen, /--show-secret/);
  assert.equal(sandbox.emulator.requests.length, seen, 'no token was asked for');
  const named = await runInPty([process.execPath, bin, 'token', '--profile', 'contososales'], sandbox.env, []);
  assert.equal(named.code, 2, named.screen);
  assert.match(named.screen, /Pipe or redirect it \(dynauth token --profile contososales \| …/);

  const shown = await runInPty([process.execPath, bin, 'token', '--show-secret'], sandbox.env, []);
  assert.equal(shown.code, 0, shown.screen);
  assert.match(shown.screen, /^[\w-]+\.[\w-]+\.[\w-]*\r?$/m, 'the token, asked for');
});

test('token --scope: client credentials take only a .default scope (exit 2, nothing asked of Entra)', async (t) => {
  const sandbox = await startSandbox(t);
  const { url } = await initAppUser(sandbox);
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['token', '--scope', `${new URL(url).origin}/user_impersonation`, '--json']);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(JSON.parse(run.stdout).error.code, 'bad-scope');
  assert.equal(sandbox.emulator.requests.length, seen);
});

test('token: a secret Entra no longer accepts is diagnosed as test-connection does (exit 4)', async (t) => {
  const sandbox = await startSandbox(t);
  const { clientId, url } = await initAppUser(sandbox);
  // The stored secret replaced by one the app never had (a typo pasted in, a secret deleted on the app).
  const { vault } = await sandbox.storage();
  const wrong = `abc8Q~${'x'.repeat(34)}`;
  await vault.saveConnection('contososales', formatConnectionString({ authType: 'ClientSecret', url, clientId, clientSecret: wrong }));
  const run = await sandbox.run(['token', '--json']);
  assert.equal(run.code, 4, run.stderr);
  const { error } = JSON.parse(run.stdout);
  assert.equal(error.code, 'AADSTS7000215');
  assert.match(error.hint, /dynauth rotate-secret --profile contososales/);
  assert.ok(!run.stdout.includes(wrong) && !run.stderr.includes(wrong), 'the secret is not repeated');
});

test('token of a delegated profile: the refresh token redeemed as the integration account, the rotated one stored, user_impersonation', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await seedDelegatedProfile(sandbox, { name: 'contact', lastRedeemedDaysAgo: 30 });
  const origin = new URL(setup.profile.environment.url).origin;
  const seen = sandbox.emulator.requests.length;
  const run = await sandbox.run(['token', '--profile', 'contact', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.equal(result.scope, `${origin}/user_impersonation`);
  const claims = claimsOf(result.accessToken);
  assert.equal(claims['oid'], setup.user.objectId, 'as the integration account');
  assert.equal(claims['aud'], origin);
  assert.match(String(claims['scp']), /\buser_impersonation\b/);
  const [request] = sandbox.emulator.requests.slice(seen).filter((r) => r.service === 'login');
  assert.equal((request!.body as Record<string, string>)['grant_type'], 'refresh_token');
  const rotated = await storedRefreshToken(sandbox, 'contact');
  assert.ok(rotated && rotated !== setup.refreshToken, 'the rotated refresh token is stored');
  const { profiles } = await sandbox.storage();
  const saved = (await profiles.read('contact'))!;
  assert.ok(Date.now() - Date.parse(saved.delegated!.refreshToken!.lastRedeemedOn) < 60_000, 'the redemption is recorded');
  // The rotated token is the one the next run redeems.
  const again = await sandbox.run(['token', '--profile', 'contact']);
  assert.equal(again.code, 0, again.stderr);
  await assertNoDelegatedSecretLeaked(sandbox, [setup], ['contact']);
});

test('token of a delegated profile whose refresh token expired unused: the delegated diagnosis, exit 4', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await seedDelegatedProfile(sandbox, { name: 'idle', publicClient: true, lastRedeemedDaysAgo: 91 });
  sandbox.emulator.users.idleRefreshTokens(91, setup.user.objectId);
  const run = await sandbox.run(['token', '--profile', 'idle', '--json']);
  assert.equal(run.code, 4, run.stderr);
  const { error } = JSON.parse(run.stdout);
  assert.equal(error.code, 'AADSTS700082');
  assert.match(error.hint, /dynauth init --flow delegated --profile idle/);
  await assertNoDelegatedSecretLeaked(sandbox, [setup], ['idle']);
});
