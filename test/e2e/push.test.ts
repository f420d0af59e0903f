// --push end to end: init delivers exactly the expected values to GitHub Actions secrets (the sealed
// boxes opened by the emulator) and to Key Vault; rotate-secret delivers the new credential to both
// after it is proven and before the old one is revoked; a refusing destination stops the
// revocation and a re-run finishes it without rotating again; no secret or token leaks.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RecordedRequest } from '../../src/emulator/types.ts';
import { runCli, startSandbox, type Sandbox } from '../support/sandbox.ts';
import { appOf, INIT } from './rotate-secret-support.ts';

const REPO = 'contoso/dataverse-deploy';

function pushEnv(sandbox: Sandbox): Record<string, string> {
  return { GH_TOKEN: sandbox.emulator.github.token, GITHUB_API_URL: sandbox.emulator.github.apiUrl };
}

function pushArgs(sandbox: Sandbox): string[] {
  return ['--push', `github:${REPO}/production:DATAVERSE`, '--push', `keyvault:${sandbox.emulator.keyVault.url}/dataverse-contososales`];
}

async function storedConnection(sandbox: Sandbox): Promise<{ connectionString: string; secret: string }> {
  const { vault } = await sandbox.storage();
  const stored = (await vault.loadConnection('contososales'))!;
  const secret = /ClientSecret=([^;]+)/.exec(stored.connectionString)![1]!;
  return { connectionString: stored.connectionString, secret };
}

/** GitHub and Key Vault hold exactly the profile's connection, with its current key. */
async function assertDelivered(sandbox: Sandbox) {
  const { emulator } = sandbox;
  const profile = (await (await sandbox.storage()).profiles.read('contososales'))!;
  const { connectionString, secret } = await storedConnection(sandbox);
  assert.deepEqual(emulator.github.secretNames(REPO, 'production'), [
    'DATAVERSE_CLIENT_ID',
    'DATAVERSE_CLIENT_SECRET',
    'DATAVERSE_ENVIRONMENT_URL',
    'DATAVERSE_TENANT_ID',
  ]);
  assert.equal(emulator.github.openSecret(REPO, 'DATAVERSE_TENANT_ID', 'production'), emulator.tenant.id);
  assert.equal(emulator.github.openSecret(REPO, 'DATAVERSE_CLIENT_ID', 'production'), profile.clientId);
  assert.equal(emulator.github.openSecret(REPO, 'DATAVERSE_CLIENT_SECRET', 'production'), secret);
  assert.equal(emulator.github.openSecret(REPO, 'DATAVERSE_ENVIRONMENT_URL', 'production'), profile.environment.url);
  assert.deepEqual(emulator.github.secretNames(REPO), [], 'nothing at repository level: the environment was named');
  const kv = emulator.keyVault.secret('dataverse-contososales')!;
  assert.equal(kv.value, connectionString);
  assert.equal(kv.contentType, 'application/x-dataverse-connection-string');
  assert.equal(kv.expiresOn?.getTime(), Math.floor(Date.parse(profile.credential!.expiresOn) / 1000) * 1000);
  assert.equal(kv.tags['key-id'], profile.credential!.keyId);
  assert.equal(kv.tags['client-id'], profile.clientId);
  assert.equal(kv.tags['dynauth-profile'], 'contososales');
  assert.deepEqual(
    profile.destinations?.map((d) => [d.spec, d.lastKeyId]),
    [
      [`github:${REPO}/production:DATAVERSE`, profile.credential!.keyId],
      [`keyvault:${emulator.keyVault.url}/dataverse-contososales`, profile.credential!.keyId],
    ],
  );
  return { profile, secret };
}

function assertNoTokenLeaked(sandbox: Sandbox) {
  for (const output of sandbox.outputs)
    assert.ok(!output.includes(sandbox.emulator.github.token), 'the GitHub token appeared in the output');
}

const isDelivery = (r: RecordedRequest) =>
  (r.service === 'github' && r.method === 'PUT') || (r.service === 'keyvault' && r.method === 'PUT');
const isRevocation = (r: RecordedRequest) => r.service === 'graph' && /\/removePassword$/i.test(r.path);

test('init --push delivers exactly the connection to GitHub (environment secrets) and Key Vault', async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run([...INIT, ...pushArgs(sandbox), '--json'], { env: pushEnv(sandbox) });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stderr, /GitHub contoso\/dataverse-deploy \(environment production\): Actions secrets/);
  // The summary does not claim the secret is only in the keychain: it names where it was delivered.
  assert.doesNotMatch(init.stderr, /secret is only in/);
  assert.match(init.stderr, /The secret is in .* and GitHub contoso\/dataverse-deploy \(environment production\), Key Vault /);
  const { profile } = await assertDelivered(sandbox);
  const result = JSON.parse(init.stdout) as { destinations?: Array<{ spec: string; ok: boolean; keyId?: string }> };
  assert.deepEqual(
    result.destinations?.map((d) => [d.spec, d.ok, d.keyId]),
    profile.destinations?.map((d) => [d.spec, true, profile.credential!.keyId]),
    'init --json says what each destination received',
  );
  // The destinations came after the connection was proven (WhoAmI) and the secret stored.
  const requests = sandbox.emulator.requests;
  const whoAmI = requests.findLastIndex((r) => r.service === 'dataverse' && r.path.endsWith('/WhoAmI'));
  assert.ok(whoAmI >= 0 && requests.findIndex(isDelivery) > whoAmI);
  const status = await sandbox.run(['status']);
  assert.match(
    status.stdout + status.stderr,
    new RegExp(`github:${REPO}/production:DATAVERSE: received key [0-9a-f-]+ on .* \\(current\\)`),
  );
  assert.match(status.stdout, /\n\n {2}\S+ → github:/, 'the destinations are a paragraph of their own');
  await sandbox.assertNoSecretLeaked();
  assertNoTokenLeaked(sandbox);
});

test('rotate-secret delivers the new credential to both destinations after proving it and before revoking the old one', async (t) => {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run([...INIT, ...pushArgs(sandbox)], { env: pushEnv(sandbox) })).code, 0);
  const oldKeyId = appOf(sandbox).passwordCredentials[0]!.keyId;
  const seen = sandbox.emulator.requests.length;
  const rotated = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--revoke-old', '--yes', '--json'], {
    env: pushEnv(sandbox),
  });
  assert.equal(rotated.code, 0, rotated.stderr);
  const { profile } = await assertDelivered(sandbox);
  const result = JSON.parse(rotated.stdout) as { profiles: Array<{ destinations: Array<{ ok: boolean; keyId: string; label: string }> }> };
  assert.deepEqual(
    result.profiles[0]!.destinations.map((d) => [d.ok, d.keyId]),
    [
      [true, profile.credential!.keyId],
      [true, profile.credential!.keyId],
    ],
  );
  assert.notEqual(profile.credential!.keyId, oldKeyId);
  const requests = sandbox.emulator.requests.slice(seen);
  const lastProof = requests.findLastIndex((r) => r.service === 'dataverse' && r.path.endsWith('/WhoAmI'));
  const deliveries = requests.map((r, i) => (isDelivery(r) ? i : -1)).filter((i) => i >= 0);
  const revocation = requests.findIndex(isRevocation);
  assert.ok(deliveries.length >= 5, 'four GitHub secrets and the Key Vault secret');
  assert.ok(deliveries[0]! > lastProof, 'delivered after the new credential was proven');
  assert.ok(revocation > deliveries.at(-1)!, 'the old credential was revoked after every delivery');
  assert.deepEqual(
    appOf(sandbox).passwordCredentials.map((c) => c.keyId),
    [profile.credential!.keyId],
  );
  assert.equal(sandbox.emulator.keyVault.secret('dataverse-contososales')!.versions, 2);
  await sandbox.assertNoSecretLeaked();
  assertNoTokenLeaked(sandbox);
});

test('a destination that refuses (GitHub 403) stops the revocation; a re-run delivers what is missing, then revokes, without rotating again', async (t) => {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run([...INIT, ...pushArgs(sandbox)], { env: pushEnv(sandbox) })).code, 0);
  const oldKeyId = appOf(sandbox).passwordCredentials[0]!.keyId;
  sandbox.emulator.github.setAccess(REPO, 'read');
  const refused = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--revoke-old', '--yes'], { env: pushEnv(sandbox) });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /may not write the Actions secrets of environment production of contoso\/dataverse-deploy: 403/);
  assert.ok(!sandbox.emulator.requests.some(isRevocation), 'nothing was revoked');
  const keys = appOf(sandbox).passwordCredentials.map((c) => c.keyId);
  assert.equal(keys.length, 2);
  assert.ok(keys.includes(oldKeyId), 'the old secret stays valid: GitHub still holds it');
  const { profiles } = await sandbox.storage();
  const between = (await profiles.read('contososales'))!;
  const [github, keyVault] = between.destinations!;
  assert.notEqual(github!.lastKeyId, between.credential!.keyId, 'GitHub is recorded as not having the new key');
  assert.equal(keyVault!.lastKeyId, between.credential!.keyId, 'Key Vault took it');
  const status = await sandbox.run(['status']);
  assert.match(status.stdout + status.stderr, /STALE/);

  sandbox.emulator.github.setAccess(REPO, 'admin');
  const seen = sandbox.emulator.requests.length;
  const rerun = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--revoke-old', '--yes'], { env: pushEnv(sandbox) });
  assert.equal(rerun.code, 0, rerun.stderr);
  const requests = sandbox.emulator.requests.slice(seen);
  assert.ok(!requests.some((r) => r.service === 'graph' && /\/addPassword$/i.test(r.path)), 'no second rotation');
  assert.ok(!requests.some((r) => r.service === 'keyvault' && r.method === 'PUT'), 'Key Vault, already current, is not written again');
  assert.ok(requests.findIndex(isRevocation) > requests.findLastIndex(isDelivery), 'revoked after GitHub got the new secret');
  const { profile } = await assertDelivered(sandbox);
  assert.deepEqual(
    appOf(sandbox).passwordCredentials.map((c) => c.keyId),
    [profile.credential!.keyId],
  );
  await sandbox.assertNoSecretLeaked();
  assertNoTokenLeaked(sandbox);
});

test('--push is checked before anything is done', async (t) => {
  const sandbox = await startSandbox(t);
  const bad = await sandbox.run([...INIT, '--push', 'keyvault:https://contoso.vault.azure.net/x']);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /not a Key Vault of this cloud/);
  assert.equal(sandbox.emulator.requests.length, 0);
});

test('a federated profile has no secret: its destinations get the tenant id, client id and environment URL only', async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run(
    [
      ...INIT,
      '--credential',
      'federated',
      '--federation',
      `github:${REPO}:environment:production`,
      '--push',
      `github:${REPO}/production:DATAVERSE`,
      '--push',
      `keyvault:${sandbox.emulator.keyVault.url}/dataverse-federated`,
    ],
    { env: pushEnv(sandbox) },
  );
  assert.equal(init.code, 0, init.stderr);
  const profile = (await (await sandbox.storage()).profiles.read('contososales'))!;
  assert.deepEqual(sandbox.emulator.github.secretNames(REPO, 'production'), [
    'DATAVERSE_CLIENT_ID',
    'DATAVERSE_ENVIRONMENT_URL',
    'DATAVERSE_TENANT_ID',
  ]);
  assert.equal(sandbox.emulator.github.openSecret(REPO, 'DATAVERSE_CLIENT_ID', 'production'), profile.clientId);
  const kv = sandbox.emulator.keyVault.secret('dataverse-federated')!;
  assert.equal(kv.contentType, 'application/json');
  assert.deepEqual(JSON.parse(kv.value), {
    tenantId: profile.tenantId,
    clientId: profile.clientId,
    environmentUrl: profile.environment.url,
  });
  assert.equal(kv.expiresOn, undefined);
  assert.ok(profile.destinations?.every((d) => d.lastDeliveredOn && d.lastKeyId === undefined));
  assertNoTokenLeaked(sandbox);
});

test('a certificate credential: GitHub gets the PEM (key and certificate), Key Vault imports it as a certificate', async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run([...INIT, '--credential', 'certificate', ...pushArgs(sandbox)], { env: pushEnv(sandbox) });
  assert.equal(init.code, 0, init.stderr);
  const { vault, profiles } = await sandbox.storage();
  const profile = (await profiles.read('contososales'))!;
  const stored = (await vault.loadConnection('contososales'))!;
  assert.deepEqual(sandbox.emulator.github.secretNames(REPO, 'production'), [
    'DATAVERSE_CLIENT_CERTIFICATE',
    'DATAVERSE_CLIENT_ID',
    'DATAVERSE_ENVIRONMENT_URL',
    'DATAVERSE_TENANT_ID',
  ]);
  assert.equal(
    sandbox.emulator.github.openSecret(REPO, 'DATAVERSE_CLIENT_CERTIFICATE', 'production'),
    `${stored.privateKeyPem}${profile.credential!.certificatePem}`,
  );
  const certificate = sandbox.emulator.keyVault.certificate('dataverse-contososales')!;
  assert.equal(Buffer.from(certificate.x5t, 'base64url').toString('hex').toUpperCase(), profile.credential!.thumbprint);
  assert.equal(certificate.tags['key-id'], profile.credential!.keyId);
  await sandbox.assertNoSecretLeaked();
  assertNoTokenLeaked(sandbox);
});

test('rotate-secret --push adds a destination (a 0600 file outside the sandbox) that gets the new key; a Key Vault refusal keeps the old key valid', async (t) => {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run([...INIT, ...pushArgs(sandbox)], { env: pushEnv(sandbox) })).code, 0);
  const outside = await mkdtemp(join(tmpdir(), 'dynauth-push-file-'));
  t.after(() => rm(outside, { recursive: true, force: true }));
  const file = join(outside, 'dataverse.json');
  sandbox.emulator.keyVault.setAccess(sandbox.emulator.admin.objectId, false);
  const refused = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--revoke-old', '--yes', '--push', `file:${file}`], {
    env: pushEnv(sandbox),
  });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /Key Vault Secrets Officer/);
  assert.ok(!sandbox.emulator.requests.some(isRevocation), 'nothing revoked while Key Vault holds the old key');
  const written = JSON.parse(await readFile(file, 'utf8'));
  const { secret } = await storedConnection(sandbox);
  assert.equal(written.clientSecret, secret, 'the file got the new secret all the same');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  sandbox.emulator.keyVault.setAccess(sandbox.emulator.admin.objectId, true);
  const rerun = await sandbox.run(['rotate-secret', '--profile', 'contososales', '--revoke-old', '--yes'], { env: pushEnv(sandbox) });
  assert.equal(rerun.code, 0, rerun.stderr);
  const current = (await (await sandbox.storage()).profiles.read('contososales'))!;
  const after = await storedConnection(sandbox);
  assert.equal(sandbox.emulator.keyVault.secret('dataverse-contososales')!.value, after.connectionString);
  assert.equal(sandbox.emulator.github.openSecret(REPO, 'DATAVERSE_CLIENT_SECRET', 'production'), after.secret);
  assert.equal(current.destinations?.length, 3, 'the file is remembered beside the two from init');
  assert.ok(current.destinations!.every((d) => d.lastKeyId === current.credential!.keyId));
  assert.deepEqual(
    appOf(sandbox).passwordCredentials.map((c) => c.keyId),
    [current.credential!.keyId],
  );
  assertNoTokenLeaked(sandbox);
});

test('dynauth sandbox points --push github: at its emulated GitHub, whatever GH_TOKEN the shell has', async () => {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NO_COLOR: '1',
    GH_TOKEN: 'ghp_a-real-token-of-the-user-000',
    ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}),
  };
  const run = await runCli(
    ['sandbox', 'init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only', '--push', `github:${REPO}:DATAVERSE`],
    { env },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stderr,
    /--push targets: github:contoso\/dataverse-deploy\/production:DATAVERSE, keyvault:https:\/\/127\.0\.0\.1:\d+\/<secret-name>/,
  );
  assert.match(run.stderr, /Actions secrets DATAVERSE_TENANT_ID, DATAVERSE_CLIENT_ID, DATAVERSE_ENVIRONMENT_URL, DATAVERSE_CLIENT_SECRET/);
});

test('the published bundle delivers too: libsodium and the Key Vault SDKs load from dist/', async (t) => {
  const { publishedLayout, removePublishedLayout } = await import('../support/published-layout.ts');
  const bin = publishedLayout();
  t.after(() => removePublishedLayout(bin));
  const sandbox = await startSandbox(t);
  const init = await sandbox.run([...INIT, ...pushArgs(sandbox)], { env: pushEnv(sandbox), bin });
  assert.equal(init.code, 0, init.stderr);
  await assertDelivered(sandbox);
});

test('init --dry-run names each destination in the plan and delivers nothing', async (t) => {
  const sandbox = await startSandbox(t);
  const dry = await sandbox.run(
    ['init', '--dry-run', '--environment', 'contososales', '--role-preset', 'read-only', ...pushArgs(sandbox)],
    {
      env: pushEnv(sandbox),
    },
  );
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    /~ update {2}deliver the connection to GitHub Actions secrets of contoso\/dataverse-deploy \(environment production\): DATAVERSE_TENANT_ID/,
  );
  assert.match(
    dry.stdout,
    /deliver the connection to Key Vault https:\/\/127\.0\.0\.1:\d+: secret \(or certificate\) dataverse-contososales/,
  );
  assert.ok(!sandbox.emulator.requests.some((r) => r.service === 'github' || r.service === 'keyvault'));
});

test('init whose destination refuses exits 1 with the profile set up; running it again delivers, minting nothing new', async (t) => {
  const sandbox = await startSandbox(t);
  sandbox.emulator.github.setAccess(REPO, 'none');
  const first = await sandbox.run([...INIT, ...pushArgs(sandbox)], { env: pushEnv(sandbox) });
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stderr, /GitHub does not show environment production of contoso\/dataverse-deploy to this token: 404/);
  const profile = (await (await sandbox.storage()).profiles.read('contososales'))!;
  assert.equal(profile.destinations?.[0]?.lastKeyId, undefined, 'GitHub is recorded as having received nothing');
  assert.equal(profile.destinations?.[1]?.lastKeyId, profile.credential!.keyId, 'Key Vault took it');
  sandbox.emulator.github.setAccess(REPO, 'admin');
  const seen = sandbox.emulator.requests.length;
  const again = await sandbox.run(INIT, { env: pushEnv(sandbox) });
  assert.equal(again.code, 0, again.stderr);
  const requests = sandbox.emulator.requests.slice(seen);
  assert.ok(!requests.some((r) => r.service === 'graph' && /\/addPassword$/i.test(r.path)), 'the stored secret is reused');
  assert.ok(!requests.some((r) => r.service === 'keyvault' && r.method === 'PUT'), 'Key Vault is not written twice');
  await assertDelivered(sandbox);
  await sandbox.assertNoSecretLeaked();
});
