// rotate-secret for delegated profiles: a confidential app's client secret is replaced and proved by
// redeeming the integration account's refresh token with it (no application user exists to ask
// WhoAmI as the app); the refresh token is kept throughout. A public client has nothing to rotate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EmulatorState } from '../../src/emulator/state.ts';
import { parseConnectionString } from '../../src/secrets/connection-string.ts';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';
import { assertNoDelegatedSecretLeaked, seedDelegatedProfile, storedRefreshToken } from './delegated-fixtures.ts';

function appOf(sandbox: Sandbox, appId: string) {
  return (sandbox.emulator.state as unknown as EmulatorState).applications.find((a) => a.appId === appId)!;
}

async function storedSecret(sandbox: Sandbox, name: string): Promise<string> {
  const { vault } = await sandbox.storage();
  return parseConnectionString((await vault.loadConnection(name))!.connectionString).clientSecret!;
}

test("a delegated app's secret is rotated and proved with the user's refresh token, which is kept", async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await seedDelegatedProfile(sandbox, { name: 'contact', lastRedeemedDaysAgo: 30 });
  const oldKeyId = setup.profile.credential!.keyId;
  const before = sandbox.emulator.requests.length;
  const run = await sandbox.run(['rotate-secret', '--profile', 'contact', '--revoke-old', '--yes', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const [result] = JSON.parse(run.stdout).profiles;
  assert.equal(result.rotated, true);
  assert.notEqual(result.credential.keyId, oldKeyId);
  assert.deepEqual(result.revoked, [oldKeyId]);
  assert.deepEqual(
    appOf(sandbox, setup.appId).passwordCredentials.map((c) => c.keyId),
    [result.credential.keyId],
    'only the new secret is left on the app',
  );
  assert.match(run.stderr, /New secret works: the refresh token of .* was redeemed with it/);

  // The proof: a refresh-token redemption with a secret, after the new secret was added; no client-credentials token.
  const requests = sandbox.emulator.requests.slice(before);
  const added = requests.findIndex((r) => r.service === 'graph' && r.path.endsWith('/addPassword') && r.status === 200);
  const redemptions = requests.filter((r) => r.service === 'login' && (r.body as Record<string, string>)?.grant_type === 'refresh_token');
  assert.ok(added >= 0, 'a new secret was added');
  assert.ok(redemptions.length >= 1 && requests.indexOf(redemptions.at(-1)!) > added, 'the refresh token was redeemed after it');
  assert.equal((redemptions.at(-1)!.body as Record<string, string>).client_secret, '[redacted]');
  assert.ok(
    !requests.some(
      (r) => r.service === 'login' && (r.body as Record<string, string>)?.grant_type === 'client_credentials' && r.status === 200,
    ),
    'a delegated app is not proved with client credentials',
  );

  // The refresh token is still there (rotated by the proof), the secret is new, and both work together.
  const newSecret = await storedSecret(sandbox, 'contact');
  assert.notEqual(newSecret, setup.clientSecret);
  const refresh = await storedRefreshToken(sandbox, 'contact');
  assert.ok(refresh && refresh !== setup.refreshToken, 'the refresh token item holds the successor the proof got');
  const { profiles } = await sandbox.storage();
  const profile = (await profiles.read('contact'))!;
  assert.equal(profile.flow, 'delegated');
  assert.equal(profile.credential?.keyId, result.credential.keyId);
  assert.ok(Date.now() - Date.parse(profile.delegated!.refreshToken!.lastRedeemedOn) < 60_000, 'the proof counts as a redemption');
  const tested = await sandbox.run(['test-connection', '--profile', 'contact']);
  assert.equal(tested.code, 0, tested.stderr);
  await assertNoDelegatedSecretLeaked(sandbox, [setup], ['contact']);
  for (const output of sandbox.outputs) assert.ok(!output.includes(newSecret), 'the new secret is never printed');
});

test('the result tells how to hand the new client secret over (export --format fields), never an app-only connection string', async (t) => {
  const sandbox = await startSandbox(t);
  await seedDelegatedProfile(sandbox, { name: 'contact' });
  const plain = await sandbox.run(['rotate-secret', '--profile', 'contact', '--revoke-old', '--yes']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(
    plain.stdout,
    /its new client secret is in .*\(the refresh token it holds stays valid\); print it with: dynauth export --profile contact --format fields/,
  );
  assert.doesNotMatch(plain.stdout, /connection string/i);
  const shown = await sandbox.run(['rotate-secret', '--profile', 'contact', '--revoke-old', '--yes', '--show-secret']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.ok(shown.stdout.includes(`Client secret: ${await storedSecret(sandbox, 'contact')} `), shown.stdout);
  assert.doesNotMatch(shown.stdout, /AuthType=|Connection string/);
});

test('a new secret Entra has not replicated yet is waited for, not reported as wrong', async (t) => {
  const sandbox = await startSandbox(t, { replicationLag: { secretMs: 3000 } });
  await seedDelegatedProfile(sandbox, { name: 'contact' });
  const run = await sandbox.run(['rotate-secret', '--profile', 'contact']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Waiting for Entra to accept the new client secret \(AADSTS7000215\)/);
  assert.match(run.stderr, /New secret works/);
});

test('a refresh token that died is said with its fix, and the new secret is kept for the next run', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await seedDelegatedProfile(sandbox, { name: 'contact', lastRedeemedDaysAgo: 95 });
  sandbox.emulator.users.idleRefreshTokens(95, setup.user.objectId);
  const run = await sandbox.run(['rotate-secret', '--profile', 'contact']);
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /90 days unused/);
  assert.match(run.stderr, /dynauth init --flow delegated --profile contact/);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  const { profiles, vault } = await sandbox.storage();
  const profile = (await profiles.read('contact'))!;
  assert.ok(profile.rotation?.next, 'the rotation record keeps the new secret for a re-run');
  assert.ok(await vault.hasConnection('contact', 'next'));
  assert.equal(await storedRefreshToken(sandbox, 'contact'), setup.refreshToken, 'the refresh token item is untouched');
});

test('a public client has no secret to rotate', async (t) => {
  const sandbox = await startSandbox(t);
  await seedDelegatedProfile(sandbox, { name: 'sync', publicClient: true });
  const run = await sandbox.run(['rotate-secret', '--profile', 'sync', '--json']);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr + run.stdout, /public client .*nothing to rotate/);
  assert.match(JSON.parse(run.stdout).error.hint, /dynauth test-connection --profile sync redeems it/);
});
