// `dynauth export` flags, parsed without running the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode, UsageError } from '../../src/cli/errors.ts';
import { parseExportFlags } from '../../src/commands/export/flags.ts';

test('export flags: profile, --pem-out and the store, trimmed; the connection string by default', () => {
  assert.deepEqual(parseExportFlags({ profile: ' contososales ', pemOut: ' ./dynauth.pem ', store: 'keychain' }, {}), {
    profile: 'contososales',
    format: 'connection-string',
    out: undefined,
    pemOut: './dynauth.pem',
    showSecret: false,
    store: 'keychain',
    usePassphrase: false,
    passphrase: undefined,
  });
  assert.deepEqual(parseExportFlags({ store: 'file', passphrase: true }, { DYNAUTH_PASSPHRASE: 'correct horse' }), {
    profile: undefined,
    format: 'connection-string',
    out: undefined,
    pemOut: undefined,
    showSecret: false,
    store: 'file',
    usePassphrase: true,
    passphrase: 'correct horse',
  });
});

test('export flags: a profile name unsafe as a file name is a usage error before any file is read', () => {
  for (const profile of ['../etc/passwd', 'con', 'a'.repeat(65), 'prod.']) {
    assert.throws(
      () => parseExportFlags({ profile, store: 'keychain' }, {}),
      (error: unknown) =>
        error instanceof UsageError &&
        error.exitCode === ExitCode.usage &&
        error.code === 'bad-profile-name' &&
        /is not safe as a file name/.test(error.message),
      profile,
    );
  }
});

test('export flags: --format, --out and --show-secret; an unknown format, or --out and --pem-out on one file, is a usage error', () => {
  const flags = parseExportFlags({ format: 'fields', out: ' vendor.txt ', showSecret: true, store: 'keychain' }, {});
  assert.equal(flags.format, 'fields');
  assert.equal(flags.out, 'vendor.txt');
  assert.equal(flags.showSecret, true);
  assert.throws(
    () => parseExportFlags({ format: 'yaml', store: 'keychain' }, {}),
    (error: unknown) => error instanceof UsageError && error.code === 'bad-format',
  );
  assert.throws(() => parseExportFlags({ out: 'a.pem', pemOut: './a.pem', store: 'keychain' }, {}), UsageError);
});
