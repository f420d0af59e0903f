// `dynauth export` flags, parsed without running the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExitCode, UsageError } from '../../src/cli/errors.ts';
import { parseExportFlags } from '../../src/commands/export/flags.ts';

test('export flags: profile, --pem-out and the store, trimmed', () => {
  assert.deepEqual(parseExportFlags({ profile: ' contososales ', pemOut: ' ./dynauth.pem ', store: 'keychain' }, {}), {
    profile: 'contososales',
    pemOut: './dynauth.pem',
    store: 'keychain',
    usePassphrase: false,
    passphrase: undefined,
  });
  assert.deepEqual(parseExportFlags({ store: 'file', passphrase: true }, { DYNAUTH_PASSPHRASE: 'correct horse' }), {
    profile: undefined,
    pemOut: undefined,
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
