import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidProfileNameError } from '../../src/profiles/errors.ts';
import { formatConnectionString } from '../../src/secrets/connection-string.ts';
import { ConnectionStringError, DecryptionFailedError, KeychainItemMissing, PassphraseRequiredError } from '../../src/secrets/errors.ts';
import { createFileStore } from '../../src/secrets/file-store.ts';
import { createMemoryStore } from '../../src/secrets/memory-store.ts';
import type { SecretStore } from '../../src/secrets/secret-store.ts';
import { DATA_KEY_ACCOUNT, Vault } from '../../src/secrets/vault.ts';
import { WINDOWS_MAX_SECRET_BYTES } from '../../src/secrets/keyring-store.ts';

const secret = 'Q~8x;Abc=\'d"ef ghï';
const connectionString = formatConnectionString({
  authType: 'ClientSecret',
  url: 'https://contoso-prod.crm4.dynamics.com',
  clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
  clientSecret: secret,
});
const certificateConnection = formatConnectionString({
  authType: 'Certificate',
  url: 'https://contoso-production-environment.crm4.dynamics.com',
  clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
  thumbprint: '4F3A1B2C3D4E5F60718293A4B5C6D7E8F9012345',
  tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
});
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

function containsText(haystack: Uint8Array, needle: string): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle, 'utf8'));
}

test('save and load a client-secret connection; the item holds no plaintext', async () => {
  const store = createMemoryStore();
  const vault = new Vault(store);
  assert.equal(await vault.loadConnection('prod'), undefined);
  assert.equal(await vault.hasConnection('prod'), false);
  await vault.saveConnection('prod', connectionString);
  assert.deepEqual(await vault.loadConnection('prod'), { connectionString });
  assert.equal(await vault.hasConnection('prod'), true);
  assert.deepEqual(store.accounts(), [DATA_KEY_ACCOUNT, 'prod']);
  const item = (await store.get('prod')) as Uint8Array;
  assert.ok(!containsText(item, secret) && !containsText(item, 'ClientSecret') && !containsText(item, 'dynamics.com'));
  assert.equal(((await store.get(DATA_KEY_ACCOUNT)) as Uint8Array).length, 33);
});

test('a second Vault on the same store reuses the data key', async () => {
  const store = createMemoryStore();
  await new Vault(store).saveConnection('prod', connectionString);
  const dataKey = await store.get(DATA_KEY_ACCOUNT);
  await new Vault(store).saveConnection('test', connectionString);
  assert.deepEqual(await store.get(DATA_KEY_ACCOUNT), dataKey);
  assert.deepEqual(await new Vault(store).loadConnection('prod'), { connectionString });
});

test('a certificate key is stored as PKCS#8 DER: RSA-2048 plus connection string stays well under 2,560 bytes', async () => {
  for (const passphrase of [undefined, 'pass phrase']) {
    const store = createMemoryStore();
    const vault = new Vault(store, { passphrase });
    await vault.saveConnection('prod', certificateConnection, { privateKeyPem: rsaPem });
    const item = (await store.get('prod')) as Uint8Array;
    assert.ok(item.length < 1800, `item is ${item.length} bytes`);
    assert.ok(item.length < WINDOWS_MAX_SECRET_BYTES);
    const loaded = await vault.loadConnection('prod');
    assert.equal(loaded?.connectionString, certificateConnection);
    assert.match(loaded?.privateKeyPem ?? '', /^-----BEGIN PRIVATE KEY-----\n/u);
    const original = createPrivateKey(rsaPem).export({ type: 'pkcs8', format: 'der' });
    assert.deepEqual(createPrivateKey(loaded?.privateKeyPem as string).export({ type: 'pkcs8', format: 'der' }), original);
    assert.ok(!Buffer.from(item).includes(original.subarray(40, 80)), 'key material is encrypted');
  }
});

test('items are bound to their account and service: swapped or tampered items do not open', async () => {
  const store = createMemoryStore();
  const vault = new Vault(store);
  await vault.saveConnection('prod', connectionString);
  await vault.saveConnection('test', connectionString.replace('prod', 'test'));
  await store.set('test', (await store.get('prod')) as Uint8Array);
  await assert.rejects(vault.loadConnection('test'), DecryptionFailedError);
  await store.set('prod#next', (await store.get('prod')) as Uint8Array);
  await assert.rejects(vault.loadConnection('prod', 'next'), DecryptionFailedError);
  await assert.rejects(new Vault(store, { service: 'dynauth-other' }).loadConnection('prod'), DecryptionFailedError);
  const tampered = (await store.get('prod')) as Uint8Array;
  tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
  await store.set('prod', tampered);
  await assert.rejects(vault.loadConnection('prod'), DecryptionFailedError);
});

test('a lost data key is reported as KeychainItemMissing, not as "no credential"', async () => {
  const store = createMemoryStore();
  await new Vault(store).saveConnection('prod', connectionString);
  await store.delete(DATA_KEY_ACCOUNT);
  await assert.rejects(
    new Vault(store).loadConnection('prod'),
    (error: unknown) => error instanceof KeychainItemMissing && error.account === DATA_KEY_ACCOUNT,
  );
});

test('passphrase mode: no data-key item, fresh salt per save, wrong or missing passphrase fails', async () => {
  const store = createMemoryStore();
  const vault = new Vault(store, { passphrase: 'correct horse' });
  await vault.saveConnection('prod', connectionString);
  const first = (await store.get('prod')) as Uint8Array;
  await vault.saveConnection('prod', connectionString);
  const second = (await store.get('prod')) as Uint8Array;
  assert.deepEqual(store.accounts(), ['prod']);
  assert.equal(first[0], 0x02);
  assert.notDeepEqual(first.subarray(1, 17), second.subarray(1, 17));
  assert.deepEqual(await new Vault(store, { passphrase: 'correct horse' }).loadConnection('prod'), { connectionString });
  await assert.rejects(new Vault(store, { passphrase: 'wrong horse' }).loadConnection('prod'), DecryptionFailedError);
  await assert.rejects(new Vault(store).loadConnection('prod'), PassphraseRequiredError);
  assert.deepEqual(vault.keychainReference('prod'), { service: 'dynauth', account: 'prod', passphrase: true, store: 'keychain' });
});

test('prepareToSeal readies the key, so saving a new secret is one store write', async () => {
  for (const passphrase of [undefined, 'correct horse']) {
    const store = createMemoryStore();
    const calls: string[] = [];
    const counted: SecretStore = {
      ...store,
      get: (account) => {
        calls.push(`get ${account}`);
        return store.get(account);
      },
      set: (account, value) => {
        calls.push(`set ${account}`);
        return store.set(account, value);
      },
    };
    const vault = new Vault(counted, { passphrase });
    await vault.prepareToSeal();
    assert.deepEqual(store.accounts(), passphrase ? [] : [DATA_KEY_ACCOUNT], 'only the data key is written ahead');
    calls.length = 0;
    await vault.saveConnection('prod', connectionString);
    assert.deepEqual(calls, ['set prod']);
    await vault.saveConnection('test', connectionString);
    const [prod, other] = [(await store.get('prod')) as Uint8Array, (await store.get('test')) as Uint8Array];
    if (passphrase) assert.notDeepEqual(prod.subarray(1, 17), other.subarray(1, 17), 'the prepared salt serves one item only');
    for (const profile of ['prod', 'test'])
      assert.deepEqual(await new Vault(store, { passphrase }).loadConnection(profile), { connectionString });
  }
});

test('promote: next becomes current, and at every moment a working credential is readable', async () => {
  const inner = createMemoryStore();
  const checker = new Vault(inner);
  const readable: boolean[] = [];
  const store: SecretStore = {
    description: 'observed',
    get: (account) => inner.get(account),
    async set(account, value) {
      await inner.set(account, value);
      readable.push(await working());
    },
    async delete(account) {
      const deleted = await inner.delete(account);
      readable.push(await working());
      return deleted;
    },
  };
  async function working(): Promise<boolean> {
    for (const slot of ['current', 'next'] as const) {
      if ((await checker.loadConnection('prod', slot).catch(() => undefined)) !== undefined) return true;
    }
    return false;
  }
  const vault = new Vault(store);
  await vault.saveConnection('prod', connectionString);
  await vault.saveConnection('prod', certificateConnection, { slot: 'next', privateKeyPem: rsaPem });
  assert.equal(await vault.hasConnection('prod', 'next'), true);
  readable.length = 0;
  await vault.promote('prod');
  assert.ok(readable.length >= 2 && readable.every(Boolean), JSON.stringify(readable));
  const current = await vault.loadConnection('prod');
  assert.equal(current?.connectionString, certificateConnection);
  assert.ok(current?.privateKeyPem);
  assert.equal(await vault.hasConnection('prod', 'next'), false);
  await assert.rejects(vault.promote('prod'), (error: unknown) => error instanceof KeychainItemMissing && error.account === 'prod#next');
});

test('deleteSlot removes one slot only', async () => {
  const store = createMemoryStore();
  const vault = new Vault(store);
  await vault.saveConnection('prod', connectionString);
  await vault.saveConnection('prod', connectionString, { slot: 'next' });
  assert.equal(await vault.deleteSlot('prod', 'next'), true);
  assert.equal(await vault.deleteSlot('prod', 'next'), false);
  assert.equal(await vault.hasConnection('prod'), true);
  assert.equal(await vault.deleteSlot('prod', 'current'), true);
  assert.equal(await vault.hasConnection('prod'), false);
});

test('refuses bad profile names and unusable connection strings, without echoing secrets', async () => {
  const vault = new Vault(createMemoryStore());
  await assert.rejects(vault.saveConnection('../evil', connectionString), InvalidProfileNameError);
  await assert.rejects(vault.saveConnection('dynauth:data-key', connectionString), InvalidProfileNameError);
  await assert.rejects(
    vault.saveConnection('prod', `AuthType=ClientSecret;ClientSecret=${secret}`),
    (error: unknown) => error instanceof ConnectionStringError && !error.message.includes(secret),
  );
  await assert.rejects(vault.saveConnection('prod', certificateConnection, { privateKeyPem: 'not a key' }), TypeError);
});

test('the file store needs a passphrase and then holds only ciphertext, owner-only', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'dynauth-vault-file-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = createFileStore(join(root, 'secrets'));
  assert.throws(() => new Vault(store), PassphraseRequiredError);
  const vault = new Vault(store, { passphrase: 'long passphrase' });
  await vault.saveConnection('prod', certificateConnection, { privateKeyPem: rsaPem });
  const files = await readdir(join(root, 'secrets'));
  assert.equal(files.length, 1, 'no data-key file next to the ciphertext');
  const bytes = await readFile(join(root, 'secrets', files[0] as string));
  assert.ok(!containsText(bytes, 'Thumbprint') && !containsText(bytes, 'PRIVATE KEY'));
  if (process.platform !== 'win32') assert.equal((await stat(join(root, 'secrets', files[0] as string))).mode & 0o777, 0o600);
  assert.equal((await new Vault(store, { passphrase: 'long passphrase' }).loadConnection('prod'))?.connectionString, certificateConnection);
});

test('the key id is sealed with the secret, carried through promote, and items without one still open', async () => {
  const store = createMemoryStore();
  const vault = new Vault(store);
  const keyId = '0f8fad5b-d9cb-469f-a165-70867728950e';
  await vault.saveConnection('prod', connectionString); // an item written before key ids were recorded
  assert.equal((await vault.loadConnection('prod'))?.keyId, undefined);
  await vault.saveConnection('prod', certificateConnection, { slot: 'next', privateKeyPem: rsaPem, keyId });
  assert.ok(!containsText((await store.get('prod#next')) as Uint8Array, keyId), 'sealed, not beside the ciphertext');
  const next = await vault.loadConnection('prod', 'next');
  assert.equal(next?.keyId, keyId);
  assert.ok(next?.privateKeyPem);
  await vault.promote('prod');
  assert.equal((await vault.loadConnection('prod'))?.keyId, keyId);
  await assert.rejects(vault.saveConnection('prod', connectionString, { keyId: 'not a key id; DROP' }), TypeError);
});

test('a refresh token is sealed in its own item beside the connection, replaced in place, and bound to it', async () => {
  const store = createMemoryStore();
  const told: string[] = [];
  const vault = new Vault(store, { onSecret: (s) => told.push(s) });
  const token = `1.AR8A${'x'.repeat(1800)}-refresh`;
  await vault.saveConnection('prod', connectionString);
  await vault.saveRefreshToken('prod', token);
  assert.equal(await vault.loadRefreshToken('prod'), token);
  assert.ok(told.includes(token), 'the redactor is told the refresh token');
  const item = await store.get('prod#refresh');
  assert.ok(item && !Buffer.from(item).includes(Buffer.from('refresh')), 'the item holds no plaintext');
  await vault.saveRefreshToken('prod', 'rotated-token');
  assert.equal(await vault.loadRefreshToken('prod'), 'rotated-token');
  assert.equal((await vault.loadConnection('prod'))?.connectionString, connectionString, 'the connection item is untouched');
  await store.set('other#refresh', item);
  await assert.rejects(vault.loadRefreshToken('other'), DecryptionFailedError);
  assert.equal(await vault.loadRefreshToken('dev'), undefined);
  assert.equal(await vault.deleteSlot('prod', 'refresh'), true);
  assert.equal(await vault.loadRefreshToken('prod'), undefined);
});
