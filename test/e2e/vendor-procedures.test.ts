// The two delegated vendor procedures of issue 12, end to end as a user types them: init --flow
// delegated (the test plays the integration account's browser), test-connection, token, api,
// export --format fields for the vendor's form, and remove --delete-app. No refresh token or secret
// appears anywhere but in the one output that was asked for it (export's stdout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseConnectionString } from '../../src/secrets/connection-string.ts';
import { startSandbox, type Run, type Sandbox } from '../support/sandbox.ts';
import { signInThroughBrowser, startCli } from './delegated-support.ts';

function fieldsOf(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

async function secretsOf(sandbox: Sandbox, profile: string): Promise<{ refreshToken: string; clientSecret: string | undefined }> {
  const { vault } = await sandbox.storage();
  const stored = await vault.loadConnection(profile);
  return {
    refreshToken: (await vault.loadRefreshToken(profile))!,
    clientSecret: stored ? parseConnectionString(stored.connectionString).clientSecret : undefined,
  };
}

async function procedure(sandbox: Sandbox, initArgs: string[], profile: string) {
  const init = startCli(sandbox, ['init', '--yes', '--flow', 'delegated', '--environment', 'contososales', '--json', ...initArgs]);
  await signInThroughBrowser(init);
  const setUp = await init.done;
  assert.equal(setUp.code, 0, setUp.stderr);
  const runs: Run[] = [setUp];
  const step = async (args: string[]) => {
    const run = await sandbox.run(args);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    runs.push(run);
    return run;
  };
  await step(['test-connection', '--profile', profile]);
  const token = JSON.parse((await step(['token', '--profile', profile, '--json'])).stdout);
  const claims = JSON.parse(Buffer.from(token.accessToken.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(claims.preferred_username ?? claims.upn, sandbox.emulator.integration.userPrincipalName, 'as the integration account');
  const accounts = JSON.parse((await step(['api', '--profile', profile, 'GET', 'accounts?$top=1'])).stdout);
  assert.ok(Array.isArray(accounts.value));
  const secrets = await secretsOf(sandbox, profile);
  const exported = await sandbox.run(['export', '--profile', profile, '--format', 'fields']);
  assert.equal(exported.code, 0, exported.stderr);
  const fields = fieldsOf(exported.stdout);
  assert.equal(fields['Refresh token'], secrets.refreshToken, 'the refresh token the store holds now');
  for (const run of [...runs, { ...exported, stdout: '' }]) {
    for (const secret of [secrets.refreshToken, secrets.clientSecret].filter((s): s is string => Boolean(s))) {
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'no secret or refresh token outside the export asked for');
    }
  }
  return { fields, secrets, exported };
}

async function removeAll(sandbox: Sandbox, profile: string, clientId: string): Promise<void> {
  const removed = await sandbox.run(['remove', '--profile', profile, '--delete-app', '--yes']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(
    sandbox.emulator.state.applications.some((a) => a.appId === clientId),
    false,
  );
  const { vault, profiles } = await sandbox.storage();
  assert.equal(await profiles.read(profile), undefined);
  assert.equal(await vault.hasConnection(profile, 'refresh'), false);
  assert.equal(await vault.hasConnection(profile), false);
}

test("the contact-centre procedure: a web app with http://localhost, a secret, the integration account's refresh token, and its form", async (t) => {
  const sandbox = await startSandbox(t);
  const { fields, secrets } = await procedure(sandbox, [], 'contososales');
  const config = JSON.parse(await readFile(sandbox.env.DYNAUTH_CLOUD_CONFIG!, 'utf8')) as { authorityHost: string };
  const { profiles } = await sandbox.storage();
  const profile = (await profiles.read('contososales'))!;
  const base = `${config.authorityHost.replace(/\/+$/, '')}/${profile.tenantId}`;
  const origin = new URL(profile.environment.url).origin;
  assert.deepEqual(
    {
      tenant: fields['Tenant ID'],
      name: fields['Name'],
      client: fields['Client ID'],
      secret: fields['Client secret'],
      authorize: fields['Authorization URL (v1)'],
      token: fields['Token URL (v1)'],
      api: fields['API URL'],
      redirect: fields['Redirect URI'],
      grant: fields['Grant type'],
    },
    {
      tenant: profile.tenantId,
      name: 'contososales',
      client: profile.clientId,
      secret: secrets.clientSecret,
      authorize: `${base}/oauth2/authorize`,
      token: `${base}/oauth2/token`,
      api: `${origin}/api/data/v9.2`,
      redirect: 'http://localhost',
      grant: 'authorization_code',
    },
  );
  await removeAll(sandbox, 'contososales', profile.clientId);
});

test('the data-sync procedure: a public client (PKCE, no secret), the v2 endpoints, grant type and redirect URL', async (t) => {
  const sandbox = await startSandbox(t);
  const { fields, secrets } = await procedure(sandbox, ['--public-client', '--profile', 'datasync'], 'datasync');
  assert.equal(secrets.clientSecret, undefined, 'no secret anywhere');
  const { profiles } = await sandbox.storage();
  const profile = (await profiles.read('datasync'))!;
  assert.equal(fields['Client secret'], '(none: a public client; leave it blank)');
  assert.match(fields['Authorization URL (v2)']!, new RegExp(`/${profile.tenantId}/oauth2/v2\\.0/authorize$`));
  assert.match(fields['Token URL (v2)']!, new RegExp(`/${profile.tenantId}/oauth2/v2\\.0/token$`));
  assert.equal(fields['Grant type'], 'authorization_code');
  assert.equal(fields['Redirect URI'], 'http://localhost');
  await removeAll(sandbox, 'datasync', profile.clientId);
});
