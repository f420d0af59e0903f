import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatConnectionString, parseConnectionString, type ConnectionStringFields } from '../../src/secrets/connection-string.ts';
import { ConnectionStringError } from '../../src/secrets/errors.ts';

const url = 'https://contoso.crm4.dynamics.com';
const clientId = '51f81489-12ee-4a9e-aaae-a2591f45987d';

test('formats ClientSecret and Certificate connection strings', () => {
  assert.equal(
    formatConnectionString({ authType: 'ClientSecret', url, clientId, clientSecret: 'abc~DEF.123' }),
    `AuthType=ClientSecret;Url=${url};ClientId=${clientId};ClientSecret=abc~DEF.123`,
  );
  assert.equal(
    formatConnectionString({ authType: 'Certificate', url, clientId, thumbprint: 'A1B2C3', tenantId: 'tid' }),
    `AuthType=Certificate;Url=${url};ClientId=${clientId};Thumbprint=A1B2C3;TenantId=tid`,
  );
});

test('quotes values with ; = quotes or outer spaces, doubling single quotes', () => {
  const format = (clientSecret: string) => formatConnectionString({ authType: 'ClientSecret', url, clientId, clientSecret });
  assert.match(format('a;b'), /ClientSecret='a;b'$/u);
  assert.match(format('a=b'), /ClientSecret='a=b'$/u);
  assert.match(format("it's"), /ClientSecret='it''s'$/u);
  assert.match(format('say "hi"'), /ClientSecret='say "hi"'$/u);
  assert.match(format(' pad '), /ClientSecret=' pad '$/u);
  assert.match(format('in side'), /ClientSecret=in side$/u);
});

test('parses aliases, case-insensitive keys, spacing and both quote styles', () => {
  const parsed = parseConnectionString(
    ` authtype = clientsecret ; ServiceUri=${url};  APPID=${clientId} ; Secret="a ""quoted"" ;value" ; RequireNewInstance=true;`,
  );
  assert.deepEqual(parsed, { authType: 'ClientSecret', url, clientId, clientSecret: 'a "quoted" ;value' });
  assert.deepEqual(parseConnectionString(`AuthType=Certificate;Service Uri=${url};ClientId=${clientId};CertThumbprint='AB''CD'`), {
    authType: 'Certificate',
    url,
    clientId,
    thumbprint: "AB'CD",
  });
});

test('errors name the problem, never the secret', () => {
  const secret = 'Sup3r~Secret-Value';
  const cases = [
    `AuthType=ClientSecret;Url=${url};ClientId=${clientId}`,
    `AuthType=ClientSecret;Url=${url};ClientSecret=${secret}`,
    `AuthType=Magic;Url=${url};ClientId=${clientId};ClientSecret=${secret}`,
    `AuthType=ClientSecret;Url=not a url;ClientId=${clientId};ClientSecret=${secret}`,
    `AuthType=ClientSecret;Url=${url};ClientId=${clientId};ClientSecret='${secret}`,
    `AuthType=ClientSecret;Url=${url};ClientId=${clientId};ClientSecret='${secret}'x`,
    `AuthType=ClientSecret;Url=${url};ClientId=${clientId};ClientSecret=${secret};Secret=${secret}`,
    `AuthType=ClientSecret;Url=${url};ClientId=${clientId};${secret}`,
    `AuthType=Certificate;Url=${url};ClientId=${clientId};ClientSecret=${secret};Thumbprint=AA`,
    `AuthType=ClientSecret;Url=${url};ClientId=${clientId};ClientSecret=`,
    '',
  ];
  for (const text of cases) {
    assert.throws(
      () => parseConnectionString(text),
      (error: unknown) =>
        error instanceof ConnectionStringError && !error.message.includes(secret) && /Connection string: /u.test(error.message),
      text,
    );
  }
  assert.throws(() => parseConnectionString(`AuthType=ClientSecret;Url=${url};ClientId=${clientId}`), /ClientSecret is missing/u);
  assert.throws(
    () => parseConnectionString(`AuthType=ClientSecret;Url=${url};ClientId=${clientId};ClientSecret='x`),
    /quoted value of "ClientSecret" is not closed/u,
  );
  assert.throws(() => formatConnectionString({ authType: 'ClientSecret', url, clientId }), ConnectionStringError);
  assert.throws(() => formatConnectionString({ authType: 'Certificate', url, clientId, clientSecret: secret }), ConnectionStringError);
});

test('round-trips random nasty secrets (property test)', () => {
  const random = seededRandom(0x5eed);
  const alphabet = [..."abcXYZ019;=;='''\"\" \t~!@#$%^&*()[]{}\\/|<>,.?:-_+", 'é', 'ß', '€', '中', '😀', '\u00a0', '\n', '\u200b'];
  const pick = () => alphabet[Math.floor(random() * alphabet.length)] as string;
  for (let i = 0; i < 2000; i++) {
    const length = 1 + Math.floor(random() * 40);
    const secret = Array.from({ length }, pick).join('');
    const fields: ConnectionStringFields =
      random() < 0.7
        ? { authType: 'ClientSecret', url, clientId, clientSecret: secret }
        : { authType: 'Certificate', url, clientId, thumbprint: secret, tenantId: Array.from({ length: 5 }, pick).join('') };
    const text = formatConnectionString(fields);
    assert.deepEqual(parseConnectionString(text), fields, JSON.stringify(text));
  }
});

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
