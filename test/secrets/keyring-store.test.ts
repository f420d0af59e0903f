// Against the real OS keychain (on Linux: the Secret Service, which `npm test` provides).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatConnectionString } from '../../src/secrets/connection-string.ts';
import { createKeyringStore } from '../../src/secrets/keyring-store.ts';
import { DATA_KEY_ACCOUNT, Vault } from '../../src/secrets/vault.ts';
import { hasSecretTool, keychainSkipReason, secretToolLookup, secretToolSearch, uniqueService } from './keyring-support.ts';

const skipReason = await keychainSkipReason();

test('keyring store: binary values round-trip; missing items read as undefined', async (t) => {
  if (skipReason !== undefined) return t.skip(skipReason);
  const service = uniqueService();
  const store = createKeyringStore(service);
  t.after(async () => {
    await store.delete('bytes');
  });
  const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(await store.get('bytes'), undefined);
  await store.set('bytes', allBytes);
  assert.deepEqual(await store.get('bytes'), allBytes);
  await store.set('bytes', Uint8Array.of(0));
  assert.deepEqual(await store.get('bytes'), Uint8Array.of(0));
  assert.equal(await store.delete('bytes'), true);
  assert.equal(await store.delete('bytes'), false);
  assert.equal(await store.get('bytes'), undefined);
  assert.match(store.description, new RegExp(service, 'u'));
});

test('vault over the real keychain: the items hold neither the connection string nor the secret', async (t) => {
  if (skipReason !== undefined) return t.skip(skipReason);
  const service = uniqueService();
  const store = createKeyringStore(service);
  const vault = new Vault(store, { service });
  const profile = 'contoso-prod';
  const clientSecret = 'Xy8Q~plain.TEXT-secret_value;=12';
  const connectionString = formatConnectionString({
    authType: 'ClientSecret',
    url: 'https://contoso.crm4.dynamics.com',
    clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
    clientSecret,
  });
  const nextConnection = formatConnectionString({
    authType: 'Certificate',
    url: 'https://contoso.crm4.dynamics.com',
    clientId: '51f81489-12ee-4a9e-aaae-a2591f45987d',
    thumbprint: 'AB12CD34',
  });
  const keyPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  t.after(async () => {
    for (const account of [profile, `${profile}#next`, DATA_KEY_ACCOUNT]) await store.delete(account);
  });

  await vault.saveConnection(profile, connectionString);
  await vault.saveConnection(profile, nextConnection, { slot: 'next', privateKeyPem: keyPem });
  assert.deepEqual(await new Vault(createKeyringStore(service), { service }).loadConnection(profile), { connectionString });

  if (process.platform === 'linux' && hasSecretTool()) {
    const item = secretToolLookup(service, profile);
    assert.equal(item[0], 0x01, 'an envelope, version 1');
    assert.equal(item.length, 1 + 12 + 16 + 5 + Buffer.byteLength(connectionString));
    const everything = Buffer.concat([
      item,
      secretToolLookup(service, `${profile}#next`),
      Buffer.from(secretToolSearch(service), 'latin1'),
    ]);
    for (const plaintext of [
      connectionString,
      clientSecret,
      'AuthType',
      'dynamics.com',
      nextConnection,
      'PRIVATE KEY',
      keyPem.split('\n')[1] as string,
    ]) {
      assert.ok(!everything.includes(Buffer.from(plaintext)), `keychain shows "${plaintext.slice(0, 20)}…" in plaintext`);
    }
    assert.equal(secretToolLookup(service, DATA_KEY_ACCOUNT).length, 33, 'the data key is its own item');
  }

  await vault.promote(profile);
  const promoted = await vault.loadConnection(profile);
  assert.equal(promoted?.connectionString, nextConnection);
  assert.ok(promoted?.privateKeyPem?.includes('PRIVATE KEY'));
  assert.equal(await vault.hasConnection(profile, 'next'), false);
  assert.equal(await vault.deleteSlot(profile, 'current'), true);
  assert.equal(await store.delete(DATA_KEY_ACCOUNT), true);
  if (process.platform === 'linux' && hasSecretTool()) {
    assert.doesNotMatch(secretToolSearch(service), /secret = /u, 'nothing left behind for the service');
  }
});

test('keyring store: release stops the helper process, and a later call starts it again', async (t) => {
  if (skipReason !== undefined) return t.skip(skipReason);
  if (process.platform !== 'linux') return t.skip('counts child processes through /proc');
  const store = createKeyringStore(uniqueService());
  const before = childProcesses();
  assert.equal(await store.get('absent'), undefined);
  assert.ok(childProcesses() > before, 'the helper process runs');
  store.release!();
  for (let waited = 0; childProcesses() > before && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(childProcesses(), before, 'the helper process exited');
  await store.set('again', Uint8Array.of(7));
  assert.deepEqual(await store.get('again'), Uint8Array.of(7));
  assert.equal(await store.delete('again'), true);
});

/** Live child processes of this one (a zombie not yet reaped does not count). */
function childProcesses(): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/u.test(entry)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
      const [state, ppid] = readFileSync(`/proc/${entry}/stat`, 'utf8')
        .replace(/^.*\) /su, '')
        .split(' ');
      if (Number(ppid) === process.pid && state !== 'Z') count++;
    } catch {
      // the process ended while we looked
    }
  }
  return count;
}
