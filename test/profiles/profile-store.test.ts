import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { InvalidProfileNameError, ProfileFileError } from '../../src/profiles/errors.ts';
import type { Profile } from '../../src/profiles/profile.ts';
import { ProfileStore } from '../../src/profiles/profile-store.ts';
import { sampleProfile } from './sample-profile.ts';

const posix = process.platform !== 'win32';

async function tempStore(t: TestContext): Promise<{ store: ProfileStore; directory: string }> {
  const root = await mkdtemp(join(tmpdir(), 'dynauth-profiles-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const directory = join(root, 'config', 'profiles');
  return { store: new ProfileStore(directory), directory };
}

test('write/read/list/delete round trip, owner-only files and directory', async (t) => {
  const { store, directory } = await tempStore(t);
  assert.deepEqual(await store.list(), []);
  assert.equal(await store.read('prod'), undefined);
  const prod = sampleProfile('prod');
  const withOptionals: Profile = {
    ...sampleProfile('dev'),
    credential: {
      ...sampleProfile().credential,
      type: 'certificate',
      thumbprint: 'AB12CD34EF56AB12CD34EF56AB12CD34EF56AB12',
      certificatePem: '-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n',
    },
    pendingRevocation: [
      {
        type: 'secret',
        keyId: '5d6e7f80-91a2-4b3c-8d4e-6f7a8b9c0d1e',
        expiresOn: '2026-06-01T00:00:00.000Z',
        replacedOn: '2026-05-01T00:00:00.000Z',
      },
    ],
    lastSuccessfulTest: '2026-05-02T00:00:00.000Z',
  };
  await store.write(prod);
  await store.write(withOptionals);
  assert.deepEqual(await store.read('prod'), prod);
  assert.deepEqual(await store.read('dev'), withOptionals);
  assert.deepEqual(await store.list(), ['dev', 'prod']);
  if (posix) {
    assert.equal((await stat(directory)).mode & 0o777, 0o700);
    assert.equal((await stat(join(directory, 'prod.json'))).mode & 0o777, 0o600);
  }
  assert.equal(await store.delete('prod'), true);
  assert.equal(await store.delete('prod'), false);
  assert.deepEqual(await store.list(), ['dev']);
});

test('writes are atomic replacements: no temp files left, mode stays 0600 even over a loose file', async (t) => {
  const { store, directory } = await tempStore(t);
  await store.write(sampleProfile());
  if (posix) await chmod(join(directory, 'prod.json'), 0o644);
  for (let i = 0; i < 5; i++) await store.write({ ...sampleProfile(), updatedOn: `2026-02-0${i + 1}T00:00:00.000Z` });
  await Promise.all(Array.from({ length: 10 }, (_, i) => store.write({ ...sampleProfile(), appDisplayName: `concurrent ${i}` })));
  assert.deepEqual(await readdir(directory), ['prod.json']);
  assert.match((await store.read('prod'))?.appDisplayName ?? '', /^concurrent \d$/u);
  if (posix) assert.equal((await stat(join(directory, 'prod.json'))).mode & 0o777, 0o600);
});

test('only the known, non-secret fields reach the file', async (t) => {
  const { store, directory } = await tempStore(t);
  const sneaky = {
    ...sampleProfile(),
    clientSecret: 'TOP-SECRET-1',
    credential: { ...sampleProfile().credential, secretText: 'TOP-SECRET-2' },
  };
  await store.write(sneaky as Profile);
  const text = await readFile(join(directory, 'prod.json'), 'utf8');
  assert.ok(!text.includes('TOP-SECRET'), text);
  assert.deepEqual(await store.read('prod'), sampleProfile());
  const withKey = {
    ...sampleProfile(),
    credential: { ...sampleProfile().credential, certificatePem: '-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----\n' },
  };
  await assert.rejects(store.write(withKey), /never a private key/u);
});

test('list ignores foreign files; bad names are usage errors', async (t) => {
  const { store, directory } = await tempStore(t);
  await store.write(sampleProfile('b'));
  await mkdir(directory, { recursive: true });
  for (const junk of ['.b.json.1234.tmp', 'notes.txt', '-x.json', 'con.json']) await writeFile(join(directory, junk), '{}');
  assert.deepEqual(await store.list(), ['b']);
  await assert.rejects(store.read('../b'), InvalidProfileNameError);
  await assert.rejects(store.write(sampleProfile('a/b')), InvalidProfileNameError);
  await assert.rejects(store.delete('CON'), InvalidProfileNameError);
});

test('damaged files are reported as ProfileFileError naming the file and the problem', async (t) => {
  const { store, directory } = await tempStore(t);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'broken.json'), '{ not json');
  await writeFile(join(directory, 'shape.json'), JSON.stringify({ ...sampleProfile('shape'), roles: 'admin' }));
  await writeFile(join(directory, 'version.json'), JSON.stringify({ ...sampleProfile('version'), version: 2 }));
  await writeFile(join(directory, 'other.json'), JSON.stringify(sampleProfile('prod')));
  await assert.rejects(
    store.read('broken'),
    (error: unknown) => error instanceof ProfileFileError && /broken\.json: is not valid JSON/u.test(error.message),
  );
  await assert.rejects(store.read('shape'), /"roles" must be an array/u);
  await assert.rejects(store.read('version'), /unsupported version 2/u);
  await assert.rejects(store.read('other'), /holds profile "prod", not "other"/u);
});

test('forUser resolves the directory from the given env, never process.env', () => {
  const store = ProfileStore.forUser({ env: { DYNAUTH_CONFIG_DIR: '/tmp/x' }, homedir: '/home/u', platform: 'linux' });
  assert.equal(store.directory, '/tmp/x');
  assert.equal(store.fileFor('prod'), '/tmp/x/prod.json');
});
