import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRedactor } from '../../src/secrets/redact.ts';

test('replaces registered secrets, also URL-encoded and JSON-escaped', () => {
  const redactor = createRedactor();
  const secret = 'Ab1~x "y" &z=+/ü';
  redactor.add(secret);
  redactor.add('');
  const text = [
    `raw ${secret} end`,
    `form x=${encodeURIComponent(secret)}&y=1`,
    `form2 x=${new URLSearchParams({ s: secret }).toString().slice(2)}`,
    `json {"v":${JSON.stringify(secret)}}`,
  ].join('\n');
  const result = redactor.redact(text);
  assert.ok(!result.includes(secret));
  assert.ok(!result.includes(encodeURIComponent(secret)));
  assert.ok(!result.includes(JSON.stringify(secret).slice(1, -1)));
  assert.equal(result.split('[redacted]').length - 1, 4);
  assert.match(result, /^raw \[redacted\] end$/mu);
});

test('scrubs credentials in HTTP traces without being told about them', () => {
  const redactor = createRedactor();
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl';
  const trace = [
    'POST /oauth2/v2.0/token grant_type=client_credentials&client_id=abc&client_secret=p%40ss~word&scope=x',
    `client_assertion_type=urn%3Aietf&client_assertion=${jwt}&x=1`,
    'Authorization: Bearer abc.def-ghi_jkl',
    'authorization: Basic dXNlcjpwYXNz',
    '{"access_token":"tok\\"en1","refresh_token": "rt2","token_type":"Bearer","expires_in":3599}',
    '{"keyId":"k1","secretText":"Zz9~fromGraph","hint":"Zz9"}',
    "AuthType=ClientSecret;Url=https://x.crm.dynamics.com;ClientId=c;ClientSecret='a;b''c';TenantId=t",
    `access_token=${jwt}&refresh_token=rtform`,
    `header x-ms-assertion: ${jwt}`,
  ].join('\n');
  const result = redactor.redact(trace);
  for (const leaked of ['p%40ss~word', jwt, 'abc.def-ghi_jkl', 'dXNlcjpwYXNz', 'tok\\"en1', 'rt2', 'Zz9~fromGraph', "a;b''c", 'rtform']) {
    assert.ok(!result.includes(leaked), `${leaked} leaked:\n${result}`);
  }
  // the non-secret parts survive
  for (const kept of [
    'client_id=abc',
    'scope=x',
    '"token_type":"Bearer"',
    '"keyId":"k1"',
    'ClientId=c',
    'TenantId=t',
    'Authorization: Bearer [redacted]',
  ]) {
    assert.ok(result.includes(kept), `${kept} missing:\n${result}`);
  }
});

test('longer secrets win over their prefixes, and regex characters are literal', () => {
  const redactor = createRedactor();
  redactor.add('abcdefghijkl');
  redactor.add('abcdefghijkl.*mnopq');
  assert.equal(redactor.redact('x abcdefghijkl.*mnopq y abcdefghijklXmnopq abcdefghijkl'), 'x [redacted] y [redacted]Xmnopq [redacted]');
});

test('ordinary words after "Basic" or "Bearer" are kept (a Dataverse role is called Basic User)', () => {
  const redactor = createRedactor();
  assert.equal(
    redactor.redact('Roles there: Basic User, Salesperson; the Bearer token'),
    'Roles there: Basic User, Salesperson; the Bearer token',
  );
});

test('values too short to be credentials are not registered (they would blank ordinary text)', () => {
  const redactor = createRedactor();
  redactor.add('pp');
  assert.equal(redactor.redact('application user approved'), 'application user approved');
});
