import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/errors.ts';
import { validateRedirectUri } from '../../src/commands/init/flags.ts';
import { browserWanted } from '../../src/io/open-browser.ts';
import { playSandboxBrowser } from '../../src/io/sandbox-browser.ts';

test('a redirect URI follows Entra’s rules: https, or http on localhost and 127.0.0.1; no wildcard; 256 characters at most', () => {
  for (const ok of [
    'http://localhost',
    'http://localhost:8400/callback',
    'http://127.0.0.1/cb',
    'https://product.example/oauth/callback',
  ]) {
    assert.equal(validateRedirectUri(ok), ok);
  }
  for (const bad of [
    'http://product.example/cb',
    'ftp://localhost/x',
    'not a url',
    'https://*.example/cb',
    `https://a.example/${'x'.repeat(250)}`,
  ]) {
    assert.throws(() => validateRedirectUri(bad), UsageError, bad);
  }
});

test('a browser is tried only with a desktop, and never with BROWSER=none', () => {
  assert.equal(browserWanted({ platform: 'linux', env: {}, canOpenBrowser: true }), true);
  assert.equal(browserWanted({ platform: 'linux', env: { BROWSER: 'none' }, canOpenBrowser: true }), false);
  assert.equal(browserWanted({ platform: 'darwin', env: { BROWSER: 'NONE' }, canOpenBrowser: true }), false);
  assert.equal(browserWanted({ platform: 'linux', env: {}, canOpenBrowser: false }), false);
});

test('the sandbox’s stand-in browser visits nothing but 127.0.0.1', async () => {
  assert.equal(await playSandboxBrowser('https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize?client_id=x'), undefined);
  assert.equal(await playSandboxBrowser('https://localhost:1/authorize'), undefined);
});
