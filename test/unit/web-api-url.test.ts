// Where `dynauth api` may send the token: the environment's own /api/data, nowhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/cli/errors.ts';
import { webApiUrl } from '../../src/clients/dataverse-web-api.ts';

const ENV = 'https://contoso.crm4.dynamics.com';

test('a relative path is under /api/data/v9.2/; an absolute /api/data path or URL of the environment is kept', () => {
  assert.equal(
    webApiUrl(ENV, "accounts?$top=1&$filter=name eq 'A'").href,
    `${ENV}/api/data/v9.2/accounts?$top=1&$filter=name%20eq%20%27A%27`,
  );
  assert.equal(webApiUrl(ENV, 'WhoAmI').href, `${ENV}/api/data/v9.2/WhoAmI`);
  assert.equal(webApiUrl(ENV, '/api/data/v9.1/accounts').href, `${ENV}/api/data/v9.1/accounts`);
  assert.equal(webApiUrl(`${ENV}/`, `${ENV.toUpperCase().replace('HTTPS', 'https')}/api/data/v9.2/x`).pathname, '/api/data/v9.2/x');
});

test('anything that resolves to another host, or outside /api/data, is refused (the token goes nowhere else)', () => {
  for (const path of [
    'https://attacker.example/api/data/v9.2/accounts',
    '//attacker.example/api/data/v9.2/accounts',
    '\\\\attacker.example/api/data/v9.2/accounts',
    'http://contoso.crm4.dynamics.com/api/data/v9.2/accounts',
    'https://contoso.crm4.dynamics.com.attacker.example/api/data/v9.2/x',
    `https://user:pass@contoso.crm4.dynamics.com/api/data/v9.2/x`,
    '../../XRMServices/2011/Organization.svc',
    '%2e%2e/%2e%2e/%2e%2e/x',
    '/api/datax/v9.2/x',
    '/',
  ]) {
    assert.throws(
      () => webApiUrl(ENV, path),
      (error: unknown) => error instanceof UsageError && error.code === 'bad-api-path',
      path,
    );
  }
});
