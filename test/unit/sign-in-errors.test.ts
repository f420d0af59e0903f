import { test } from 'node:test';
import assert from 'node:assert/strict';
import { azureCliCloudMismatch } from '../../src/auth/azure-cli-cloud.ts';
import { adminSignInError } from '../../src/auth/token-error.ts';
import { CLOUDS, parseCustomCloud } from '../../src/clouds.ts';
import { ExitCode } from '../../src/cli/errors.ts';
import { classifyNetworkError } from '../../src/http/network-error.ts';

test('a browser sign-in where no browser can be opened points to device-code sign-in', () => {
  const error = adminSignInError(new Error('spawn xdg-open ENOENT'), { method: 'browser' });
  assert.equal(error.exitCode, ExitCode.auth);
  assert.match(error.hint ?? '', /--auth device-code/);
  assert.doesNotMatch(
    adminSignInError(new Error('AADSTS50126: Error validating credentials'), { method: 'browser' }).hint ?? '',
    /device-code/,
  );
});

test('a sign-in whose last request got no answer is that network failure, unless Entra answered with an error', () => {
  const unanswered = classifyNetworkError({ code: 'ECONNRESET' }, 'login.microsoftonline.com');
  const bare = adminSignInError(new Error('network_error: See https://aka.ms/msal.js.errors#network_error'), {
    method: 'device-code',
    unanswered,
  });
  assert.equal(bare, unanswered);
  assert.equal(bare.exitCode, ExitCode.failure);
  const entra = adminSignInError(new Error('AADSTS700016: Application not found in the directory'), { method: 'device-code', unanswered });
  assert.equal(entra.exitCode, ExitCode.auth);
});

test('a missing Azure CLI is said with how to install it; a signed-out one with az login', () => {
  const missing = Object.assign(
    new Error(
      "Azure CLI could not be found. Please visit https://aka.ms/azure-cli for installation instructions and then, once installed, authenticate to your Azure account using 'az login'.",
    ),
    { name: 'CredentialUnavailableError' },
  );
  assert.match(
    adminSignInError(missing, { method: 'azure-cli' }).hint ?? '',
    /^Install the Azure CLI \(https:\/\/aka\.ms\/azure-cli\) and run `az login`/,
  );
  const signedOut = Object.assign(new Error("Please run 'az login' from a command prompt to authenticate before using this credential."), {
    name: 'CredentialUnavailableError',
  });
  assert.match(adminSignInError(signedOut, { method: 'azure-cli' }).hint ?? '', /^Run `az login` first/);
});

test("az's active cloud is compared with --cloud by where each signs in", () => {
  const azureCloud = { name: 'AzureCloud', authorityHost: 'https://login.microsoftonline.com/' };
  const usGovernment = { name: 'AzureUSGovernment', authorityHost: 'https://login.microsoftonline.us' };
  assert.equal(azureCliCloudMismatch(azureCloud, CLOUDS.public), undefined);
  assert.equal(azureCliCloudMismatch(azureCloud, CLOUDS.usgov), undefined, 'GCC tenants sign in to AzureCloud');
  assert.equal(azureCliCloudMismatch(usGovernment, CLOUDS.dod), undefined);
  const wrong = azureCliCloudMismatch(usGovernment, CLOUDS.public);
  assert.equal(wrong?.exitCode, ExitCode.usage);
  assert.equal(
    wrong?.message,
    'The Azure CLI is set to the AzureUSGovernment cloud (login.microsoftonline.us), but dynauth to the public cloud (login.microsoftonline.com).',
  );
  assert.equal(wrong?.hint, "Pass --cloud usgovhigh or --cloud dod to use az's, or run `az cloud set --name AzureCloud` and `az login`.");
  assert.match(
    azureCliCloudMismatch(azureCloud, CLOUDS.china)?.hint ?? '',
    /--cloud public or --cloud usgov .*az cloud set --name AzureChinaCloud/,
  );
  const custom = parseCustomCloud(
    JSON.stringify({
      authorityHost: 'https://login.contoso.test',
      graphEndpoint: 'https://graph.contoso.test',
      graphScope: 'https://graph.contoso.test/.default',
      powerPlatformEndpoint: 'https://bap.contoso.test',
      powerPlatformScope: 'https://bap.contoso.test/.default',
      dataverseHostSuffixes: ['crm.contoso.test'],
    }),
    'c.json',
  );
  assert.match(azureCliCloudMismatch(azureCloud, custom)?.hint ?? '', /az cloud register/);
});
