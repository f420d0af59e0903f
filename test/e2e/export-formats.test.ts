import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';
import { runInPty } from '../support/pty.ts';
import { seedProfile } from './profile-fixtures.ts';
import { formatConnectionString } from '../../src/secrets/connection-string.ts';
import type { Profile } from '../../src/profiles/profile.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;

async function authorityHost(sandbox: Sandbox): Promise<string> {
  const config = JSON.parse(await readFile(sandbox.env.DYNAUTH_CLOUD_CONFIG!, 'utf8')) as { authorityHost: string };
  return config.authorityHost.replace(/\/+$/, '');
}

const SECRET = 'abc8Q~Secret.with-safe_chars0123456789xyz';
const REFRESH = `1.AQ0A${'r'.repeat(120)}`;

/** A delegated profile as init --flow delegated leaves it: no application user, the refresh token sealed in its own item. */
async function seedDelegated(sandbox: Sandbox, name: string, options: { publicClient: boolean }): Promise<Profile> {
  const base = await seedProfile(sandbox, { name, secret: options.publicClient ? null : SECRET });
  const { vault, profiles } = await sandbox.storage();
  const profile: Profile = {
    ...base,
    flow: 'delegated',
    delegated: {
      publicClient: options.publicClient,
      redirectUris: ['http://localhost'],
      user: { objectId: sandbox.emulator.integration.objectId, userPrincipalName: sandbox.emulator.integration.userPrincipalName },
      refreshToken: { obtainedOn: base.createdOn, lastRedeemedOn: base.createdOn },
    },
  };
  if (options.publicClient) delete profile.credential;
  await profiles.write(profile);
  await vault.saveRefreshToken(name, REFRESH);
  return profile;
}

test('export --format env, json and fields of an app-user profile: the ids, the secret, both forms of the endpoints', async (t) => {
  const sandbox = await startSandbox(t);
  const profile = await seedProfile(sandbox, { name: 'vendor', secret: SECRET });
  const authority = await authorityHost(sandbox);
  const origin = new URL(profile.environment.url).origin;

  const env = await sandbox.run(['export', '--format', 'env']);
  assert.equal(env.code, 0, env.stderr);
  assert.equal(
    env.stdout,
    [
      `DATAVERSE_URL=${origin}`,
      `DATAVERSE_API_URL=${origin}/api/data/v9.2`,
      `AZURE_AUTHORITY_HOST=${authority}`,
      `AZURE_TENANT_ID=${profile.tenantId}`,
      `AZURE_CLIENT_ID=${profile.clientId}`,
      `AZURE_CLIENT_SECRET='${SECRET}'`,
      '',
    ].join('\n'),
  );

  const json = await sandbox.run(['export', '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const object = JSON.parse(json.stdout);
  assert.equal(object.clientSecret, SECRET);
  assert.equal(object.grantType, 'client_credentials');
  assert.equal(object.scope, `${origin}/.default`);
  assert.deepEqual(object.tokenUrl, {
    v1: `${authority}/${profile.tenantId}/oauth2/token`,
    v2: `${authority}/${profile.tenantId}/oauth2/v2.0/token`,
  });
  assert.equal(
    object.connectionString,
    formatConnectionString({ authType: 'ClientSecret', url: profile.environment.url, clientId: profile.clientId, clientSecret: SECRET }),
  );
  assert.deepEqual(JSON.parse((await sandbox.run(['export', '--json'])).stdout), object, '--json prints the same object');

  const fields = await sandbox.run(['export', '--format', 'fields']);
  assert.equal(fields.code, 0, fields.stderr);
  const lines = Object.fromEntries(
    fields.stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
  assert.equal(lines['Tenant ID'], profile.tenantId);
  assert.equal(lines['Client ID'], profile.clientId);
  assert.equal(lines['Client secret'], SECRET);
  assert.equal(lines['Authorization URL (v1)'], `${authority}/${profile.tenantId}/oauth2/authorize`);
  assert.equal(lines['Authorization URL (v2)'], `${authority}/${profile.tenantId}/oauth2/v2.0/authorize`);
  assert.equal(lines['Token URL (v1)'], `${authority}/${profile.tenantId}/oauth2/token`);
  assert.equal(lines['Token URL (v2)'], `${authority}/${profile.tenantId}/oauth2/v2.0/token`);
  assert.equal(lines['API URL'], `${origin}/api/data/v9.2`);
  assert.equal(lines['Grant type'], 'client_credentials');
  assert.equal(lines['Refresh token'], undefined);
  for (const run of [env, json, fields]) assert.ok(!run.stderr.includes(SECRET), 'never on stderr');
  assert.deepEqual(sandbox.emulator.requests, [], 'export asks nothing of the cloud');
});

test('export --out writes the chosen format to a file, mode 0600, and nothing to stdout', async (t) => {
  const sandbox = await startSandbox(t);
  await seedProfile(sandbox, { name: 'vendor', secret: SECRET });
  const expected = (await sandbox.run(['export', '--format', 'env'])).stdout;
  const out = join(sandbox.dir, 'vendor.env');
  const run = await sandbox.run(['export', '--format', 'env', '--out', out]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /written to .*vendor\.env \(mode 0600\)/);
  assert.equal((await stat(out)).mode & 0o777, 0o600);
  assert.equal(await readFile(out, 'utf8'), expected);
});

test('export refuses to write a secret to a terminal without --show-secret (exit 2); with it, or with --out, it goes', async (t) => {
  const sandbox = await startSandbox(t);
  await seedProfile(sandbox, { name: 'vendor', secret: SECRET });
  const refused = await runInPty([process.execPath, bin, 'export', '--format', 'fields'], sandbox.env, []);
  assert.equal(refused.code, 2, refused.screen);
  assert.match(refused.screen, /Not writing a client secret to the terminal/);
  // The hint repeats the command as asked, so the pipe gets the fields, not the connection string.
  assert.match(refused.screen, /Pipe or redirect it \(dynauth export --profile vendor --format fields \| …, or > file\)/);
  assert.ok(!refused.screen.includes(SECRET));
  const shown = await runInPty([process.execPath, bin, 'export', '--format', 'fields', '--show-secret'], sandbox.env, []);
  assert.equal(shown.code, 0, shown.screen);
  assert.match(shown.screen, new RegExp(`Client secret: +${SECRET.replace(/[.~]/g, '\\$&')}`));
  const out = join(sandbox.dir, 'fields.txt');
  const toFile = await runInPty([process.execPath, bin, 'export', '--format', 'fields', '--out', out], sandbox.env, []);
  assert.equal(toFile.code, 0, toFile.screen);
  assert.ok(!toFile.screen.includes(SECRET));
  assert.match(await readFile(out, 'utf8'), /Client secret: +abc8Q~/);
});

test('export of a delegated profile: the OAuth connection string, the refresh token, authorization_code and the redirect URI', async (t) => {
  const sandbox = await startSandbox(t);
  const profile = await seedDelegated(sandbox, 'contactcenter', { publicClient: false });
  const origin = new URL(profile.environment.url).origin;
  const upn = sandbox.emulator.integration.userPrincipalName;
  const cs = await sandbox.run(['export']);
  assert.equal(cs.code, 0, cs.stderr);
  assert.equal(
    cs.stdout.trim(),
    `AuthType=OAuth;Url=${origin};ClientId=${profile.clientId};RedirectUri=http://localhost;Username=${upn};TenantId=${profile.tenantId};LoginPrompt=Never`,
  );
  const fields = await sandbox.run(['export', '--format', 'fields']);
  assert.equal(fields.code, 0, fields.stderr);
  assert.match(fields.stdout, new RegExp(`^Refresh token: +${REFRESH.replace('.', '\\.')}$`, 'm'));
  assert.match(fields.stdout, new RegExp(`^Client secret: +${SECRET.replace(/[.~]/g, '\\$&')}$`, 'm'));
  assert.match(fields.stdout, /^Grant type: +authorization_code$/m);
  assert.match(fields.stdout, /^Redirect URI: +http:\/\/localhost$/m);
  const { profiles } = await sandbox.storage();
  await profiles.write({
    ...profile,
    delegated: { ...profile.delegated!, redirectUris: ['http://localhost', 'https://sync.example.com/cb'] },
  });
  const several = await sandbox.run(['export', '--format', 'fields']);
  assert.match(several.stdout, /^Redirect URIs: +http:\/\/localhost, https:\/\/sync\.example\.com\/cb$/m);
  assert.match(fields.stdout, new RegExp(`^Scope \\(v2\\): +${origin}/user_impersonation offline_access$`, 'm'));
  const env = await sandbox.run(['export', '--format', 'env']);
  assert.equal(env.code, 0, env.stderr);
  const authority = await authorityHost(sandbox);
  // No AZURE_CLIENT_ID/AZURE_CLIENT_SECRET: EnvironmentCredential would try client credentials with them.
  assert.equal(
    env.stdout.trim(),
    [
      `DATAVERSE_URL=${origin}`,
      `DATAVERSE_API_URL=${origin}/api/data/v9.2`,
      `DATAVERSE_AUTHORITY_HOST=${authority}`,
      `DATAVERSE_TOKEN_URL=${authority}/${profile.tenantId}/oauth2/v2.0/token`,
      `DATAVERSE_SCOPE='${origin}/user_impersonation offline_access'`,
      `DATAVERSE_TENANT_ID=${profile.tenantId}`,
      `DATAVERSE_CLIENT_ID=${profile.clientId}`,
      `DATAVERSE_CLIENT_SECRET='${SECRET}'`,
      'DATAVERSE_REDIRECT_URI=http://localhost',
      `DATAVERSE_REFRESH_TOKEN=${REFRESH}`,
    ].join('\n'),
  );
  for (const run of [cs, fields, env]) assert.ok(!run.stderr.includes(REFRESH), 'the refresh token never on stderr');
  const tty = await runInPty([process.execPath, bin, 'export', '--format', 'json'], sandbox.env, []);
  assert.equal(tty.code, 2, tty.screen);
  assert.match(tty.screen, /Not writing a client secret and a refresh token to the terminal/);
  assert.ok(!tty.screen.includes(REFRESH));
});

test('export of a public client says it has no secret; a federated profile has no connection string, only its other fields', async (t) => {
  const sandbox = await startSandbox(t);
  await seedDelegated(sandbox, 'datasync', { publicClient: true });
  const fields = await sandbox.run(['export', '--profile', 'datasync', '--format', 'fields']);
  assert.equal(fields.code, 0, fields.stderr);
  assert.match(fields.stdout, /^Client secret: +\(none: a public client; leave it blank\)$/m);
  assert.match(fields.stdout, /^Refresh token: +1\.AQ0A/m);
  const publicEnv = await sandbox.run(['export', '--profile', 'datasync', '--format', 'env']);
  assert.equal(publicEnv.code, 0, publicEnv.stderr);
  assert.match(publicEnv.stdout, /^DATAVERSE_CLIENT_ID=/m);
  assert.doesNotMatch(publicEnv.stdout, /^(DATAVERSE_CLIENT_SECRET|AZURE_\w+)=/m, 'a public client: no secret, and no AZURE_* names');

  const base = await seedProfile(sandbox, { name: 'pipeline', secret: null });
  const { profiles } = await sandbox.storage();
  const federated: Profile = {
    ...base,
    federation: [
      {
        id: randomUUID(),
        name: 'github-main',
        issuer: 'https://token.actions.githubusercontent.com',
        subject: 'repo:contoso/app:ref:refs/heads/main',
        spec: 'github:contoso/app@main',
      },
    ],
  };
  delete federated.credential;
  await profiles.write(federated);
  const cs = await sandbox.run(['export', '--profile', 'pipeline', '--json']);
  assert.equal(cs.code, 0, cs.stderr);
  const object = JSON.parse(cs.stdout);
  assert.equal(object.clientSecret, undefined);
  assert.equal(object.connectionString, undefined);
  assert.equal(object.flow, 'federated');
  const plain = await sandbox.run(['export', '--profile', 'pipeline']);
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /federated credentials: it has no secret, so no connection string/);
  assert.match(plain.stderr, /--format fields/);
  const federatedFields = await runInPty([process.execPath, bin, 'export', '--profile', 'pipeline', '--format', 'fields'], sandbox.env, []);
  assert.equal(federatedFields.code, 0, 'nothing secret: it may go to a terminal');
  assert.match(federatedFields.screen, /no secret; these are its other fields/);
  assert.match(federatedFields.screen, /Client secret: +\(none: federated credentials, no secret\)/);
});

test("export prints a national cloud profile's own endpoints without --cloud: nothing is sent, so none is needed", async (t) => {
  const sandbox = await startSandbox(t);
  const base = await seedProfile(sandbox, { name: 'gcchigh', secret: SECRET });
  const { profiles } = await sandbox.storage();
  await profiles.write({
    ...base,
    cloud: 'usgovhigh',
    environment: { ...base.environment, url: 'https://contoso.crm.microsoftdynamics.us' },
  });
  const run = await sandbox.run(['export', '--profile', 'gcchigh', '--format', 'fields']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^Token URL \\(v1\\): +https://login\\.microsoftonline\\.us/${base.tenantId}/oauth2/token$`, 'm'));
  assert.match(run.stdout, /^API URL: +https:\/\/contoso\.crm\.microsoftdynamics\.us\/api\/data\/v9\.2$/m);
  assert.deepEqual(sandbox.emulator.requests, []);
});
