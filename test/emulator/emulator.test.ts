import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { emulatorFor } from './helpers.ts';

test('seeded tenant: deterministic ids, environments, listeners on 127.0.0.1', async (t) => {
  const a = await emulatorFor(t);
  const b = await emulatorFor(t);
  assert.equal(a.tenant.id, b.tenant.id);
  assert.equal(a.automation.clientId, b.automation.clientId);
  assert.notEqual(a.automation.clientSecret, b.automation.clientSecret);
  assert.deepEqual(a.tenant, { id: a.tenant.id, domain: 'contoso-sandbox.onmicrosoft.com', displayName: 'Contoso (dynauth sandbox)' });
  assert.equal(a.admin.userPrincipalName, 'admin@contoso-sandbox.onmicrosoft.com');
  assert.deepEqual(
    a.environments.map((e) => [e.uniqueName, e.displayName, e.url === undefined]),
    [
      ['contososales', 'Contoso Sales', false],
      ['contosodev', 'Contoso Dev', false],
      ['contosodefault', 'Contoso (default)', true],
    ],
  );
  for (const url of [
    a.cloudConfig.authorityHost,
    a.cloudConfig.graphEndpoint,
    a.cloudConfig.powerPlatformEndpoint,
    ...a.environments.flatMap((e) => (e.url ? [e.url] : [])),
  ]) {
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  }
  assert.equal(a.cloudConfig.graphScope, `${a.cloudConfig.graphEndpoint}/.default`);
  assert.equal(a.cloudConfig.powerPlatformScope, `${a.cloudConfig.powerPlatformEndpoint}/.default`);
  assert.deepEqual(a.cloudConfig.dataverseHostSuffixes, ['127.0.0.1']);
  const sales = a.state.environments[0]!.dataverse!;
  const sysAdmin = sales.roles.find((r) => r.name === 'System Administrator' && r.parentrootroleid === r.roleid)!;
  assert.equal(sysAdmin.privileges.length, sales.privileges.length);
  assert.ok(sysAdmin.privileges.every((p) => p.depth === 3));
  assert.deepEqual(
    [...new Set(sales.roles.map((r) => r.name))],
    [
      'System Administrator',
      'System Customizer',
      'Basic User',
      'Salesperson',
      'Customer Service Representative',
      'Delegate',
      'Environment Maker',
    ],
  );
  assert.equal(sales.roles.length, 14);
  assert.equal(
    sales.privileges.find((p) => p.name === 'prvReadAccount')!.privilegeid,
    b.state.environments[1]!.dataverse!.privileges.find((p) => p.name === 'prvReadAccount')!.privilegeid,
  );
});

test('writeFiles gives a child process what it needs to trust and reach the emulator', async (t) => {
  const emulator = await emulatorFor(t);
  const dir = await mkdtemp(join(tmpdir(), 'dynauth-emulator-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { cloudConfigPath, caCertPath } = await emulator.writeFiles(dir);
  assert.deepEqual(JSON.parse(await readFile(cloudConfigPath, 'utf8')), emulator.cloudConfig);
  assert.equal(await readFile(caCertPath, 'utf8'), emulator.caCertPem);
  const script = `const c = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
fetch(c.authorityHost + '/common/v2.0/.well-known/openid-configuration').then(r => r.json()).then(j => console.log(j.token_endpoint));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, cloudConfigPath], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath },
  });
  assert.equal(stdout.trim(), `${emulator.cloudConfig.authorityHost}/common/oauth2/v2.0/token`);
});

test('close() stops every listener and can be called twice', async (t) => {
  const emulator = await emulatorFor(t);
  await emulator.close();
  await emulator.close();
  await assert.rejects(fetch(`${emulator.cloudConfig.graphEndpoint}/v1.0/organization`));
});
