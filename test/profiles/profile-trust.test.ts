// A profile file is untrusted input: tampered contents, and files or directories another user could
// have written, are refused on load (issue 14, "Trust in local state").
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ProfileFileError } from '../../src/profiles/errors.ts';
import type { Profile } from '../../src/profiles/profile.ts';
import { ProfileStore } from '../../src/profiles/profile-store.ts';
import { UnsafeLocationError } from '../../src/secrets/private-files.ts';
import { hostileCases } from '../support/hostile.ts';
import { sampleProfile } from './sample-profile.ts';

const posix = process.platform !== 'win32';
const isRoot = process.getuid?.() === 0;
const OTHER_UID = 65534;

const validProfile = (name = 'prod'): Profile => sampleProfile(name, 'keychain');

async function tempDir(t: TestContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'dynauth-trust-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

async function storeHolding(t: TestContext, data: unknown, name = 'prod'): Promise<{ store: ProfileStore; file: string }> {
  const directory = join(await tempDir(t), 'profiles');
  await mkdir(directory, { mode: 0o700 });
  const file = join(directory, `${name}.json`);
  await writeFile(file, typeof data === 'string' ? data : JSON.stringify(data), { mode: 0o600 });
  return { store: new ProfileStore(directory), file };
}

/** A profile file's contents: a Profile, except that a tamperer may name any credential store. */
type TamperedProfile = Omit<Profile, 'keychain'> & { keychain: Omit<Profile['keychain'], 'store'> & { store?: string } };
type Edit = (p: TamperedProfile) => void;
const TAMPERED: ReadonlyArray<{ name: string; edit: Edit; refused: RegExp }> = [
  {
    name: 'environment URL on a host outside the cloud',
    edit: (p) => (p.environment.url = 'https://attacker.example.com'),
    refused: /attacker\.example\.com is not a Dataverse host of the public cloud/,
  },
  {
    name: 'environment URL that only starts like a Dataverse host',
    edit: (p) => (p.environment.url = 'https://contoso.crm.dynamics.com.attacker.example'),
    refused: /not a Dataverse host of the public cloud/,
  },
  {
    name: 'environment URL of another cloud (GCC High)',
    edit: (p) => (p.environment.url = 'https://contoso.crm.microsoftdynamics.us'),
    refused: /not a Dataverse host of the public cloud/,
  },
  {
    name: 'environment URL over plain http',
    edit: (p) => (p.environment.url = 'http://contoso.crm4.dynamics.com'),
    refused: /does not use https/,
  },
  {
    name: 'environment URL with credentials in it',
    edit: (p) => (p.environment.url = 'https://attacker.example.com@contoso.crm4.dynamics.com'),
    refused: /is not an environment's address alone/,
  },
  {
    name: 'environment URL with a path',
    edit: (p) => (p.environment.url = 'https://contoso.crm4.dynamics.com/api/data/v9.2/../../redirect'),
    refused: /is not an environment's address alone/,
  },
  {
    name: 'environment URL with a query',
    edit: (p) => (p.environment.url = 'https://contoso.crm4.dynamics.com?next=https://attacker.example.com'),
    refused: /is not an environment's address alone/,
  },
  {
    name: 'environment URL that is not a URL',
    edit: (p) => (p.environment.url = 'contoso'),
    refused: /"environment\.url" "contoso" is not a URL/,
  },
  {
    name: 'unknown cloud name',
    edit: (p) => (p.cloud = 'attacker-cloud'),
    refused: /"cloud" must be one of public, usgov, usgovhigh, dod, china or custom/,
  },
  { name: 'tenant id that is not a GUID', edit: (p) => (p.tenantId = 'attacker.onmicrosoft.com'), refused: /"tenantId" must be a GUID/ },
  { name: 'client id that is not a GUID', edit: (p) => (p.clientId = '../../applications'), refused: /"clientId" must be a GUID/ },
  {
    name: 'application object id that is not a GUID',
    edit: (p) => (p.applicationObjectId = "x' or 1 eq 1"),
    refused: /"applicationObjectId" must be a GUID/,
  },
  {
    name: 'service principal id that is not a GUID',
    edit: (p) => (p.servicePrincipalId = 'servicePrincipals'),
    refused: /"servicePrincipalId" must be a GUID/,
  },
  {
    name: 'application user id that is not a GUID',
    edit: (p) => (p.applicationUserId = 'systemusers'),
    refused: /"applicationUserId" must be a GUID/,
  },
  { name: 'business unit id that is not a GUID', edit: (p) => (p.businessUnitId = 'root'), refused: /"businessUnitId" must be a GUID/ },
  { name: 'role id that is not a GUID', edit: (p) => (p.roles[0].id = 'System Administrator'), refused: /"roles\[0\]\.id" must be a GUID/ },
  {
    name: 'environment id that is not one',
    edit: (p) => (p.environment.id = 'Default-attacker'),
    refused: /"environment\.id" must be a Power Platform environment id/,
  },
  { name: 'credential key id that is not a GUID', edit: (p) => (p.credential!.keyId = '*'), refused: /"credential\.keyId" must be a GUID/ },
  {
    name: 'pending revocation key id that is not a GUID',
    edit: (p) =>
      (p.pendingRevocation = [{ type: 'secret', keyId: 'all', expiresOn: '2027-01-01T00:00:00Z', replacedOn: '2026-01-01T00:00:00Z' }]),
    refused: /"pendingRevocation\[0\]\.keyId" must be a GUID/,
  },
  {
    name: 'rotation replacing a key id that is not a GUID',
    edit: (p) =>
      (p.rotation = {
        marker: 'm',
        startedOn: '2026-01-01T00:00:00Z',
        replaces: { type: 'secret', keyId: 'x', expiresOn: '2027-01-01T00:00:00Z' },
      }),
    refused: /"rotation\.replaces\.keyId" must be a GUID/,
  },
  {
    name: 'thumbprint that is not hex',
    edit: (p) => Object.assign(p.credential!, { type: 'certificate', thumbprint: 'not-a-thumbprint' }),
    refused: /"credential\.thumbprint" must be a certificate thumbprint/,
  },
  {
    name: 'expiry that is not a date',
    edit: (p) => (p.credential!.expiresOn = 'never'),
    refused: /"credential\.expiresOn" must be a date/,
  },
  {
    name: 'last test that is not a date',
    edit: (p) => (p.lastSuccessfulTest = 'yesterday'),
    refused: /"lastSuccessfulTest" must be a date/,
  },
  {
    name: 'keychain account of another profile',
    edit: (p) => (p.keychain.account = 'other'),
    refused: /"keychain\.account" is "other", not the profile's own name "prod"/,
  },
  {
    name: 'unknown credential store',
    edit: (p) => (p.keychain.store = 'ramdisk'),
    refused: /"keychain\.store" must be "keychain" or "file"/,
  },
  {
    name: 'a megabyte-long app name',
    edit: (p) => (p.appDisplayName = 'x'.repeat(1_000_000)),
    refused: /"appDisplayName" is 1000000 characters long \(at most 1024\)/,
  },
];

for (const c of hostileCases('profile-tampered', TAMPERED)) {
  test(`tampered profile is refused on load: ${c.name}`, async (t) => {
    const data: TamperedProfile = structuredClone(validProfile());
    c.edit(data);
    const { store, file } = await storeHolding(t, data);
    await assert.rejects(store.read('prod'), (error: unknown) => {
      assert.ok(error instanceof ProfileFileError, String(error));
      assert.match(error.message, c.refused);
      assert.ok(error.message.startsWith(`Profile file ${file}: `), error.message);
      assert.match(error.message, /it was edited or damaged, and is not used/);
      assert.match(error.hint, /treat it as tampered with: delete it and run dynauth init --profile prod again/);
      return true;
    });
    // Refused on write too: dynauth never records what it would refuse to read.
    await assert.rejects(store.write(data as Profile), /Refusing to write profile/);
  });
}

test('real profiles still load: old files without a recorded store, Default- environments, ids not yet known, custom clouds', async (t) => {
  const {
    keychain: { store: _store, ...oldKeychain },
    ...rest
  } = validProfile();
  const old = { ...rest, keychain: oldKeychain };
  const loaded = await (await storeHolding(t, old)).store.read('prod');
  assert.deepEqual(loaded, old, 'a profile written before the store was recorded reads back unchanged');
  const variants: Profile[] = [
    { ...validProfile(), environment: { ...validProfile().environment, id: 'Default-72f988bf-86f1-41af-91ab-2d7cd011db47' } },
    {
      ...validProfile(),
      environment: { ...validProfile().environment, id: '', url: 'https://contoso.crm4.dynamics.com/' },
      applicationUserId: '',
      businessUnitId: '',
    },
    { ...validProfile(), cloud: 'usgov', environment: { ...validProfile().environment, url: 'https://contoso.crm9.dynamics.com' } },
    { ...validProfile(), cloud: 'custom', environment: { ...validProfile().environment, url: 'https://127.0.0.1:4443' } },
    { ...validProfile(), keychain: { service: 'dynauth', account: 'prod', passphrase: true, store: 'file' } },
  ];
  for (const variant of variants) assert.deepEqual(await (await storeHolding(t, variant)).store.read('prod'), variant);
});

interface UnsafeFileCase {
  name: string;
  make(file: string): Promise<void>;
  refused: RegExp;
  only?: 'posix' | 'root';
}

const UNSAFE_FILES: ReadonlyArray<UnsafeFileCase> = [
  {
    name: 'world-writable profile file (0666)',
    make: (file) => chmod(file, 0o666),
    refused: /every user can write to it \(mode 0666\), so another user could have written what it says; it is not used/,
  },
  { name: 'group-writable profile file (0620)', make: (file) => chmod(file, 0o620), refused: /its group can write to it \(mode 0620\)/ },
  {
    name: 'profile file of another user',
    make: (file) => chown(file, OTHER_UID, OTHER_UID),
    refused: new RegExp(`it belongs to another user \\(uid ${OTHER_UID}\\)`),
    only: 'root',
  },
  {
    name: 'a FIFO in place of the profile file',
    make: async (file) => {
      await rm(file);
      execFileSync('mkfifo', ['-m', '600', file]);
    },
    refused: /is not a regular file, so it is not read/,
    only: 'posix',
  },
  {
    name: 'a symlink to a character device',
    make: async (file) => {
      await rm(file);
      await symlink('/dev/zero', file);
    },
    refused: /is not a regular file, so it is not read/,
    only: 'posix',
  },
  {
    name: 'a profile file of many megabytes',
    make: (file) => writeFile(file, `{"pad":"${'x'.repeat(3 * 1024 * 1024)}"}`),
    refused: /is \d+ bytes, far larger than any profile; it is not read/,
  },
];

for (const c of hostileCases('profile-unsafe-file', UNSAFE_FILES)) {
  test(`unsafe profile file is refused: ${c.name}`, async (t) => {
    if (c.only === 'posix' && !posix) return t.skip('POSIX file types and modes only');
    if (c.only === 'root' && !isRoot) return t.skip('making a file of another user needs root');
    if (!posix && /writable/.test(c.name)) return t.skip('Windows ignores POSIX modes');
    const { store, file } = await storeHolding(t, validProfile());
    await c.make(file);
    const started = Date.now();
    await assert.rejects(
      store.read('prod'),
      (error: unknown) => error instanceof ProfileFileError && c.refused.test(error.message) && error.message.includes(file),
    );
    assert.ok(Date.now() - started < 2_000, 'refused at once, without reading or waiting');
  });
}

const UNSAFE_DIRECTORIES: ReadonlyArray<{ name: string; mode: number; owner?: number; refused: RegExp }> = [
  { name: 'shared /tmp-like directory (1777)', mode: 0o1777, refused: /every user can write to it \(mode 1777\)/ },
  { name: 'world-writable directory (0777)', mode: 0o777, refused: /every user can write to it \(mode 0777\)/ },
  { name: 'group-writable directory (0770)', mode: 0o770, refused: /its group can write to it \(mode 0770\)/ },
  {
    name: 'directory of another user (0700)',
    mode: 0o700,
    owner: OTHER_UID,
    refused: new RegExp(`it belongs to another user \\(uid ${OTHER_UID}\\)`),
  },
];

for (const c of hostileCases('profile-unsafe-directory', UNSAFE_DIRECTORIES)) {
  test(`profile directory others could write is refused, never chmod'ed: ${c.name}`, async (t) => {
    if (!posix) return t.skip('POSIX modes only');
    if (c.owner !== undefined && !isRoot) return t.skip('making a directory of another user needs root');
    const { store, file } = await storeHolding(t, validProfile());
    await chmod(store.directory, c.mode);
    if (c.owner !== undefined) await chown(store.directory, c.owner, c.owner);
    const unsafe = (error: unknown) =>
      error instanceof UnsafeLocationError &&
      c.refused.test(error.message) &&
      error.message.startsWith(`Refusing to use ${store.directory}: `) &&
      /chmod go-w|DYNAUTH_CONFIG_DIR/.test(error.hint);
    await assert.rejects(store.list(), unsafe);
    await assert.rejects(store.read('prod'), unsafe);
    await assert.rejects(store.write(validProfile()), unsafe);
    const after = await stat(store.directory);
    assert.equal(after.mode & 0o7777, c.mode, 'the directory keeps its mode');
    assert.equal(JSON.parse(await readFile(file, 'utf8')).name, 'prod', 'nothing was written');
  });
}

test('a directory dynauth creates is 0700; an existing private or read-only-shared one is used as it is', async (t) => {
  if (!posix) return t.skip('POSIX modes only');
  const root = await tempDir(t);
  const created = new ProfileStore(join(root, 'new', 'profiles'));
  await created.write(validProfile());
  assert.equal((await stat(created.directory)).mode & 0o777, 0o700);
  assert.equal((await stat(join(root, 'new'))).mode & 0o777, 0o700);
  const existing = join(root, 'existing');
  await mkdir(existing);
  await chmod(existing, 0o755);
  const store = new ProfileStore(existing);
  await store.write(validProfile());
  assert.deepEqual(await store.list(), ['prod']);
  assert.equal((await stat(existing)).mode & 0o7777, 0o755, "not chmod'ed: dynauth did not create it");
  assert.equal((await stat(join(existing, 'prod.json'))).mode & 0o777, 0o600);
});
