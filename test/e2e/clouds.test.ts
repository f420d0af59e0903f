import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox } from '../support/sandbox.ts';

const ARGS = ['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'];
const tokenRequests = (requests: Array<{ service: string; path: string; body: unknown; status: number }>) =>
  requests
    .filter((r) => r.service === 'login' && r.path.endsWith('/token'))
    .map((r) => ({ scope: String((r.body as { scope?: string }).scope ?? ''), status: r.status }));

test('a Power Platform scope Entra does not know (AADSTS500011) falls back to the second one, once for the run', async (t) => {
  const sandbox = await startSandbox(t);
  const { cloudConfig } = sandbox.emulator;
  // As GCC's two names for the Power Platform API: the first is not a resource this tenant knows.
  const unknown = 'https://gov.service.powerapps.example/.default';
  const config = join(sandbox.dir, 'gcc-like-cloud.json');
  await writeFile(
    config,
    JSON.stringify({ ...cloudConfig, powerPlatformScope: unknown, powerPlatformScopeFallback: cloudConfig.powerPlatformScope }),
  );
  const run = await sandbox.run(ARGS, { env: { DYNAUTH_CLOUD_CONFIG: config } });
  assert.equal(run.code, 0, run.stderr);
  const asked = tokenRequests(sandbox.emulator.requests);
  const tried = asked.filter((r) => r.scope.includes(unknown));
  assert.equal(tried.length, 1, 'the unknown scope is asked for once, then remembered');
  assert.equal(tried[0]!.status, 400);
  assert.ok(
    asked.some((r) => r.scope.includes(cloudConfig.powerPlatformScope) && r.status === 200),
    JSON.stringify(asked),
  );
  const listed = sandbox.emulator.requests.filter((r) => r.service === 'bap');
  assert.ok(listed.length > 0 && listed.every((r) => r.status === 200), 'the environments were listed with the fallback token');
});

test('without a fallback, an unknown Power Platform scope is the sign-in failure it is (exit 4)', async (t) => {
  const sandbox = await startSandbox(t);
  const config = join(sandbox.dir, 'broken-cloud.json');
  await writeFile(
    config,
    JSON.stringify({ ...sandbox.emulator.cloudConfig, powerPlatformScope: 'https://gov.service.powerapps.example/.default' }),
  );
  const run = await sandbox.run(ARGS, { env: { DYNAUTH_CLOUD_CONFIG: config } });
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stderr, /AADSTS500011: The resource principal named https:\/\/gov\.service\.powerapps\.example was not found/);
});

test('a crm9 (GCC) URL with the public cloud is refused before signing in, pointing to --cloud usgov (exit 2)', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(
    ['init', '--yes', '--cloud', 'public', '--environment', 'https://contoso.crm9.dynamics.com', '--role-preset', 'read-only'],
    {
      env: { DYNAUTH_CLOUD_CONFIG: '' },
    },
  );
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /contoso\.crm9\.dynamics\.com is not a Dataverse host of the public cloud \(crmN\.dynamics\.com\)\./);
  assert.match(run.stderr, /That host is in the usgov cloud: pass --cloud usgov\./);
  assert.deepEqual(sandbox.emulator.requests, []);
});
