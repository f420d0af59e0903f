import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSignInError } from '../../src/auth/token-error.ts';
import { ExitCode } from '../../src/cli/errors.ts';
import { classifyNetworkError } from '../../src/http/network-error.ts';

test('a browser sign-in where no browser can be opened points to device-code sign-in', () => {
  const error = adminSignInError(new Error('spawn xdg-open ENOENT'), { method: 'browser' });
  assert.equal(error.exitCode, ExitCode.auth);
  assert.match(error.hint ?? '', /--auth device-code/);
  assert.doesNotMatch(adminSignInError(new Error('AADSTS50126: Error validating credentials'), { method: 'browser' }).hint ?? '', /device-code/);
});

test('a sign-in whose last request got no answer is that network failure, unless Entra answered with an error', () => {
  const unanswered = classifyNetworkError({ code: 'ECONNRESET' }, 'login.microsoftonline.com');
  const bare = adminSignInError(new Error('network_error: See https://aka.ms/msal.js.errors#network_error'), { method: 'device-code', unanswered });
  assert.equal(bare, unanswered);
  assert.equal(bare.exitCode, ExitCode.failure);
  const entra = adminSignInError(new Error('AADSTS700016: Application not found in the directory'), { method: 'device-code', unanswered });
  assert.equal(entra.exitCode, ExitCode.auth);
});
