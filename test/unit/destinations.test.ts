// --push specs (one syntax per kind, names configurable, refusals as usage errors) and the file
// destination (0600, .env and .json, the non-secret parts only for a connection without a key).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLOUDS } from '../../src/clouds.ts';
import type { DeliveryParts, DestinationDeps } from '../../src/destinations/destination.ts';
import { fileDestination } from '../../src/destinations/file.ts';
import { githubToken } from '../../src/destinations/github-token.ts';
import { parseDestinationSpec } from '../../src/destinations/spec.ts';
import { createRedactor } from '../../src/secrets/redact.ts';

const cloud = CLOUDS.public;

test('github specs: environment, prefix, names overridden part by part', () => {
  const spec = parseDestinationSpec('github:contoso/deploy/production:DATAVERSE:client-secret=DV_SECRET', cloud);
  assert.deepEqual(spec, {
    kind: 'github',
    spec: 'github:contoso/deploy/production:DATAVERSE:client-secret=DV_SECRET',
    owner: 'contoso',
    repo: 'deploy',
    environment: 'production',
    names: {
      'tenant-id': 'DATAVERSE_TENANT_ID',
      'client-id': 'DATAVERSE_CLIENT_ID',
      'client-secret': 'DV_SECRET',
      'client-certificate': 'DATAVERSE_CLIENT_CERTIFICATE',
      'environment-url': 'DATAVERSE_ENVIRONMENT_URL',
    },
  });
  assert.equal((parseDestinationSpec('github:contoso/deploy:PP', cloud) as { environment?: string }).environment, undefined);
});

test('bad specs are usage errors naming the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['github:contoso/deploy', /prefix is missing/],
    ['github:contoso:X', /OWNER\/REPO/],
    ['github:contoso/deploy:GITHUB', /not a GitHub secret name/],
    ['github:contoso/deploy:X:client-id=X_CLIENT_SECRET', /same secret name/],
    ['github:contoso/deploy:X:password=Y', /not PART=NAME/],
    ['keyvault:http://contoso.vault.azure.net/x', /plain https/],
    ['keyvault:https://contoso.vault.azure.net/', /secret name/],
    ['keyvault:https://contoso.vault.usgovcloudapi.net/x', /not a Key Vault of this cloud/],
    ['keyvault:https://evil.example/x', /not a Key Vault of this cloud/],
    ['file:/tmp/creds.txt', /\.env or \.json/],
    ['s3:bucket', /unknown kind/],
    ['github:contoso/deploy:X\u0007', /control characters/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseDestinationSpec(text, cloud),
      (error: Error & { exitCode?: number; code?: string }) =>
        error.exitCode === 2 && error.code === 'bad-destination' && message.test(error.message),
      text,
    );
  }
  assert.equal(
    (parseDestinationSpec('keyvault:https://contoso.vault.usgovcloudapi.net/x', CLOUDS.usgovhigh) as { name: string }).name,
    'x',
  );
});

test('a file is recorded by its absolute path and written 0600, replacing a file others could read', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dynauth-dest-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'dataverse.env');
  await writeFile(path, 'old', { mode: 0o644 });
  const spec = parseDestinationSpec(`file:${path}`, cloud);
  assert.equal(spec.spec, `file:${path}`);
  const parts: DeliveryParts = {
    profile: 'contoso',
    tenantId: 't',
    clientId: 'c',
    environmentUrl: 'https://contoso.crm.dynamics.com',
    key: { kind: 'secret', keyId: 'k', expiresOn: '2027-01-01T00:00:00.000Z', clientSecret: 'a"b\\c' },
    connectionString: 'AuthType=ClientSecret;Url=https://contoso.crm.dynamics.com;ClientId=c;ClientSecret=a"b\\c',
  };
  const receipt = await fileDestination(spec as never, {} as DestinationDeps).deliver(parts);
  assert.equal(receipt.keyId, 'k');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const text = await readFile(path, 'utf8');
  assert.match(text, /^DATAVERSE_CLIENT_SECRET="a\\"b\\\\c"$/m);
  assert.match(text, /^DATAVERSE_TENANT_ID="t"$/m);
});

test('a connection without a key (federated) writes its public parts only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dynauth-dest-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const spec = parseDestinationSpec(`file:${join(dir, 'c.json')}`, cloud);
  const receipt = await fileDestination(spec as never, {} as DestinationDeps).deliver({
    profile: 'fed',
    tenantId: 't',
    clientId: 'c',
    environmentUrl: 'https://contoso.crm.dynamics.com',
  });
  assert.equal(receipt.keyId, undefined);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'c.json'), 'utf8')), {
    profile: 'fed',
    tenantId: 't',
    clientId: 'c',
    environmentUrl: 'https://contoso.crm.dynamics.com',
  });
});

test('the GitHub token: GH_TOKEN first, else gh auth token run without a shell for the API host; told to the redactor', async () => {
  const redactor = createRedactor();
  const calls: Array<[string, string[]]> = [];
  const deps = (env: Record<string, string>): DestinationDeps =>
    ({
      env,
      redactor,
      runProgram: async (file: string, args: string[]) => {
        calls.push([file, args]);
        return 'gho_fromghcli0123456789\n';
      },
    }) as unknown as DestinationDeps;
  assert.equal(await githubToken(deps({ GH_TOKEN: 'ghp_fromenvironment123' }), 'api.github.com', 'x'), 'ghp_fromenvironment123');
  assert.equal(calls.length, 0);
  assert.equal(await githubToken(deps({}), 'github.contoso.com', 'x'), 'gho_fromghcli0123456789');
  assert.deepEqual(calls, [['gh', ['auth', 'token', '--hostname', 'github.contoso.com']]]);
  assert.equal(redactor.redact('a ghp_fromenvironment123 b gho_fromghcli0123456789'), 'a [redacted] b [redacted]');
  const none = { ...deps({}), runProgram: async () => '' } as DestinationDeps;
  await assert.rejects(githubToken(none, 'api.github.com', 'x'), /no GitHub token/);
});
