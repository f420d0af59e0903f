// init against a cloud where every new object takes seconds to replicate: each answer Entra,
// Graph and Dataverse give meanwhile is waited out, and the run converges with one of everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReplication } from '../../src/emulator/replication.ts';
import { startSandbox, type Emulator } from '../support/sandbox.ts';
import { assertOneOfEach } from './assertions.ts';

const ARGS = ['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only', '--json'];
const SLOW = { appMs: 2000, servicePrincipalMs: 2000, secretMs: 2000, certificateMs: 2000, appUserMs: 2000 };

const statuses = (emulator: Emulator, match: (r: Emulator['requests'][number]) => boolean) =>
  emulator.requests.filter(match).map((r) => r.status);

test('every answer given while the new app, its principal, secret and user replicate is waited out', async (t) => {
  const sandbox = await startSandbox(t, { replicationLag: SLOW });
  const run = await sandbox.run(ARGS);
  assert.equal(run.code, 0, run.stderr);
  const { emulator } = sandbox;
  const { app } = assertOneOfEach(emulator, 'dynauth-contososales', ['contososales']);
  assert.equal(app.passwordCredentials.length, 1, 'one secret, however many times addPassword was refused');

  const addPassword = statuses(emulator, (r) => r.path.endsWith('/addPassword'));
  assert.ok(
    addPassword.length >= 2 && addPassword.slice(0, -1).every((s) => s === 404) && addPassword.at(-1) === 200,
    `addPassword: ${addPassword}`,
  );
  const principal = statuses(emulator, (r) => r.method === 'POST' && r.path === '/v1.0/servicePrincipals');
  assert.ok(
    principal.slice(0, -1).every((s) => [400, 403, 404].includes(s)) && principal.at(-1) === 201,
    `servicePrincipals: ${principal}`,
  );
  assert.ok(principal.length >= 2);
  const grant = statuses(emulator, (r) => r.method === 'POST' && r.path === '/v1.0/oauth2PermissionGrants');
  assert.ok(grant.length >= 2 && grant.slice(0, -1).every((s) => s === 400) && grant.at(-1) === 201, `oauth2PermissionGrants: ${grant}`);
  const appToken = statuses(emulator, (r) => r.service === 'login' && (r.body as { client_id?: string })?.client_id === app.appId);
  assert.ok(
    appToken.length >= 2 && appToken.slice(0, -1).every((s) => s === 400 || s === 401) && appToken.at(-1) === 200,
    `app tokens: ${appToken}`,
  );
  const whoAmI = statuses(emulator, (r) => r.path.endsWith('/WhoAmI') && r.token?.appid === app.appId);
  assert.ok(whoAmI.length >= 2 && whoAmI.slice(0, -1).every((s) => s === 403) && whoAmI.at(-1) === 200, `WhoAmI as the app: ${whoAmI}`);

  assert.match(run.stderr, /Waiting for Entra to publish the new app/);
  assert.match(run.stderr, /Waiting for Entra to publish the new service principal/);
  assert.match(run.stderr, /Waiting for Dataverse to activate the application user/);
  assert.deepEqual(
    JSON.parse(run.stdout).created.filter((what: string) => what === 'application' || what === 'servicePrincipal'),
    ['application', 'servicePrincipal'],
  );
});

// Creating a service principal for an app that has not replicated answers 400, 403 or 404 (the
// emulator picks with its seeded generator): each is waited out, and a 403 is not an "access denied".
for (const status of ['400', '403', '404'] as const) {
  test(`a ${status} to creating the service principal of a new app is replication, not failure`, async (t) => {
    const seed = seedWhoseFirstServicePrincipalAnswerIs(status);
    const sandbox = await startSandbox(t, { replicationLag: { appMs: 1500 }, replicationSeed: seed });
    const run = await sandbox.run(ARGS);
    assert.equal(run.code, 0, run.stderr);
    const principal = statuses(sandbox.emulator, (r) => r.method === 'POST' && r.path === '/v1.0/servicePrincipals');
    assert.equal(principal[0], Number(status), `servicePrincipals: ${principal}`);
    assert.equal(principal.at(-1), 201);
    assert.doesNotMatch(run.stderr, /may not create the service principal/);
    assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  });
}

test('a new certificate the token endpoint does not know yet (AADSTS700027) is waited out', async (t) => {
  const sandbox = await startSandbox(t, { replicationLag: { certificateMs: 3000 } });
  const run = await sandbox.run([...ARGS, '--credential', 'certificate']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Waiting for Entra to accept the new credential \(AADSTS700027\)/);
  const { app } = assertOneOfEach(sandbox.emulator, 'dynauth-contososales', ['contososales']);
  assert.equal(app.keyCredentials.length, 1, 'one certificate');
});

/** A seed whose first answer to creating a not-yet-replicated app's service principal is `status`. */
function seedWhoseFirstServicePrincipalAnswerIs(status: '400' | '403' | '404'): number {
  for (let seed = 1; ; seed++) {
    if (createReplication(undefined, seed).choose('service-principal-for-new-app', ['400', '403', '404'] as const) === status) return seed;
  }
}
