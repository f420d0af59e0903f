// The one way a credential is saved and read back, for init and rotation alike, and the items
// earlier versions wrote (init sealed the certificate's PEM with the key) still read the same.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Application } from '../../src/clients/graph.ts';
import { appSecretOf, connectionStringFor, factsOf, type StoredCredential } from '../../src/connection/credential.ts';
import { mintCertificate } from '../../src/connection/mint.ts';
import type { Storage } from '../../src/connection/storage.ts';
import { lookupStoredCredential, readCredential, storeCredential } from '../../src/connection/stored-credential.ts';
import type { Profile } from '../../src/profiles/profile.ts';
import { ProfileStore } from '../../src/profiles/profile-store.ts';
import { createMemoryStore } from '../../src/secrets/memory-store.ts';
import { Vault } from '../../src/secrets/vault.ts';

const now = new Date('2026-03-01T00:00:00.000Z');
const target = { profile: 'prod', url: 'https://contoso.crm4.dynamics.com' };
const clientId = '51f81489-12ee-4a9e-aaae-a2591f45987d';
const secret: StoredCredential = {
  kind: 'secret',
  keyId: '4c5d6e7f-8091-4a2b-9c3d-5e6f7a8b9c0d',
  expiresOn: '2027-01-01T00:00:00.000Z',
  clientSecret: 'Q~8x;Abc=d"ef',
};

async function memoryStorage(t: TestContext): Promise<Storage> {
  const root = await mkdtemp(join(tmpdir(), 'dynauth-connection-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return { vault: new Vault(createMemoryStore()), profiles: new ProfileStore(join(root, 'profiles')), prepareToSave: async () => {} };
}

function profileWith(credential: StoredCredential): Profile {
  return {
    version: 1,
    name: target.profile,
    cloud: 'public',
    tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    clientId,
    applicationObjectId: '0b8f9c1e-3c5a-4e61-9b7e-2f1d8a6c4e10',
    servicePrincipalId: '5a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    appDisplayName: 'dynauth contoso',
    environment: { id: 'c6f0a1b2-3d4e-4f5a-8b6c-7d8e9f0a1b2c', url: target.url, uniqueName: 'unq0' },
    applicationUserId: '',
    businessUnitId: '',
    roles: [],
    expectedPrivileges: [],
    credential: factsOf(credential, 365, now),
    keychain: { service: 'dynauth', account: target.profile, passphrase: false },
    createdOn: now.toISOString(),
    updatedOn: now.toISOString(),
  };
}

function appListing(credential: StoredCredential, endDateTime = credential.expiresOn): Application {
  const key = { keyId: credential.keyId, endDateTime };
  return {
    id: '0b8f9c1e-3c5a-4e61-9b7e-2f1d8a6c4e10',
    appId: clientId,
    displayName: 'dynauth contoso',
    passwordCredentials: credential.kind === 'secret' ? [key] : [],
    keyCredentials: credential.kind === 'certificate' ? [{ ...key, type: 'AsymmetricX509Cert', usage: 'Verify', key: 'AA==' }] : [],
  } as Application;
}

test('a certificate is read back exactly as minted, from the current and the next slot alike', async (t) => {
  const storage = await memoryStorage(t);
  const { credential } = mintCertificate('dynauth contoso', 30, now);
  await storeCredential(storage, target, clientId, credential);
  const read = await readCredential(storage, profileWith(credential));
  assert.deepEqual(read, { connectionString: connectionStringFor(target.url, clientId, credential), credential });
  const pem = (appSecretOf(read!.credential!) as { pem: string }).pem;
  assert.equal(pem.match(/BEGIN CERTIFICATE/g)?.length, 1, 'the certificate once, after the key');
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);

  await storeCredential(storage, target, clientId, credential, 'next');
  await storage.vault.promote(target.profile);
  assert.deepEqual((await readCredential(storage, profileWith(credential)))?.credential, credential);
});

test('an item an earlier init wrote (key and certificate sealed together) reads back the same credential', async (t) => {
  const storage = await memoryStorage(t);
  const { credential } = mintCertificate('dynauth contoso', 30, now);
  const legacyPem = `${credential.privateKeyPem}${credential.certificatePem}`;
  await storage.vault.saveConnection(target.profile, connectionStringFor(target.url, clientId, credential), {
    privateKeyPem: legacyPem,
    keyId: credential.keyId,
  });
  assert.deepEqual((await readCredential(storage, profileWith(credential)))?.credential, credential);
});

test('a secret is read back; an item that is not the kind the profile records, or none, is told apart', async (t) => {
  const storage = await memoryStorage(t);
  assert.equal(await readCredential(storage, profileWith(secret)), undefined);
  await storeCredential(storage, target, clientId, secret);
  assert.deepEqual((await readCredential(storage, profileWith(secret)))?.credential, secret);
  const { credential: certificate } = mintCertificate('dynauth contoso', 30, now);
  const read = await readCredential(storage, profileWith(certificate));
  assert.ok(read, 'the item is there');
  assert.equal(read.credential, undefined, 'but it holds a secret, not the certificate the profile records');
});

test('init reuses a stored credential only while the app lists its key unexpired', async (t) => {
  const storage = await memoryStorage(t);
  await storeCredential(storage, target, clientId, secret);
  assert.deepEqual(await lookupStoredCredential(storage, target.profile, appListing(secret), now), secret);
  assert.equal(
    await lookupStoredCredential(storage, target.profile, appListing(secret, '2026-02-01T00:00:00.000Z'), now),
    undefined,
    'expired',
  );
  assert.equal(
    await lookupStoredCredential(storage, target.profile, { ...appListing(secret), passwordCredentials: [] }, now),
    undefined,
    'gone from the app',
  );
  assert.equal(
    await lookupStoredCredential(storage, target.profile, { ...appListing(secret), appId: '11111111-2222-4333-8444-555555555555' }, now),
    undefined,
    'another app',
  );

  const { credential: certificate } = mintCertificate('dynauth contoso', 30, now);
  await storeCredential(storage, target, clientId, certificate);
  await storage.profiles.write(profileWith(certificate));
  assert.deepEqual(await lookupStoredCredential(storage, target.profile, appListing(certificate), now), certificate);
});
