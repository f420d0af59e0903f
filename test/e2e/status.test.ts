import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox } from '../support/sandbox.ts';
import { days, seedProfile } from './profile-fixtures.ts';

test('status lists every profile from local state only, with the keychain item and last test', async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run([
    'init',
    '--yes',
    '--environment',
    'contososales',
    '--environment',
    'contosodev',
    '--role-preset',
    'read-only',
    '--app-name',
    'acme-sync',
  ]);
  assert.equal(init.code, 0, init.stderr);
  const { vault } = await sandbox.storage();
  await vault.deleteSlot('contosodev', 'current');
  const requestsBefore = sandbox.emulator.requests.length;
  const run = await sandbox.run(['status', '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(sandbox.emulator.requests.length, requestsBefore, 'no remote call without --check');
  const { profiles } = JSON.parse(run.stdout);
  assert.deepEqual(
    profiles.map((p: { profile: string }) => p.profile),
    ['contosodev', 'contososales'],
  );
  const sales = profiles[1];
  assert.equal(sales.environment.url, sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url);
  assert.equal(sales.app.displayName, 'acme-sync');
  assert.equal(sales.credential.type, 'secret');
  assert.ok(sales.credential.daysLeft >= 179 && sales.credential.daysLeft <= 180);
  assert.ok(sales.lastSuccessfulTest, 'init recorded a successful test');
  assert.equal(sales.keychainItem, 'present');
  assert.equal(profiles[0].keychainItem, 'missing');

  const human = await sandbox.run(['list']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^PROFILE\s+ENVIRONMENT\s+APP\s+CREDENTIAL\s+EXPIRES\s+LAST TEST\s+KEYCHAIN/);
  assert.match(
    human.stdout,
    /contososales .*acme-sync\s+secret\s+in 1(79|80) days \(\d{4}-\d\d-\d\d\)\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+present/,
  );
  assert.match(
    human.stdout,
    /contosodev: its keychain item is missing; re-run dynauth init for it, or dynauth rotate-secret --profile contosodev/,
  );
  await sandbox.assertNoSecretLeaked();
});

test('no profiles yet: said so, exit 0', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(['status']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /No profiles yet: run dynauth init\./);
});

test('--warn-days exits 3 when a credential expires within that many days, 0 otherwise', async (t) => {
  const sandbox = await startSandbox(t);
  await seedProfile(sandbox, { name: 'soon', expiresOn: days(10) });
  await seedProfile(sandbox, { name: 'later', expiresOn: days(200) });
  const warned = await sandbox.run(['status', '--warn-days', '30', '--json']);
  assert.equal(warned.code, 3, warned.stderr);
  assert.deepEqual(JSON.parse(warned.stdout).expiring, ['soon']);
  assert.match(warned.stderr, /The secret of soon expires within 30 days .*dynauth rotate-secret --profile soon/);
  const quiet = await sandbox.run(['status', '--warn-days', '5']);
  assert.equal(quiet.code, 0, quiet.stderr);
  const env = await sandbox.run(['status'], { env: { DYNAUTH_WARN_DAYS: '365' } });
  assert.equal(env.code, 3, 'DYNAUTH_WARN_DAYS is the env twin');
  const bad = await sandbox.run(['status', '--warn-days', 'soon']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--warn-days "soon" is not a whole number of days/);
});

test('--check tests every profile in parallel: failures diagnosed, successes recorded', async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only']);
  assert.equal(init.code, 0, init.stderr);
  await seedProfile(sandbox, { name: 'broken', environment: 'contosodev' });
  const { profiles } = await sandbox.storage();
  const before = (await profiles.read('contososales'))!.lastSuccessfulTest!;
  const requestsBefore = sandbox.emulator.requests.length;
  sandbox.emulator.faults.add({ kind: 'latency', service: 'login', ms: 600 });
  const run = await sandbox.run(['status', '--check', '--json']);
  sandbox.emulator.faults.clear();
  assert.equal(run.code, 4, run.stderr);
  const rows = JSON.parse(run.stdout).profiles;
  const broken = rows.find((r: { profile: string }) => r.profile === 'broken');
  const sales = rows.find((r: { profile: string }) => r.profile === 'contososales');
  assert.equal(sales.check.ok, true);
  assert.equal(broken.check.ok, false);
  assert.equal(broken.check.checks.find((c: { id: string }) => c.id === 'token').diagnosis.code, 'AADSTS700016');
  assert.ok((await profiles.read('contososales'))!.lastSuccessfulTest! > before, 'lastSuccessfulTest moved on');
  assert.equal((await profiles.read('broken'))!.lastSuccessfulTest, undefined);
  const tokenCalls = sandbox.emulator.requests
    .slice(requestsBefore)
    .filter((r) => r.service === 'login' && r.path.endsWith('/oauth2/v2.0/token'));
  assert.equal(tokenCalls.length, 2);
  assert.ok(Math.abs(tokenCalls[0]!.at - tokenCalls[1]!.at) < 500, 'both token requests were under way at once (each takes 600 ms)');

  const human = await sandbox.run(['status', '--check']);
  assert.equal(human.code, 4);
  assert.match(human.stdout, /✔ contososales: connection works \(token \d+ ms, Web API \d+ ms\)/);
  assert.match(
    human.stdout,
    /✖ broken: connection test failed\n {2}✖ token\s+Entra did not issue a token\n\s+Tenant .* has no app with client id/,
  );
});

test('--ics writes a valid calendar with a reminder two weeks before each expiry', async (t) => {
  const sandbox = await startSandbox(t);
  const expiresOn = days(90);
  await seedProfile(sandbox, { name: 'contoso-sales-with-a-rather-long-profile-name', expiresOn, appDisplayName: 'Acme, Inc.; sync' });
  await seedProfile(sandbox, { name: 'second', expiresOn: days(20) });
  const file = join(sandbox.dir, 'expiry.ics');
  const run = await sandbox.run(['status', '--ics', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Calendar with 2 expiry reminder\(s\) written to/);
  const text = await readFile(file, 'utf8');
  assert.ok(text.endsWith('\r\n') && !/[^\r]\n/.test(text), 'CRLF line endings only');
  const physical = text.slice(0, -2).split('\r\n');
  assert.ok(
    physical.every((line) => Buffer.byteLength(line) <= 75),
    'lines folded at 75 octets',
  );
  const lines = text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter(Boolean);
  assert.equal(lines[0], 'BEGIN:VCALENDAR');
  assert.equal(lines.at(-1), 'END:VCALENDAR');
  assert.ok(lines.includes('VERSION:2.0') && lines.some((l) => l.startsWith('PRODID:')));
  const stack: string[] = [];
  for (const line of lines) {
    if (line.startsWith('BEGIN:')) stack.push(line.slice(6));
    if (line.startsWith('END:')) assert.equal(stack.pop(), line.slice(4), 'components nest');
    if (!line.startsWith('BEGIN:') && !line.startsWith('END:')) assert.match(line, /^[A-Z-]+(;[^:]+)?:/, `content line: ${line}`);
  }
  assert.equal(stack.length, 0);
  assert.equal(lines.filter((l) => l === 'BEGIN:VEVENT').length, 2);
  assert.equal(lines.filter((l) => l === 'TRIGGER:-P14D').length, 2, 'a VALARM two weeks before each expiry');
  assert.equal(lines.filter((l) => l === 'ACTION:DISPLAY').length, 2);
  assert.ok(lines.filter((l) => l.startsWith('UID:')).length === 2 && lines.filter((l) => l.startsWith('DTSTAMP:')).length === 2);
  assert.ok(lines.includes(`DTSTART:${expiresOn.replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`), 'the event is at the expiry');
  assert.ok(
    lines.some((l) => l.includes('App: Acme\\, Inc.\\; sync')),
    'TEXT values escaped',
  );
  assert.ok(lines.some((l) => l.includes('dynauth rotate-secret --profile second')));
});

test('paths that cannot be used are named, before anything is done, without an "unexpected error"', async (t) => {
  const sandbox = await startSandbox(t);
  const ics = await sandbox.run(['status', '--ics', join(sandbox.dir, 'missing', 'x.ics')]);
  assert.equal(ics.code, 2, ics.stderr);
  assert.match(ics.stderr, /--ics .*: there is no directory .*missing/);
  await writeFile(join(sandbox.dir, 'a-file'), 'not a directory');
  const notADirectory = await sandbox.run(['status'], { env: { DYNAUTH_CONFIG_DIR: join(sandbox.dir, 'a-file', 'profiles') } });
  assert.equal(notADirectory.code, 1, notADirectory.stderr);
  assert.match(notADirectory.stderr, /Cannot use .*a-file.*\(ENOTDIR\)/);
  assert.doesNotMatch(notADirectory.stderr, /Unexpected error|\n\s+at /);
});
