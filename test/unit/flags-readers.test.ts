// The shared flag readers and validators every command's flags.ts uses: one rule, one message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthMethod } from '../../src/auth/methods.ts';
import { ExitCode, UsageError } from '../../src/cli/errors.ts';
import { readDateSpan, readDuration, readLifetimeDays, readList, readStorageFlags, readText } from '../../src/cli/flags/read.ts';
import { validateEnvironmentUrl, validateTenant } from '../../src/cli/flags/validate.ts';
import { CLOUDS } from '../../src/clouds.ts';
import { parseInitFlags } from '../../src/commands/init/flags.ts';
import { parseRotateFlags } from '../../src/commands/rotate-secret/flags.ts';
import { isGuid } from '../../src/util/guid.ts';

const usage = (pattern: RegExp, code?: string) => (error: unknown) =>
  error instanceof UsageError &&
  error.exitCode === ExitCode.usage &&
  pattern.test(error.message) &&
  (code === undefined || error.code === code);

test('text and list flags are trimmed; anything else reads as not given', () => {
  assert.equal(readText({ a: '  x ' }, 'a'), 'x');
  assert.equal(readText({ a: true }, 'a'), undefined);
  assert.equal(readText({}, 'a'), undefined);
  assert.deepEqual(readList({ a: [' one ', '', '  ', 'two'] }, 'a'), ['one', 'two']);
  assert.deepEqual(readList({ a: 'one' }, 'a'), []);
});

test('--store and --passphrase: DYNAUTH_PASSPHRASE counts as --passphrase, an empty one as none', () => {
  assert.deepEqual(readStorageFlags({ store: 'keychain' }, {}), { store: 'keychain', usePassphrase: false, passphrase: undefined });
  assert.deepEqual(readStorageFlags({ store: 'file', passphrase: true }, {}), {
    store: 'file',
    usePassphrase: true,
    passphrase: undefined,
  });
  assert.deepEqual(readStorageFlags({}, { DYNAUTH_PASSPHRASE: 'correct horse' }), {
    store: 'keychain',
    usePassphrase: true,
    passphrase: 'correct horse',
  });
  assert.deepEqual(readStorageFlags({}, { DYNAUTH_PASSPHRASE: '' }), { store: 'keychain', usePassphrase: false, passphrase: undefined });
});

test('durations: a wait is at most a day, a date span at most two years', () => {
  assert.equal(readDuration({}, 'wait', '--wait', '5m'), 300_000);
  assert.equal(readDuration({}, 'wait', '--wait'), undefined);
  assert.throws(
    () => readDuration({ wait: '2d' }, 'wait', '--wait'),
    usage(/--wait "2d" is too long: give at most 1 day/, 'duration-out-of-range'),
  );
  assert.equal(readDateSpan({ revokeAfter: '730d' }, 'revokeAfter', '--revoke-after'), 730 * 86_400_000);
  assert.throws(
    () => readDateSpan({ revokeAfter: '731d' }, 'revokeAfter', '--revoke-after'),
    usage(/at most 730 days/, 'duration-out-of-range'),
  );
});

test('a credential lifetime has one rule and one message for init and rotate-secret', () => {
  assert.equal(readLifetimeDays({ secretExpiry: '1y' }, 'secretExpiry', '--secret-expiry'), 365);
  assert.equal(readLifetimeDays({}, 'secretExpiry', '--secret-expiry'), undefined);
  const init = (secretExpiry: string) => () => parseInitFlags({ secretExpiry, store: 'keychain', wait: '5m' }, CLOUDS.public, {});
  const rotate = (secretExpiry: string) => () => parseRotateFlags({ secretExpiry, store: 'keychain', wait: '5m' }, {});
  for (const parse of [init, rotate]) {
    assert.throws(
      parse('0'),
      usage(/^--secret-expiry "0" is out of range: give 1 to 730 days \(0 days is not in the future\)\.$/, 'expiry-out-of-range'),
    );
    assert.throws(
      parse('3y'),
      usage(/^--secret-expiry "3y" is out of range: give 1 to 730 days \(1095 days is beyond dynauth's own limit/, 'expiry-out-of-range'),
    );
    assert.doesNotThrow(parse('730'));
  }
});

test('GUIDs: one rule, braces only where asked for', () => {
  assert.equal(isGuid('5D3C0A7E-1B2C-4D5E-8F90-123456789ABC'), true);
  assert.equal(isGuid('{5d3c0a7e-1b2c-4d5e-8f90-123456789abc}'), false);
  assert.equal(isGuid('{5d3c0a7e-1b2c-4d5e-8f90-123456789abc}', { braces: true }), true);
  assert.equal(isGuid('5d3c0a7e1b2c4d5e8f90123456789abc'), false);
  assert.equal(isGuid('5d3c0a7e-1b2c-4d5e-8f90-123456789abc\n'), false);
});

test('tenant, environment URL and --auth are checked the same for every command', () => {
  assert.doesNotThrow(() => validateTenant('contoso.onmicrosoft.com'));
  assert.doesNotThrow(() => validateTenant('5d3c0a7e-1b2c-4d5e-8f90-123456789abc'));
  assert.throws(() => validateTenant('not a tenant'), usage(/neither a tenant id \(GUID\) nor a domain/));
  assert.doesNotThrow(() => validateEnvironmentUrl('https://contoso.crm.dynamics.com', CLOUDS.public));
  assert.throws(() => validateEnvironmentUrl('contoso', CLOUDS.public), usage(/--environment must be the environment URL/));
  assert.throws(
    () => validateEnvironmentUrl('https://contoso.crm.dynamics.cn', CLOUDS.public),
    usage(/not a Dataverse host of the public cloud/),
  );
  assert.equal(parseAuthMethod('device-code'), 'device-code');
  assert.equal(parseAuthMethod(undefined), undefined);
  assert.throws(() => parseAuthMethod('password'), usage(/--auth must be one of: browser, device-code, azure-cli, environment/));
});
