import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../support/sandbox.ts';
import { KEY, runInPty } from '../support/pty.ts';
import { assertOneOfEach, rolePrivileges } from './assertions.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;

test('an interactive run in a real terminal asks every question and applies the answers', async (t) => {
  const sandbox = await startSandbox(t);
  const { code, screen } = await runInPty([process.execPath, bin, 'init'], sandbox.env, [
    { expect: /Which Dataverse environment\?/, send: KEY.down + KEY.enter },
    { expect: /How will the integration connect\?/, send: KEY.enter },
    { expect: /Name of the app registration/, send: `acme-pty${KEY.enter}` },
    { expect: /Credential\b/, send: KEY.enter },
    { expect: /Credential lifetime/, send: `90${KEY.enter}` },
    { expect: /Security role for the application user/, send: KEY.down + KEY.enter },
    { expect: /Business unit of the application user/, send: KEY.down + KEY.enter },
    { expect: /Profile name for this connection/, send: `pty-profile${KEY.enter}` },
    { expect: /Apply this plan\?/, send: `y${KEY.enter}` },
  ]);
  assert.equal(code, 0, screen);
  assert.match(screen, /Plan:/);
  assert.match(screen, /Done\./);
  const { app, users } = assertOneOfEach(sandbox.emulator, 'acme-pty', ['contosodev']);
  const unit = users[0]!.environment.dataverse!.businessUnits.find((b) => b.businessunitid === users[0]!.user.businessunitid)!;
  assert.equal(unit.name, 'Contoso Support');
  assert.deepEqual(
    rolePrivileges(sandbox.emulator, 'contosodev', 'dynauth read-only').map(([name]) => name),
    ['prvReadAccount', 'prvReadActivity', 'prvReadContact', 'prvReadIncident', 'prvReadLead'],
  );
  const days = (Date.parse(app.passwordCredentials[0]!.endDateTime) - Date.now()) / 86_400_000;
  assert.ok(days > 89 && days <= 90, `90-day secret, got ${days}`);
  const { profiles } = await sandbox.storage();
  assert.deepEqual(await profiles.list(), ['pty-profile']);
  sandbox.outputs.push(screen);
  await sandbox.assertNoSecretLeaked();
});

test('answering No at the confirmation changes nothing (exit 130)', async (t) => {
  const sandbox = await startSandbox(t);
  const { code, screen } = await runInPty(
    [
      process.execPath,
      bin,
      'init',
      '--environment',
      'contososales',
      '--role-preset',
      'read-only',
      '--app-name',
      'x',
      '--credential',
      'secret',
      '--secret-expiry',
      '30',
      '--business-unit',
      'Contoso Support',
      '--profile',
      'p',
    ],
    sandbox.env,
    [{ expect: /Apply this plan\?/, send: KEY.enter }],
  );
  assert.equal(code, 130, screen);
  assert.match(screen, /Nothing was changed/);
  assert.equal(sandbox.emulator.state.applications.filter((a) => a.displayName === 'x').length, 0);
});
