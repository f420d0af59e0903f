import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSelfSignedCertificate } from '../../src/crypto/x509.ts';
import { KEY, runInPty } from '../support/pty.ts';
import { appOf, assertStoredSecretWorks, initialised } from './rotate-secret-support.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;

const GRAPH = '00000003-0000-0000-c000-000000000000';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

test('a secret is rotated: new one stored and proven, old one pending until --finish', async (t) => {
  const { sandbox, oldKeyId } = await initialised(t);
  const run = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const [result] = JSON.parse(run.stdout).profiles;
  assert.equal(result.rotated, true);
  assert.notEqual(result.credential.keyId, oldKeyId);
  assert.deepEqual(
    result.pendingRevocation.map((e: { keyId: string }) => e.keyId),
    [oldKeyId],
  );
  assert.equal(
    result.credential.expiresOn.slice(0, 10),
    new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10),
    'the previous lifetime',
  );
  assert.deepEqual(
    appOf(sandbox)
      .passwordCredentials.map((c) => c.keyId)
      .sort(),
    [oldKeyId, result.credential.keyId].sort(),
  );
  await assertStoredSecretWorks(sandbox);
  const status = await sandbox.run(['status']);
  assert.match(status.stdout, /pending revocation .*rotate-secret --finish --profile contososales/);
  assert.match(status.stdout, new RegExp(oldKeyId));

  // Revoking cannot be undone: without a terminal to confirm it in, it takes --yes.
  const unconfirmed = await sandbox.run(['rotate-secret', '--finish', '--profile', 'contososales']);
  assert.equal(unconfirmed.code, 2, unconfirmed.stderr);
  assert.match(unconfirmed.stderr, /add --yes/);
  assert.equal(appOf(sandbox).passwordCredentials.length, 2, 'nothing was revoked');
  const finish = await sandbox.run(['rotate-secret', '--finish', '--profile', 'contososales', '--json', '--yes']);
  assert.equal(finish.code, 0, finish.stderr);
  assert.deepEqual(JSON.parse(finish.stdout).profiles[0].revoked, [oldKeyId]);
  assert.deepEqual(
    appOf(sandbox).passwordCredentials.map((c) => c.keyId),
    [result.credential.keyId],
  );
  await assertStoredSecretWorks(sandbox);
  await sandbox.assertNoSecretLeaked();
});

test('without a terminal, revoking with several profiles and neither --profile nor --yes: one usage error names both', async (t) => {
  const { sandbox } = await initialised(t);
  assert.equal((await sandbox.run(['init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only'])).code, 0);
  const unnamed = await sandbox.run(['rotate-secret', '--revoke-old', '--json']);
  assert.equal(unnamed.code, 2, unnamed.stderr);
  const { error } = JSON.parse(unnamed.stdout);
  assert.equal(error.code, 'missing-input');
  assert.match(error.message, /--profile <name> \(one of: contosodev, contososales\), --yes/);
  assert.equal(appOf(sandbox).passwordCredentials.length, 1, 'nothing was rotated');
});

test('--all with nothing due says so once, on stdout', async (t) => {
  const { sandbox } = await initialised(t);
  const run = await sandbox.run(['rotate-secret', '--all', '--if-expiring-within', '30d']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'No profile needs rotating.');
  assert.doesNotMatch(run.stderr, /needs rotating|Nothing to rotate/);
});

test('--revoke-old removes the old secret at once; the secret is printed only with --show-secret', async (t) => {
  const { sandbox, oldKeyId } = await initialised(t);
  const run = await sandbox.run(['rotate-secret', '--revoke-old', '--secret-expiry', '30', '--yes']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /new client secret in use .*expires/);
  assert.match(run.stdout, /print it with: dynauth export --profile contososales/);
  assert.match(run.stdout, /Next expiry: \d{4}-\d\d-\d\d/);
  const app = appOf(sandbox);
  assert.equal(app.passwordCredentials.length, 1);
  assert.notEqual(app.passwordCredentials[0]!.keyId, oldKeyId);
  await assertStoredSecretWorks(sandbox);
  await sandbox.assertNoSecretLeaked();
  const shown = await sandbox.run(['rotate-secret', '--revoke-old', '--show-secret', '--yes']);
  assert.equal(shown.code, 0, shown.stderr);
  const [secret] = await sandbox.storedSecrets();
  assert.ok(shown.stdout.includes(secret!), 'the new connection string is printed');
  assert.ok(!shown.stderr.includes(secret!));
});

test('a certificate is rotated, keeping a certificate dynauth did not create', async (t) => {
  const { sandbox, oldKeyId } = await initialised(t, ['--credential', 'certificate']);
  const byHand = createSelfSignedCertificate({ commonName: 'by hand', validDays: 400, now: new Date() });
  const foreign = {
    ...appOf(sandbox).keyCredentials[0]!,
    keyId: '99999999-0000-4000-8000-000000000001',
    key: byHand.certDer.toString('base64'),
    customKeyIdentifier: byHand.thumbprint,
    displayName: 'uploaded by hand',
    startDateTime: byHand.notBefore.toISOString(),
    endDateTime: byHand.notAfter.toISOString(),
  };
  (appOf(sandbox).keyCredentials as Mutable<typeof foreign>[]).push(foreign);
  const run = await sandbox.run(['rotate-secret', '--revoke-old', '--json', '--yes']);
  assert.equal(run.code, 0, run.stderr);
  const [result] = JSON.parse(run.stdout).profiles;
  assert.equal(result.credential.type, 'certificate');
  assert.deepEqual(result.revoked, [oldKeyId]);
  assert.deepEqual(
    appOf(sandbox)
      .keyCredentials.map((k) => k.keyId)
      .sort(),
    [foreign.keyId, result.credential.keyId].sort(),
  );
  const tested = await sandbox.run(['test-connection', '--profile', 'contososales']);
  assert.equal(tested.code, 0, tested.stdout + tested.stderr);
  await sandbox.assertNoSecretLeaked();
});

// Failures at each step (network loss, 503, kill -9, keychain write failure): rotate-secret-*-faults.test.ts.

test('--all rotates every profile; one failure does not stop the others and is reported', async (t) => {
  const { sandbox } = await initialised(t);
  const second = await sandbox.run(['init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only']);
  assert.equal(second.code, 0, second.stderr);
  const { vault } = await sandbox.storage();
  await vault.deleteSlot('contososales', 'current');
  const run = await sandbox.run(['rotate-secret', '--all', '--revoke-old', '--json', '--yes']);
  assert.equal(run.code, 1, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.ok, false);
  const byName = Object.fromEntries(report.profiles.map((p: { profile: string }) => [p.profile, p]));
  assert.equal(byName.contososales.ok, false);
  assert.match(byName.contososales.error.hint, /dynauth init --profile contososales/);
  assert.equal(byName.contosodev.ok, true);
  assert.equal(byName.contosodev.rotated, true);
  assert.equal(appOf(sandbox, 'dynauth-contosodev').passwordCredentials.length, 1);
  const none = await sandbox.run(['rotate-secret', '--all', '--if-expiring-within', '30d', '--json']);
  assert.equal(none.code, 0, none.stderr);
  assert.deepEqual(JSON.parse(none.stdout).profiles, []);
  await sandbox.assertNoSecretLeaked();
});

test('bad input: expiry out of range (2), no keychain item, admin without Application.ReadWrite (4)', async (t) => {
  const { sandbox } = await initialised(t);
  for (const expiry of ['0', '731', '3y']) {
    const run = await sandbox.run(['rotate-secret', '--secret-expiry', expiry]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /out of range: give 1 to 730 days/);
  }
  const { vault } = await sandbox.storage();
  await vault.deleteSlot('contososales', 'current');
  const missing = await sandbox.run(['rotate-secret']);
  assert.equal(missing.code, 1, missing.stderr);
  assert.match(missing.stderr, /No stored credential for profile "contososales"/);
  assert.match(missing.stderr, /dynauth init --profile contososales again: it reuses the app and mints a new secret/);
  assert.equal(appOf(sandbox).passwordCredentials.length, 1, 'nothing added');
});

test('an admin without Application.ReadWrite rights gets exit 4 naming the role, and nothing changes', async (t) => {
  const { sandbox } = await initialised(t);
  const admin = sandbox.emulator.state.users[0] as unknown as { delegatedScopes: Record<string, string[]> };
  admin.delegatedScopes[GRAPH] = ['User.Read', 'Application.Read.All'];
  const run = await sandbox.run(['rotate-secret']);
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /Application Administrator or Cloud Application Administrator/);
  assert.equal(appOf(sandbox).passwordCredentials.length, 1);
  await assertStoredSecretWorks(sandbox);
});

test('--revoke-after on its own: the next rotation revokes what was replaced at least that long ago, and keeps the rest', async (t) => {
  const { sandbox, oldKeyId } = await initialised(t);
  const first = await sandbox.run(['rotate-secret', '--json']);
  assert.equal(first.code, 0, first.stderr);
  const firstKeyId = JSON.parse(first.stdout).profiles[0].credential.keyId;
  const { profiles } = await sandbox.storage();
  const profile = (await profiles.read('contososales'))!;
  const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000).toISOString();
  await profiles.write({ ...profile, pendingRevocation: profile.pendingRevocation!.map((e) => ({ ...e, replacedOn: eightDaysAgo })) });

  const run = await sandbox.run(['rotate-secret', '--revoke-after', '7d', '--json', '--yes']);
  assert.equal(run.code, 0, run.stderr);
  const [result] = JSON.parse(run.stdout).profiles;
  assert.equal(result.rotated, true);
  assert.deepEqual(result.revoked, [oldKeyId], 'replaced 8 days ago: revoked');
  assert.deepEqual(
    result.pendingRevocation.map((e: { keyId: string }) => e.keyId),
    [firstKeyId],
    'replaced just now: still valid',
  );
  assert.deepEqual(
    appOf(sandbox)
      .passwordCredentials.map((c) => c.keyId)
      .sort(),
    [firstKeyId, result.credential.keyId].sort(),
  );
  await assertStoredSecretWorks(sandbox);

  const tooSoon = await sandbox.run(['rotate-secret', '--revoke-after', '7d', '--json', '--yes']);
  assert.equal(tooSoon.code, 0, tooSoon.stderr);
  assert.deepEqual(JSON.parse(tooSoon.stdout).profiles[0].revoked, [], 'nothing replaced 7 days ago yet');
  const bad = await sandbox.run(['rotate-secret', '--revoke-after', 'soon']);
  assert.equal(bad.code, 2, bad.stderr);
  await sandbox.assertNoSecretLeaked();
});

test('--all signs in once for profiles of the same tenant', async (t) => {
  const { sandbox } = await initialised(t);
  const second = await sandbox.run(['init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only']);
  assert.equal(second.code, 0, second.stderr);
  const before = sandbox.emulator.requests.length;
  const run = await sandbox.run(['rotate-secret', '--all', '--revoke-old', '--json', '--yes']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    JSON.parse(run.stdout).profiles.map((p: { rotated: boolean }) => p.rotated),
    [true, true],
  );
  const requests = sandbox.emulator.requests.slice(before);
  assert.equal(
    requests.filter((r) => r.service === 'login' && r.path.endsWith('/oauth2/v2.0/devicecode')).length,
    1,
    'one device-code sign-in',
  );
  assert.equal(requests.filter((r) => r.service === 'graph' && r.path === '/v1.0/organization').length, 1, 'one tenant read');
  assert.equal(run.stderr.match(/Signed in as/g)?.length, 1);
});

test('in a terminal, revoking asks first (No keeps the old secret pending); --yes and runs without a terminal do not ask', async (t) => {
  const { sandbox, oldKeyId } = await initialised(t);
  const declined = await runInPty([process.execPath, bin, 'rotate-secret', '--revoke-old'], sandbox.env, [
    { expect: /Revoke it now\?/, send: `n${KEY.enter}` },
  ]);
  assert.equal(declined.code, 0, declined.screen);
  assert.match(declined.screen, new RegExp(`client secret ${oldKeyId} of app dynauth-contososales stops every integration still using it`));
  assert.match(declined.screen, /rotate-secret --finish --profile contososales/);
  const profile = await assertStoredSecretWorks(sandbox);
  assert.deepEqual(
    profile.pendingRevocation?.map((e) => [e.keyId, e.revokeRequested]),
    [[oldKeyId, undefined]],
    'kept pending, as an ordinary entry',
  );
  assert.equal(appOf(sandbox).passwordCredentials.length, 2);

  const confirmed = await runInPty([process.execPath, bin, 'rotate-secret', '--finish', '--yes'], sandbox.env, []);
  assert.equal(confirmed.code, 0, confirmed.screen);
  assert.doesNotMatch(confirmed.screen, /Revoke (it|these \d+) now\?/);
  assert.match(confirmed.screen, new RegExp(`Revoked: ${oldKeyId}`));
  assert.deepEqual(
    appOf(sandbox).passwordCredentials.map((c) => c.keyId),
    [profile.credential!.keyId],
  );
  sandbox.outputs.push(declined.screen, confirmed.screen);
  await sandbox.assertNoSecretLeaked();
});
