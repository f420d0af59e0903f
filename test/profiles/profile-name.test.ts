import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidProfileNameError } from '../../src/profiles/errors.ts';
import { validateProfileName } from '../../src/profiles/profile-name.ts';

test('accepts portable file names', () => {
  for (const name of ['prod', 'a', 'Contoso-Prod_2.eu', '0', 'x'.repeat(64), 'console', 'com10', 'auxiliary']) {
    assert.equal(validateProfileName(name), name);
  }
});

test('rejects unsafe names with a typed usage error', () => {
  const bad = [
    '',
    '-prod',
    '.hidden',
    '_x',
    'a/b',
    'a\\b',
    '..',
    'a b',
    'a:b',
    'a#next',
    'x'.repeat(65),
    'prod.',
    'ümlaut',
    'CON',
    'con',
    'nul.json',
    'Aux',
    'com1',
    'LPT9',
    'prn.prod',
    'a\n',
  ];
  for (const name of bad) {
    assert.throws(
      () => validateProfileName(name),
      (error: unknown) =>
        error instanceof InvalidProfileNameError && error.kind === 'usage' && error.exitCode === 2 && error.hint.length > 0,
      JSON.stringify(name),
    );
  }
});
