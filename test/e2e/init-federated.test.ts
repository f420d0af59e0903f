import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';
import { KEY, runInPty } from '../support/pty.ts';
import { assertOneOfEach } from './assertions.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;
const GITHUB = 'https://token.actions.githubusercontent.com';
const PRODUCTION = 'github:contoso/dataverse-solutions:environment:production';
const CLUSTER = 'kubernetes:https://oidc.prod-aks.azure.com/1111/:integrations:dataverse-sync';
const base = (...more: string[]) => ['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only', ...more];

function appOf(sandbox: Sandbox) {
  const app = sandbox.emulator.state.applications.find((a) => a.displayName === 'dynauth-contososales');
  assert.ok(app, 'init made the app');
  return app;
}

test('init --credential federated: federated credentials instead of a secret, nothing in the keychain, a snippet per spec', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run([...base('--credential', 'federated', '--federation', PRODUCTION, '--federation', CLUSTER), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const { app, users } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.equal(app.passwordCredentials.length, 0, 'no client secret');
  assert.equal(app.keyCredentials.length, 0, 'no certificate');
  assert.deepEqual(
    app.federatedIdentityCredentials?.map((c) => [c.name, c.issuer, c.subject, [...c.audiences]]),
    [
      [
        'github-contoso-dataverse-solutions-environment-production',
        GITHUB,
        'repo:contoso/dataverse-solutions:environment:production',
        ['api://AzureADTokenExchange'],
      ],
      [
        'kubernetes-integrations-dataverse-sync',
        'https://oidc.prod-aks.azure.com/1111/',
        'system:serviceaccount:integrations:dataverse-sync',
        ['api://AzureADTokenExchange'],
      ],
    ],
  );
  // Everything else as for any app user: service principal, consent, application user and role.
  assert.equal(users.length, 1);
  const result = JSON.parse(run.stdout);
  assert.equal(result.credential, undefined);
  assert.deepEqual(
    result.federation.map((f: { name: string; spec: string }) => f.spec),
    [PRODUCTION, CLUSTER],
  );
  assert.ok(result.created.includes('federatedCredential:github-contoso-dataverse-solutions-environment-production'));
  const profile = JSON.parse(await readFile(join(sandbox.dir, 'profiles', 'contososales.json'), 'utf8'));
  assert.equal(profile.credential, undefined);
  assert.deepEqual(
    profile.federation.map((f: { subject: string }) => f.subject),
    ['repo:contoso/dataverse-solutions:environment:production', 'system:serviceaccount:integrations:dataverse-sync'],
  );
  assert.deepEqual(await sandbox.storedSecrets(), [], 'nothing stored in the keychain');
  // The GitHub Actions job: the OIDC permission, the environment, and the tenant, client and environment URL.
  assert.match(run.stderr, /id-token: write/);
  assert.match(run.stderr, /environment: production/);
  const url = sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!;
  assert.ok(
    run.stderr.includes(
      `pac auth create --githubFederated --tenant ${sandbox.emulator.tenant.id} --applicationId ${app.appId} --environment ${url}`,
    ),
  );
  assert.match(run.stderr, /azure\.workload\.identity\/client-id: "[0-9a-f-]{36}"/);
  assert.doesNotMatch(run.stderr, /Connection verified/, 'init cannot sign in as a federated app: only the pipeline can');
  // Not a single token request as the app: it has no credential dynauth could use.
  assert.ok(
    !sandbox.emulator.requests.some((r) => r.service === 'login' && (r.body as Record<string, string>)?.['client_id'] === app.appId),
  );
});

test('a re-run adds nothing twice, and a new spec is added beside the others', async (t) => {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run(base('--federation', PRODUCTION))).code, 0);
  const again = await sandbox.run([
    ...base('--federation', PRODUCTION, '--federation', 'github:contoso/dataverse-solutions:pull_request'),
    '--json',
  ]);
  assert.equal(again.code, 0, again.stderr);
  const result = JSON.parse(again.stdout);
  assert.ok(result.reused.includes('federatedCredential:github-contoso-dataverse-solutions-environment-production'));
  assert.ok(result.created.includes('federatedCredential:github-contoso-dataverse-solutions-pull_request'));
  assert.deepEqual(
    appOf(sandbox).federatedIdentityCredentials?.map((c) => c.subject),
    ['repo:contoso/dataverse-solutions:environment:production', 'repo:contoso/dataverse-solutions:pull_request'],
  );
  assert.match(again.stderr, /on: pull_request/);
});

test('a re-run with only a new spec keeps the earlier ones in the profile, as on the app (status lists them all)', async (t) => {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run(base('--federation', PRODUCTION))).code, 0);
  const again = await sandbox.run(base('--federation', 'github:contoso/dataverse-solutions:pull_request'));
  assert.equal(again.code, 0, again.stderr);
  const subjects = ['repo:contoso/dataverse-solutions:environment:production', 'repo:contoso/dataverse-solutions:pull_request'];
  assert.deepEqual(
    appOf(sandbox).federatedIdentityCredentials?.map((c) => c.subject),
    subjects,
  );
  const profile = JSON.parse(await readFile(join(sandbox.dir, 'profiles', 'contososales.json'), 'utf8'));
  assert.deepEqual(
    profile.federation.map((f: { subject: string }) => f.subject),
    subjects,
  );
  const status = await sandbox.run(['status']);
  for (const subject of subjects) assert.ok(status.stdout.includes(subject), status.stdout);
});

test('past 20 federated credentials on the app: a usage error before anything is made', async (t) => {
  const sandbox = await startSandbox(t);
  assert.equal((await sandbox.run(base('--federation', PRODUCTION))).code, 0);
  const app = appOf(sandbox) as unknown as { federatedIdentityCredentials: Array<Record<string, unknown>> };
  for (let i = 1; i <= 19; i++) {
    app.federatedIdentityCredentials.push({
      id: `00000000-0000-0000-0000-0000000000${String(i).padStart(2, '0')}`,
      name: `other-${i}`,
      issuer: GITHUB,
      subject: `repo:contoso/other:environment:e${i}`,
      audiences: ['api://AzureADTokenExchange'],
      description: null,
      visibleAt: 0,
    });
  }
  const over = await sandbox.run([...base('--federation', 'github:contoso/dataverse-solutions:ref:refs/heads/main'), '--json']);
  assert.equal(over.code, 2, over.stderr);
  assert.equal(JSON.parse(over.stdout).error.code, 'too-many-federated-credentials');
  assert.match(over.stderr, /limit of 20 per app/);
  assert.equal(app.federatedIdentityCredentials.length, 20);
});

test('without a terminal, --credential federated needs --federation; bad specs and mixed flags are usage errors', async (t) => {
  const sandbox = await startSandbox(t);
  const missing = await sandbox.run(base('--credential', 'federated'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--federation <github:OWNER\/REPO/);
  const bare = await sandbox.run(base('--federation', 'github:contoso/app'));
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /add :environment:NAME/);
  const mixed = await sandbox.run(base('--credential', 'secret', '--federation', PRODUCTION));
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /--federation goes with --credential federated/);
  const expiry = await sandbox.run(base('--federation', PRODUCTION, '--secret-expiry', '90'));
  assert.equal(expiry.code, 2);
  assert.match(expiry.stderr, /--secret-expiry/);
  const dryRun = await sandbox.run(base('--federation', PRODUCTION, '--dry-run'));
  assert.equal(dryRun.code, 0, dryRun.stderr);
  assert.match(
    dryRun.stdout,
    /\+ create +federated credential "github-contoso-dataverse-solutions-environment-production": tokens from https:\/\/token\.actions\.githubusercontent\.com with subject repo:contoso\/dataverse-solutions:environment:production \(no secret\)/,
  );
  assert.match(dryRun.stdout, /profile "contososales" recording the federated credentials \(nothing secret to store\)/);
  assert.doesNotMatch(dryRun.stdout, /client secret/);
  assert.ok(!sandbox.emulator.state.applications.some((a) => a.displayName === 'dynauth-contososales'), 'nothing was made');
});

test('the older Azure DevOps issuer is accepted with a warning that it retires', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(
    base('--federation', 'azure-devops:https://vstoken.dev.azure.com/00000000-aaaa-bbbb-cccc-000000000000:sc://contoso/dataverse/prod'),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /retires in 2027/);
  assert.match(run.stderr, /Subject identifier: +sc:\/\/contoso\/dataverse\/prod/);
});

test('a tenant policy that blocks client secrets suggests --credential federated, which it does not block', async (t) => {
  const sandbox = await startSandbox(t, {
    seed: { adminReadsPolicies: true, defaultAppManagementPolicy: { passwordCredentials: [{ restrictionType: 'passwordAddition' }] } },
  });
  const secret = await sandbox.run(base());
  assert.equal(secret.code, 2, secret.stderr);
  assert.match(secret.stderr, /--credential certificate.*--credential federated --federation <spec>/s);
  const federated = await sandbox.run(base('--federation', PRODUCTION));
  assert.equal(federated.code, 0, federated.stderr);
  assert.equal(appOf(sandbox).federatedIdentityCredentials?.length, 1);
});

test('in a terminal, choosing Federated asks which pipeline signs in, and asks no lifetime', async (t) => {
  const sandbox = await startSandbox(t);
  const args = ['init', '--flow', 'app-user', '--environment', 'contososales', '--role-preset', 'read-only', '--app-name', 'pty-fed'];
  const { code, screen } = await runInPty(
    [process.execPath, bin, ...args, '--business-unit', 'Contoso Support', '--profile', 'p'],
    sandbox.env,
    [
      { expect: /Credential\b/, send: KEY.down + KEY.down + KEY.enter },
      { expect: /Which pipeline signs in\?/, send: `${PRODUCTION}${KEY.enter}` },
      { expect: /Apply this plan\?/, send: `y${KEY.enter}` },
    ],
  );
  assert.equal(code, 0, screen);
  assert.doesNotMatch(screen, /Credential lifetime/);
  assert.match(screen, /federated credential "github-contoso-dataverse-solutions-environment-production"/);
  const app = sandbox.emulator.state.applications.find((a) => a.displayName === 'pty-fed')!;
  assert.deepEqual(
    app.federatedIdentityCredentials?.map((c) => c.subject),
    ['repo:contoso/dataverse-solutions:environment:production'],
  );
  assert.equal(app.passwordCredentials.length, 0);
});

test('--add-environment on a federated profile: the same pipelines, an application user in the other environment, still no secret', async (t) => {
  const sandbox = await startSandbox(t, { replicationLag: { federatedCredentialMs: 0 } });
  assert.equal((await sandbox.run(base('--federation', PRODUCTION))).code, 0);
  const added = await sandbox.run(['init', '--yes', '--profile', 'contososales', '--add-environment', 'contosodev', '--json']);
  assert.equal(added.code, 0, added.stderr);
  const app = appOf(sandbox);
  assert.equal(app.passwordCredentials.length, 0, 'no secret was made for the new environment');
  assert.equal(app.federatedIdentityCredentials?.length, 1, 'the federated credential is reused');
  const profile = JSON.parse(await readFile(join(sandbox.dir, 'profiles', 'contosodev.json'), 'utf8'));
  assert.deepEqual(
    profile.federation.map((f: { spec: string }) => f.spec),
    [PRODUCTION],
  );
  assert.equal(profile.credential, undefined);
});

test('two clusters with the same namespace and service account get a credential each (names told apart), in one run or added later', async (t) => {
  const sandbox = await startSandbox(t);
  const east = 'kubernetes:https://oidc.east-aks.azure.com/2222/:integrations:dataverse-sync';
  const west = 'kubernetes:https://oidc.west-aks.azure.com/3333/:integrations:dataverse-sync';
  const first = await sandbox.run([...base('--credential', 'federated', '--federation', CLUSTER, '--federation', east), '--json']);
  assert.equal(first.code, 0, first.stderr);
  const again = await sandbox.run([
    ...base('--credential', 'federated', '--federation', CLUSTER, '--federation', east, '--federation', west),
    '--json',
  ]);
  assert.equal(again.code, 0, again.stderr);
  const credentials = appOf(sandbox).federatedIdentityCredentials ?? [];
  assert.deepEqual(
    credentials.map((c) => c.issuer),
    ['https://oidc.prod-aks.azure.com/1111/', 'https://oidc.east-aks.azure.com/2222/', 'https://oidc.west-aks.azure.com/3333/'],
  );
  assert.equal(new Set(credentials.map((c) => c.name)).size, 3, 'each credential has its own name');
  assert.equal(credentials[0]!.name, 'kubernetes-integrations-dataverse-sync', 'the first keeps the readable name');
  const result = JSON.parse(again.stdout);
  assert.equal(result.reused.filter((r: string) => r.startsWith('federatedCredential:')).length, 2);
  assert.equal(result.created.filter((r: string) => r.startsWith('federatedCredential:')).length, 1);
  // A re-run of the same specs converges: nothing added.
  const third = await sandbox.run(base('--credential', 'federated', '--federation', CLUSTER, '--federation', east, '--federation', west));
  assert.equal(third.code, 0, third.stderr);
  assert.equal(appOf(sandbox).federatedIdentityCredentials?.length, 3);
});

test('a re-run never mixes kinds: federated on a secret profile, or a secret or certificate on a federated one, is a usage error that changes nothing', async (t) => {
  const sandbox = await startSandbox(t, { replicationLag: { federatedCredentialMs: 0 } });
  assert.equal((await sandbox.run(base())).code, 0, 'a secret profile');
  const file = join(sandbox.dir, 'profiles', 'contososales.json');
  const before = await readFile(file, 'utf8');
  const federated = await sandbox.run([...base('--federation', PRODUCTION), '--json']);
  assert.equal(federated.code, 2, federated.stderr);
  assert.equal(JSON.parse(federated.stdout).error.code, 'credential-kind-change');
  assert.match(federated.stderr, /Profile "contososales" signs in with a client secret; this run sets up federated credentials instead/);
  assert.match(federated.stderr, /another --profile.*dynauth remove --profile contososales/s);
  assert.equal(await readFile(file, 'utf8'), before, 'the profile is untouched');
  assert.equal(appOf(sandbox).federatedIdentityCredentials?.length ?? 0, 0, 'nothing added on the app');

  assert.equal((await sandbox.run(base('--profile', 'pipeline', '--app-name', 'fed-app', '--federation', PRODUCTION))).code, 0);
  const fedApp = sandbox.emulator.state.applications.find((a) => a.displayName === 'fed-app')!;
  for (const kind of ['secret', 'certificate']) {
    const run = await sandbox.run([...base('--profile', 'pipeline', '--app-name', 'fed-app', '--credential', kind), '--json']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /Profile "pipeline" signs in with federated credentials \(no secret\)/);
    assert.match(run.stderr, /--federation <spec>/);
    assert.equal(fedApp.passwordCredentials.length + fedApp.keyCredentials.length, 0, `no ${kind} was added to the app`);
  }
  const plain = await sandbox.run(base('--profile', 'pipeline', '--app-name', 'fed-app'));
  assert.equal(plain.code, 2, 'a re-run without --federation would make a secret: refused too');
  assert.match(plain.stderr, /this run sets up a client secret instead/);
  const again = await sandbox.run(base('--profile', 'pipeline', '--app-name', 'fed-app', '--federation', PRODUCTION));
  assert.equal(again.code, 0, `the same kind re-runs as before: ${again.stderr}`);
});
