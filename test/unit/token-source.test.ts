import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { tokenSource } from '../../src/auth/token-source.ts';
import { AuthError } from '../../src/cli/errors.ts';

const PRIMARY = 'https://gov.service.powerapps.us/.default';
const FALLBACK = 'https://service.powerapps.us/.default';

/** A credential that knows only some resources, as Entra answers for a tenant: AADSTS500011 for the rest. */
function fakeCredential(known: string[]): TokenCredential & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async getToken(scope): Promise<AccessToken> {
      const wanted = Array.isArray(scope) ? scope[0]! : scope;
      asked.push(wanted);
      if (!known.includes(wanted)) {
        const resource = wanted.replace(/\/\.default$/, '');
        throw Object.assign(
          new Error(`invalid_resource: AADSTS500011: The resource principal named ${resource} was not found in the tenant named Contoso.`),
          { name: 'AuthenticationError' },
        );
      }
      return { token: `token for ${wanted}`, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

const toAuthError = (error: unknown) => new AuthError(error instanceof Error ? error.message : String(error));

test('a scope Entra does not know (AADSTS500011) is asked for by its fallback, which is then kept for the run', async () => {
  const credential = fakeCredential([FALLBACK, 'https://graph.microsoft.com/.default']);
  const getToken = tokenSource(credential, new AbortController().signal, toAuthError, { fallbacks: { [PRIMARY]: FALLBACK } });
  assert.equal(await getToken(PRIMARY), `token for ${FALLBACK}`);
  assert.deepEqual(credential.asked, [PRIMARY, FALLBACK]);
  assert.equal(await getToken(PRIMARY), `token for ${FALLBACK}`, 'cached');
  assert.deepEqual(credential.asked, [PRIMARY, FALLBACK]);
});

test('once the fallback worked, a refreshed token goes straight to it', async () => {
  const credential = fakeCredential([FALLBACK]);
  let now = Date.now();
  const getToken = tokenSource(credential, new AbortController().signal, toAuthError, {
    fallbacks: { [PRIMARY]: FALLBACK },
    now: () => now,
  });
  await getToken(PRIMARY);
  now += 2 * 3_600_000;
  assert.equal(await getToken(PRIMARY), `token for ${FALLBACK}`);
  assert.deepEqual(credential.asked, [PRIMARY, FALLBACK, FALLBACK]);
});

test('the primary scope is used alone when Entra knows it, and other failures are not retried with the fallback', async () => {
  const known = fakeCredential([PRIMARY]);
  const getToken = tokenSource(known, new AbortController().signal, toAuthError, { fallbacks: { [PRIMARY]: FALLBACK } });
  assert.equal(await getToken(PRIMARY), `token for ${PRIMARY}`);
  assert.deepEqual(known.asked, [PRIMARY]);

  const asked: string[] = [];
  const refusing: TokenCredential = {
    async getToken(scope) {
      asked.push(String(scope));
      throw new Error('AADSTS65001: The user or administrator has not consented to use the application.');
    },
  };
  const other = tokenSource(refusing, new AbortController().signal, toAuthError, { fallbacks: { [PRIMARY]: FALLBACK } });
  await assert.rejects(other(PRIMARY), /AADSTS65001/);
  assert.deepEqual(asked, [PRIMARY]);
});

test('when Entra knows neither scope, the first answer is reported', async () => {
  const credential = fakeCredential([]);
  const getToken = tokenSource(credential, new AbortController().signal, toAuthError, { fallbacks: { [PRIMARY]: FALLBACK } });
  await assert.rejects(
    getToken(PRIMARY),
    (error: unknown) => error instanceof AuthError && error.message.includes('https://gov.service.powerapps.us was not found'),
  );
  assert.deepEqual(credential.asked, [PRIMARY, FALLBACK]);
});

test('a scope without a fallback fails as it did', async () => {
  const credential = fakeCredential([]);
  const getToken = tokenSource(credential, new AbortController().signal, toAuthError, { fallbacks: { [PRIMARY]: FALLBACK } });
  await assert.rejects(getToken('https://graph.microsoft.com/.default'), /AADSTS500011/);
  assert.deepEqual(credential.asked, ['https://graph.microsoft.com/.default']);
});

/**
 * A device-code or browser credential as dynauth makes it (automatic sign-in off): getToken is
 * silent and fails with AuthenticationRequiredError (its cause dropped) until authenticate() has
 * signed the admin in; a resource Entra does not know fails authenticate() with AADSTS500011.
 */
function fakeInteractive(
  known: string[],
): TokenCredential & { authenticate(scope: string | string[]): Promise<unknown>; prompts: string[]; asked: string[] } {
  const asked: string[] = [];
  const prompts: string[] = [];
  let signedIn = false;
  return {
    asked,
    prompts,
    async getToken(scope) {
      const wanted = String(scope);
      asked.push(wanted);
      if (!signedIn || !known.includes(wanted))
        throw Object.assign(new Error('Automatic authentication has been disabled.'), { name: 'AuthenticationRequiredError' });
      return { token: `token for ${wanted}`, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
    async authenticate(scope) {
      const wanted = String(scope);
      prompts.push(wanted);
      if (!known.includes(wanted))
        throw new Error(
          `AADSTS500011: The resource principal named ${wanted.replace(/\/\.default$/, '')} was not found in the tenant named Contoso.`,
        );
      signedIn = true;
      return {};
    },
  };
}

test('an interactive credential signs in once, and a scope it can serve by its fallback costs no second prompt', async () => {
  const graph = 'https://graph.microsoft.us/.default';
  const credential = fakeInteractive([graph, FALLBACK]);
  const getToken = tokenSource(credential, new AbortController().signal, toAuthError, { fallbacks: { [PRIMARY]: FALLBACK } });
  assert.equal(await getToken(graph), `token for ${graph}`);
  assert.deepEqual(credential.prompts, [graph], 'the first token signs the admin in');
  assert.equal(await getToken(PRIMARY), `token for ${FALLBACK}`);
  assert.deepEqual(credential.prompts, [graph], 'no second sign-in for the Power Platform token');
  assert.deepEqual(credential.asked, [graph, graph, PRIMARY, FALLBACK]);
});

test('an interactive credential signs in again for a scope that needs it, and falls back if Entra then does not know it', async () => {
  const credential = fakeInteractive([FALLBACK]);
  const getToken = tokenSource(credential, new AbortController().signal, toAuthError, { fallbacks: { [PRIMARY]: FALLBACK } });
  assert.equal(await getToken(PRIMARY), `token for ${FALLBACK}`);
  assert.deepEqual(credential.prompts, [PRIMARY, FALLBACK]);
});
