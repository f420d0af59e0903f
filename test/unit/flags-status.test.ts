// `dynauth status` flags, parsed without running the command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode, UsageError } from '../../src/cli/errors.ts';
import { parseStatusFlags } from '../../src/commands/status/flags.ts';

const usage = (pattern: RegExp) => (error: unknown) =>
  error instanceof UsageError && error.exitCode === ExitCode.usage && pattern.test(error.message);
const DEFAULTS = { timeout: '30s', store: 'keychain' };

test('status flags: the defaults read nothing from the environment but a passphrase', () => {
  assert.deepEqual(parseStatusFlags(DEFAULTS, {}), {
    check: false,
    warnDays: undefined,
    ics: undefined,
    timeoutMs: 30_000,
    store: 'keychain',
    usePassphrase: false,
    passphrase: undefined,
  });
  const withPassphrase = parseStatusFlags({ ...DEFAULTS, store: 'file' }, { DYNAUTH_PASSPHRASE: 'correct horse' });
  assert.equal(withPassphrase.store, 'file');
  assert.equal(withPassphrase.usePassphrase, true);
  assert.equal(withPassphrase.passphrase, 'correct horse');
  assert.equal(parseStatusFlags({ ...DEFAULTS, passphrase: true }, {}).usePassphrase, true);
});

test('status flags: --check, --warn-days and --timeout are read and bounded', () => {
  const flags = parseStatusFlags({ ...DEFAULTS, check: true, warnDays: ' 30 ', timeout: '2m' }, {});
  assert.equal(flags.check, true);
  assert.equal(flags.warnDays, 30);
  assert.equal(flags.timeoutMs, 120_000);
  for (const warnDays of ['thirty', '-1', '1.5', '12345']) {
    assert.throws(() => parseStatusFlags({ ...DEFAULTS, warnDays }, {}), usage(/--warn-days ".*" is not a whole number of days/), warnDays);
  }
  assert.throws(() => parseStatusFlags({ ...DEFAULTS, timeout: '500ms' }, {}), usage(/--timeout "500ms" is too short; give at least 1s/));
  assert.throws(() => parseStatusFlags({ ...DEFAULTS, timeout: '2d' }, {}), usage(/--timeout "2d" is too long/));
});

test('status flags: --ics names a file that can be written', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dynauth-flags-status-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'expiry.ics');
  assert.equal(parseStatusFlags({ ...DEFAULTS, ics: file }, {}).ics, file);
  assert.throws(() => parseStatusFlags({ ...DEFAULTS, ics: '  ' }, {}), usage(/--ics needs a file name/));
  assert.throws(
    () => parseStatusFlags({ ...DEFAULTS, ics: dir }, {}),
    (error: unknown) => error instanceof UsageError && /--ics/.test(error.message),
  );
});
