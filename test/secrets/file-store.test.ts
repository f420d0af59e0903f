import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFileStore } from '../../src/secrets/file-store.ts';
import { SecretFileStoreError } from '../../src/secrets/errors.ts';
import { UnsafeLocationError } from '../../src/secrets/private-files.ts';

const posix = process.platform !== 'win32';

test('file store: one owner-only file per account in an owner-only directory', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'dynauth-file-store-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const directory = join(root, 'secrets');
  const store = createFileStore(directory);
  assert.equal(await store.get('prod'), undefined);
  assert.equal(await store.delete('prod'), false);
  await store.set('prod', Uint8Array.of(0, 1, 255));
  await store.set('prod#next', Uint8Array.of(7));
  await store.set('dynauth:data-key', Uint8Array.of(8));
  await store.set('CON', Uint8Array.of(9));
  assert.deepEqual(await store.get('prod'), Uint8Array.of(0, 1, 255));
  assert.deepEqual(await store.get('prod#next'), Uint8Array.of(7));
  await store.set('prod', Uint8Array.of(4, 5));
  assert.deepEqual(await store.get('prod'), Uint8Array.of(4, 5));
  const files = await readdir(directory);
  assert.equal(files.length, 4, 'no temp files left behind');
  for (const file of files) assert.match(file, /^[0-9a-f]+\.sealed$/u);
  if (posix) {
    assert.equal((await stat(directory)).mode & 0o777, 0o700);
    for (const file of files) assert.equal((await stat(join(directory, file))).mode & 0o777, 0o600);
  }
  assert.equal(await store.delete('prod'), true);
  assert.equal(await store.get('prod'), undefined);
  assert.equal(store.kind, 'file');
  assert.match(store.description, /encrypted files in /u);
});

test("file store: a directory it did not create keeps its mode; one others can write is refused, never chmod'ed", async (t) => {
  if (!posix) return t.skip('POSIX permissions only');
  const root = await mkdtemp(join(tmpdir(), 'dynauth-file-store-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const readable = join(root, 'readable');
  await mkdir(readable);
  await chmod(readable, 0o755);
  await createFileStore(readable).set('x', Uint8Array.of(1));
  assert.equal((await stat(readable)).mode & 0o7777, 0o755, 'left as it was');
  for (const mode of [0o777, 0o1777, 0o775]) {
    const shared = join(root, `shared-${mode.toString(8)}`);
    await mkdir(shared);
    await chmod(shared, mode);
    await assert.rejects(
      createFileStore(shared).set('x', Uint8Array.of(1)),
      (error: unknown) => error instanceof UnsafeLocationError && /can write to it \(mode 0?\d{3,4}\)/u.test(error.message),
    );
    assert.equal((await stat(shared)).mode & 0o7777, mode, "not chmod'ed");
    assert.deepEqual(await readdir(shared), [], 'nothing written there');
  }
});

test('file store failures are typed and name the account, not the value', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'dynauth-file-store-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = createFileStore(join(root, 'dir'));
  await store.set('a', Uint8Array.of(1));
  // a directory where the file should be makes reading fail with EISDIR
  await mkdir(join(root, 'dir', `${Buffer.from('b').toString('hex')}.sealed`));
  await assert.rejects(store.get('b'), (error: unknown) => error instanceof SecretFileStoreError && /"b"/u.test(error.message));
});
