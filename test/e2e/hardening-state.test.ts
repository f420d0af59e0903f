// Issue 14, local state: each profile remembers its store; a shared or foreign-writable config
// directory is refused (never chmod'ed); a tampered or foreign-writable profile is refused before any
// token is asked for it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordedRequest } from '../../src/emulator/types.ts';
import { hostileCases } from '../support/hostile.ts';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';
import { seedProfile } from './profile-fixtures.ts';

const posix = process.platform !== 'win32';
const secretServiceExpected = process.env.DYNAUTH_TEST_SECRET_SERVICE === '1';

function isCreation(request: RecordedRequest): boolean {
  return request.method === 'POST' && request.service !== 'login';
}

/** A profile file as JSON: the fields these tests tamper with. */
interface StoredProfile {
  environment: { url: string };
  clientId: string;
  tenantId: string;
  cloud: string;
  keychain: { account: string; store?: string };
}

async function editProfile(sandbox: Sandbox, name: string, edit: (p: StoredProfile) => void): Promise<string> {
  const file = join(sandbox.dir, 'profiles', `${name}.json`);
  const data = JSON.parse(await readFile(file, 'utf8'));
  edit(data);
  await writeFile(file, JSON.stringify(data, null, 2));
  return file;
}

/** A sandbox whose keychain is the Secret Service, so a second profile can be put in the file store. */
async function keychainSandbox(t: TestContext): Promise<Sandbox | undefined> {
  const sandbox = await startSandbox(t);
  if (sandbox.keychain === 'secret-service') return sandbox;
  assert.ok(!secretServiceExpected, 'test/with-keyring.ts promised a Secret Service, but none answered');
  t.skip('no Secret Service here: a keychain profile cannot sit beside a file-store one');
  return undefined;
}

test('each profile remembers its store: status and rotate-secret --all work with a keychain profile beside a --store file one', async (t) => {
  hostileCases('state-stores', ['keychain profile beside a --store file profile']);
  const sandbox = await keychainSandbox(t);
  if (!sandbox) return;
  const passphrase = randomBytes(12).toString('hex');
  const fileStore = { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: passphrase };
  const inKeychain = await sandbox.run([
    'init',
    '--yes',
    '--environment',
    'contososales',
    '--role-preset',
    'read-only',
    '--app-name',
    'dynauth-sales',
  ]);
  assert.equal(inKeychain.code, 0, inKeychain.stderr);
  const inFile = await sandbox.run(
    ['init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only', '--app-name', 'dynauth-dev'],
    { env: fileStore },
  );
  assert.equal(inFile.code, 0, inFile.stderr);
  const recorded = async (name: string) => JSON.parse(await readFile(join(sandbox.dir, 'profiles', `${name}.json`), 'utf8')).keychain;
  assert.deepEqual(await recorded('contososales'), {
    service: sandbox.env.DYNAUTH_KEYCHAIN_SERVICE,
    account: 'contososales',
    passphrase: false,
    store: 'keychain',
  });
  assert.deepEqual(await recorded('contosodev'), {
    service: sandbox.env.DYNAUTH_KEYCHAIN_SERVICE,
    account: 'contosodev',
    passphrase: true,
    store: 'file',
  });

  const status = await sandbox.run(['status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  const rows = JSON.parse(status.stdout).profiles as Array<{ profile: string; keychainItem: string; store: string }>;
  assert.deepEqual(
    rows.map((r) => [r.profile, r.store, r.keychainItem]),
    [
      ['contosodev', 'file', 'present'],
      ['contososales', 'keychain', 'present'],
    ],
  );
  const human = await sandbox.run(['status']);
  assert.doesNotMatch(human.stdout, /MISSING|is missing/);
  assert.match(human.stdout, /contosodev .*present \(file\)/);

  // The passphrase is for the file profile; the keychain profile stays sealed by its data key.
  const before = sandbox.emulator.requests.length;
  const rotated = await sandbox.run(['rotate-secret', '--all', '--json'], { env: { DYNAUTH_PASSPHRASE: passphrase } });
  assert.equal(rotated.code, 0, rotated.stderr);
  const results = JSON.parse(rotated.stdout).profiles as Array<{ profile: string; ok: boolean; rotated: boolean }>;
  assert.deepEqual(
    results.map((r) => [r.profile, r.ok, r.rotated]),
    [
      ['contosodev', true, true],
      ['contososales', true, true],
    ],
  );
  const added = sandbox.emulator.requests
    .slice(before)
    .filter((r) => r.method === 'POST' && r.path.endsWith('/addPassword') && r.status < 300);
  assert.equal(added.length, 2, 'one new secret on each app');
  assert.deepEqual(await recorded('contososales'), {
    service: sandbox.env.DYNAUTH_KEYCHAIN_SERVICE,
    account: 'contososales',
    passphrase: false,
    store: 'keychain',
  });
  const sales = await sandbox.run(['test-connection', '--profile', 'contososales']);
  assert.equal(sales.code, 0, `the keychain profile needs no passphrase after the rotation: ${sales.stderr}`);
  const dev = await sandbox.run(['test-connection', '--profile', 'contosodev'], { env: { DYNAUTH_PASSPHRASE: passphrase } });
  assert.equal(dev.code, 0, dev.stderr);
});

test('a profile written before the store was recorded is found in the file store by its item', async (t) => {
  hostileCases('state-stores', ['file-store profile without a recorded store']);
  const sandbox = await keychainSandbox(t);
  if (!sandbox) return;
  const passphrase = randomBytes(12).toString('hex');
  const init = await sandbox.run(['init', '--yes', '--environment', 'contosodev', '--role-preset', 'read-only'], {
    env: { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: passphrase },
  });
  assert.equal(init.code, 0, init.stderr);
  await editProfile(sandbox, 'contosodev', (p) => delete p.keychain.store);
  const status = await sandbox.run(['status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.deepEqual(
    JSON.parse(status.stdout).profiles.map((r: { store: string; keychainItem: string }) => [r.store, r.keychainItem]),
    [['file', 'present']],
  );
  const tested = await sandbox.run(['test-connection', '--profile', 'contosodev'], { env: { DYNAUTH_PASSPHRASE: passphrase } });
  assert.equal(tested.code, 0, tested.stderr);
});

const SHARED_DIRECTORIES = [
  { name: 'shared 1777 directory', mode: 0o1777, reason: /every user can write to it \(mode 1777\)/ },
  { name: 'world-writable 0777 directory', mode: 0o777, reason: /every user can write to it \(mode 0777\)/ },
  { name: 'group-writable 0770 directory', mode: 0o770, reason: /its group can write to it \(mode 0770\)/ },
];

for (const c of hostileCases('state-config-dir', SHARED_DIRECTORIES)) {
  test(`DYNAUTH_CONFIG_DIR at a ${c.name}: refused with the reason before anything is created, never chmod'ed`, async (t) => {
    if (!posix) return t.skip('POSIX modes only');
    const sandbox = await startSandbox(t);
    const shared = join(sandbox.dir, 'shared');
    await mkdir(shared);
    await chmod(shared, c.mode);
    const env = { DYNAUTH_CONFIG_DIR: shared };
    const apps = sandbox.emulator.state.applications.length;
    const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'], { env });
    assert.equal(init.code, 1, init.stderr);
    assert.match(init.stderr, new RegExp(`Refusing to use ${shared}: `));
    assert.match(init.stderr, c.reason);
    assert.match(init.stderr, /point DYNAUTH_CONFIG_DIR at a path that does not exist yet/);
    assert.doesNotMatch(init.stderr, /Unexpected error|\n\s+at /);
    assert.deepEqual(
      sandbox.emulator.requests.filter(isCreation).map((r) => `${r.service} ${r.path}`),
      [],
      init.stderr,
    );
    assert.equal(sandbox.emulator.state.applications.length, apps, 'no app');
    assert.equal((await stat(shared)).mode & 0o7777, c.mode, 'the directory keeps its mode');
    for (const command of [['status'], ['test-connection', '--profile', 'contososales'], ['rotate-secret', '--all']]) {
      const run = await sandbox.run(command, { env });
      assert.equal(run.code, 1, `${command[0]}: ${run.stderr}`);
      assert.match(run.stderr, c.reason);
    }
    assert.equal((await stat(shared)).mode & 0o7777, c.mode);
  });
}

test('a DYNAUTH_CONFIG_DIR that does not exist yet is created 0700', async (t) => {
  hostileCases('state-config-dir', ['missing directory']);
  if (!posix) return t.skip('POSIX modes only');
  const sandbox = await startSandbox(t);
  const fresh = join(sandbox.dir, 'fresh', 'profiles');
  const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'], {
    env: { DYNAUTH_CONFIG_DIR: fresh },
  });
  assert.equal(init.code, 0, init.stderr);
  assert.equal((await stat(fresh)).mode & 0o777, 0o700);
  assert.equal((await stat(join(sandbox.dir, 'fresh'))).mode & 0o777, 0o700);
});

const TAMPERED = [
  {
    name: 'environment URL on a host outside the cloud',
    edit: (p: StoredProfile) => (p.environment.url = p.environment.url.replace('127.0.0.1', 'localhost')),
    message: /Profile "prod": its environment localhost is not a Dataverse host of the custom cloud \(127\.0\.0\.1\)/,
  },
  {
    name: 'environment URL with a path',
    edit: (p: StoredProfile) => (p.environment.url += '/collect'),
    message: /"environment\.url" ".*\/collect" is not an environment's address alone/,
  },
  { name: 'client id that is not a GUID', edit: (p: StoredProfile) => (p.clientId = 'anything'), message: /"clientId" must be a GUID/ },
  {
    name: 'tenant id that is not a GUID',
    edit: (p: StoredProfile) => (p.tenantId = 'attacker.example.com'),
    message: /"tenantId" must be a GUID/,
  },
  { name: 'unknown cloud', edit: (p: StoredProfile) => (p.cloud = 'elsewhere'), message: /"cloud" must be one of/ },
  {
    name: 'keychain account of another profile',
    edit: (p: StoredProfile) => (p.keychain.account = 'other'),
    message: /"keychain\.account" is "other"/,
  },
];

for (const c of hostileCases('state-tampered-profile', TAMPERED)) {
  test(`tampered profile is refused before any token is asked for it: ${c.name}`, async (t) => {
    const sandbox = await startSandbox(t);
    await seedProfile(sandbox, { name: 'prod' });
    await seedProfile(sandbox, { name: 'other' });
    await editProfile(sandbox, 'prod', c.edit);
    const offCloud = c.name.startsWith('environment URL on a host');
    const before = sandbox.emulator.requests.length;
    // export sends nothing (its connection string is the sealed one), so a custom cloud's host check is left to the commands that do.
    const commands = [
      ['test-connection', '--profile', 'prod'],
      ['rotate-secret', '--profile', 'prod'],
      ...(offCloud ? [] : [['export', '--profile', 'prod']]),
    ];
    for (const command of commands) {
      const run = await sandbox.run(command);
      assert.equal(run.code, 1, `${command[0]}: ${run.stderr}`);
      assert.match(run.stderr, c.message, command[0]);
      assert.match(run.stderr, /treat it as tampered with: delete it and run dynauth init --profile prod again/);
      assert.doesNotMatch(run.stderr, /Unexpected error|\n\s+at /);
      assert.equal(run.stdout, '', 'no connection string, no report');
    }
    assert.deepEqual(sandbox.emulator.requests.slice(before), [], 'no request at all: no token for it, nothing sent anywhere');
    const status = await sandbox.run(['status', '--json']);
    const rows = JSON.parse(status.stdout).profiles as Array<{ profile: string; problem?: string; keychainItem: string }>;
    assert.equal(rows.find((r) => r.profile === 'other')!.keychainItem, 'present', 'the other profiles are still listed');
    const problem = rows.find((r) => r.profile === 'prod')!.problem;
    if (offCloud) {
      // Without --check status sends nothing and knows no custom cloud: the check is --check's (next test).
      assert.equal(status.code, 0, status.stderr);
      assert.equal(problem, undefined);
    } else {
      assert.equal(status.code, 1, 'status fails for the tampered one');
      assert.match(problem ?? '', c.message);
    }
  });
}

test('status --check refuses a custom-cloud profile pointed at a host outside the cloud, and asks no token for it', async (t) => {
  hostileCases('state-tampered-profile', ['status --check with an off-cloud environment URL']);
  const sandbox = await startSandbox(t);
  await seedProfile(sandbox, { name: 'prod' });
  const file = await editProfile(sandbox, 'prod', (p) => (p.environment.url = p.environment.url.replace('127.0.0.1', 'localhost')));
  const before = sandbox.emulator.requests.length;
  const run = await sandbox.run(['status', '--check', '--json']);
  assert.equal(run.code, 1, run.stderr);
  assert.match(JSON.parse(run.stdout).profiles[0].problem, /its environment localhost is not a Dataverse host of the custom cloud/);
  assert.deepEqual(sandbox.emulator.requests.slice(before), []);
  assert.ok(file.endsWith('prod.json'));
});

const FOREIGN_WRITABLE = [
  { name: 'world-writable profile file (0666)', file: 0o666, reason: /every user can write to it \(mode 0666\)/ },
  { name: 'group-writable profile file (0660)', file: 0o660, reason: /its group can write to it \(mode 0660\)/ },
];

for (const c of hostileCases('state-foreign-writable', FOREIGN_WRITABLE)) {
  test(`a profile another user could have written is not used: ${c.name}`, async (t) => {
    if (!posix) return t.skip('POSIX modes only');
    const sandbox = await startSandbox(t);
    await seedProfile(sandbox, { name: 'prod' });
    const file = join(sandbox.dir, 'profiles', 'prod.json');
    await chmod(file, c.file);
    const before = sandbox.emulator.requests.length;
    const run = await sandbox.run(['test-connection', '--profile', 'prod']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`Profile file ${file}: `));
    assert.match(run.stderr, c.reason);
    assert.match(run.stderr, /another user could have written what it says; it is not used/);
    assert.match(run.stderr, new RegExp(`chmod 600 ${file}`));
    assert.deepEqual(sandbox.emulator.requests.slice(before), []);
    assert.equal((await stat(file)).mode & 0o777, c.file, 'left as it is for the owner to judge');
  });
}
