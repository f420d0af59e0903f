import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createSelfSignedCertificate } from '../../src/crypto/x509.ts';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';

const INIT = ['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'];
const APP = 'dynauth-contososales';
const GRAPH = '00000003-0000-0000-c000-000000000000';

type Request = { method: string; path: string; service: string; status: number; body: unknown; token?: { scp?: string } };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function appOf(sandbox: Sandbox, name = APP) {
  return sandbox.emulator.state.applications.find((app) => app.displayName === name)!;
}

async function initialised(t: Parameters<typeof startSandbox>[0], extra: string[] = []) {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run([...INIT, ...extra]);
  assert.equal(init.code, 0, init.stderr);
  const oldKeyId = appOf(sandbox).passwordCredentials[0]?.keyId ?? appOf(sandbox).keyCredentials[0]?.keyId;
  return { sandbox, oldKeyId: oldKeyId! };
}

/** The stored secret is exactly the profile's key on the app, and test-connection passes with it. */
async function assertStoredSecretWorks(sandbox: Sandbox) {
  const [secret] = await sandbox.storedSecrets();
  const hash = createHash('sha256').update(secret!).digest('hex');
  const { profiles } = await sandbox.storage();
  const profile = (await profiles.read('contososales'))!;
  assert.equal(appOf(sandbox).passwordCredentials.find((c) => c.secretHash === hash)?.keyId, profile.credential.keyId, 'the keychain holds the profile key');
  const tested = await sandbox.run(['test-connection', '--profile', 'contososales']);
  assert.equal(tested.code, 0, tested.stdout + tested.stderr);
  return profile;
}

test('a secret is rotated: new one stored and proven, old one pending until --finish', async (t) => {
  const { sandbox, oldKeyId } = await initialised(t);
  const run = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const [result] = JSON.parse(run.stdout).profiles;
  assert.equal(result.rotated, true);
  assert.notEqual(result.credential.keyId, oldKeyId);
  assert.deepEqual(result.pendingRevocation.map((e: { keyId: string }) => e.keyId), [oldKeyId]);
  assert.equal(result.credential.expiresOn.slice(0, 10), new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10), 'the previous lifetime');
  assert.deepEqual(appOf(sandbox).passwordCredentials.map((c) => c.keyId).sort(), [oldKeyId, result.credential.keyId].sort());
  await assertStoredSecretWorks(sandbox);
  const status = await sandbox.run(['status']);
  assert.match(status.stdout, new RegExp(`pending revocation .*rotate-secret --finish --profile contososales`));
  assert.match(status.stdout, new RegExp(oldKeyId));

  const finish = await sandbox.run(['rotate-secret', '--finish', '--profile', 'contososales', '--json']);
  assert.equal(finish.code, 0, finish.stderr);
  assert.deepEqual(JSON.parse(finish.stdout).profiles[0].revoked, [oldKeyId]);
  assert.deepEqual(appOf(sandbox).passwordCredentials.map((c) => c.keyId), [result.credential.keyId]);
  await assertStoredSecretWorks(sandbox);
  await sandbox.assertNoSecretLeaked();
});

test('--revoke-old removes the old secret at once; the secret is printed only with --show-secret', async (t) => {
  const { sandbox, oldKeyId } = await initialised(t);
  const run = await sandbox.run(['rotate-secret', '--revoke-old', '--secret-expiry', '30']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /new client secret in use .*expires/);
  assert.match(run.stdout, /print it with --show-secret/);
  assert.match(run.stdout, /Next expiry: \d{4}-\d\d-\d\d/);
  const app = appOf(sandbox);
  assert.equal(app.passwordCredentials.length, 1);
  assert.notEqual(app.passwordCredentials[0]!.keyId, oldKeyId);
  await assertStoredSecretWorks(sandbox);
  await sandbox.assertNoSecretLeaked();
  const shown = await sandbox.run(['rotate-secret', '--revoke-old', '--show-secret']);
  assert.equal(shown.code, 0, shown.stderr);
  const [secret] = await sandbox.storedSecrets();
  assert.ok(shown.stdout.includes(secret!), 'the new connection string is printed');
  assert.ok(!shown.stderr.includes(secret!));
});

test('a certificate is rotated, keeping a certificate dynauth did not create', async (t) => {
  const { sandbox, oldKeyId } = await initialised(t, ['--credential', 'certificate']);
  const byHand = createSelfSignedCertificate({ commonName: 'by hand', validDays: 400, now: new Date() });
  const foreign = { ...appOf(sandbox).keyCredentials[0]!, keyId: '99999999-0000-4000-8000-000000000001', key: byHand.certDer.toString('base64'), customKeyIdentifier: byHand.thumbprint, displayName: 'uploaded by hand' };
  (appOf(sandbox).keyCredentials as Mutable<typeof foreign>[]).push(foreign);
  const run = await sandbox.run(['rotate-secret', '--revoke-old', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const [result] = JSON.parse(run.stdout).profiles;
  assert.equal(result.credential.type, 'certificate');
  assert.deepEqual(result.revoked, [oldKeyId]);
  assert.deepEqual(appOf(sandbox).keyCredentials.map((k) => k.keyId).sort(), [foreign.keyId, result.credential.keyId].sort());
  const tested = await sandbox.run(['test-connection', '--profile', 'contososales']);
  assert.equal(tested.code, 0, tested.stdout + tested.stderr);
  await sandbox.assertNoSecretLeaked();
});

const KILL_POINTS: Array<[string, (r: Request) => boolean]> = [
  ['the rotation was recorded (first Graph read)', (r) => r.method === 'GET' && r.path.startsWith('/v1.0/applications/')],
  ['the secret was added', (r) => r.method === 'POST' && r.path.endsWith('/addPassword')],
  ['the new secret got a token', (r) => r.service === 'login' && r.status === 200 && (r.body as { grant_type?: string } | undefined)?.grant_type === 'client_credentials'],
  ['the first call as the app', (r) => r.service === 'dataverse' && r.path.endsWith('/WhoAmI') && !r.token?.scp],
  ['the old secret was removed', (r) => r.method === 'POST' && r.path.endsWith('/removePassword')],
];

for (const [point, killAfterRequest] of KILL_POINTS) {
  test(`killed after "${point}": test-connection passes, a re-run finishes with no stray secret`, async (t) => {
    const { sandbox, oldKeyId } = await initialised(t);
    const killed = await sandbox.run(['rotate-secret', '--revoke-old'], { killAfterRequest });
    if (killed.signal !== 'SIGKILL') assert.equal(killed.code, 0, killed.stderr);
    await assertStoredSecretWorks(sandbox);
    const rerun = await sandbox.run(['rotate-secret', '--revoke-old', '--json']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const app = appOf(sandbox);
    assert.equal(app.passwordCredentials.length, 1, `exactly one secret: ${app.passwordCredentials.map((c) => c.displayName).join(', ')}`);
    assert.notEqual(app.passwordCredentials[0]!.keyId, oldKeyId);
    const profile = await assertStoredSecretWorks(sandbox);
    assert.equal(profile.rotation, undefined);
    assert.deepEqual(profile.pendingRevocation ?? [], []);
    await sandbox.assertNoSecretLeaked();
  });
}

test('503 beyond retries on addPassword, the token and removePassword: still working, a re-run finishes', async (t) => {
  for (const [service, pathPrefix] of [
    ['graph', '/v1.0/applications/'],
    ['login', '/'],
  ] as const) {
    const { sandbox, oldKeyId } = await initialised(t);
    const method = 'POST';
    sandbox.emulator.faults.add({ service, method, pathPrefix, kind: 'unavailable', times: 50, retryAfterSeconds: 0 });
    const failed = await sandbox.run(['rotate-secret', '--revoke-old', '--wait', '2s']);
    assert.notEqual(failed.code, 0, failed.stderr);
    assert.doesNotMatch(failed.stderr, /\n\s+at /, 'no stack trace');
    sandbox.emulator.faults.clear();
    await assertStoredSecretWorks(sandbox);
    const rerun = await sandbox.run(['rotate-secret', '--revoke-old']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const app = appOf(sandbox);
    assert.equal(app.passwordCredentials.length, 1, `${service}: exactly one secret`);
    assert.notEqual(app.passwordCredentials[0]!.keyId, oldKeyId);
    await assertStoredSecretWorks(sandbox);
    await sandbox.assertNoSecretLeaked();
  }
});

test('--all rotates every profile; one failure does not stop the others and is reported', async (t) => {
  const { sandbox } = await initialised(t);
  const second = await sandbox.run(['init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only']);
  assert.equal(second.code, 0, second.stderr);
  const { vault } = await sandbox.storage();
  await vault.deleteSlot('contososales', 'current');
  const run = await sandbox.run(['rotate-secret', '--all', '--revoke-old', '--json']);
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
