// How the keyring store fails: fast, typed, with a hint, and without loading the native module early.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { withBusAddress } from './keyring-support.ts';
import { KeychainUnavailableError } from '../../src/secrets/errors.ts';
import { createKeyringStore, WINDOWS_MAX_SECRET_BYTES } from '../../src/secrets/keyring-store.ts';

test('no D-Bus session: KeychainUnavailableError "no-service" with the --store file hint', async (t) => {
  if (process.platform !== 'linux') return t.skip('Secret Service (Linux) behaviour');
  const store = createKeyringStore('dynauth-test-nobus');
  await withBusAddress('unix:path=/nonexistent/dynauth-test-bus', async () => {
    for (const call of [() => store.get('prod'), () => store.set('prod', Uint8Array.of(1, 2, 3)), () => store.delete('prod')]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof KeychainUnavailableError);
        assert.equal(error.reason, 'no-service');
        assert.match(error.hint, /no Secret Service is running.*gnome-keyring.*--store file/iu);
        assert.match(error.message, /"prod" in the OS keychain/u);
        return true;
      });
    }
  });
});

test('Windows: values over 2,560 bytes are refused up front, naming the size, not the value', async () => {
  const store = createKeyringStore('dynauth-test-size', { platform: 'win32' });
  await assert.rejects(store.set('prod', new Uint8Array(WINDOWS_MAX_SECRET_BYTES + 1)), (error: unknown) => {
    assert.ok(error instanceof KeychainUnavailableError);
    assert.equal(error.reason, 'too-large');
    assert.match(error.message, /2561 bytes.*at most 2560/u);
    return true;
  });
  assert.equal(store.description, 'Windows Credential Manager (service "dynauth-test-size")');
});

test('importing the stores and the vault does not load @napi-rs/keyring', () => {
  const script = `
    import { registerHooks } from 'node:module';
    registerHooks({ resolve(specifier, context, next) {
      if (specifier.includes('@napi-rs/keyring') || specifier.includes('keyring-worker')) console.log('LOADED ' + specifier);
      return next(specifier, context);
    } });
    const { createKeyringStore } = await import(${JSON.stringify(new URL('../../src/secrets/keyring-store.ts', import.meta.url).href)});
    const { Vault } = await import(${JSON.stringify(new URL('../../src/secrets/vault.ts', import.meta.url).href)});
    new Vault(createKeyringStore('dynauth-test-lazy'));
    console.log('OK');
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), 'OK');
});
