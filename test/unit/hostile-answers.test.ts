// Issue 14: the HTTP layer's body cap, the paging guard, the tenant check and server-text quoting,
// each against the answers a proxy or broken cloud gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttp, ResponseTooLargeError } from '../../src/http/http.ts';
import { quoteServerText } from '../../src/http/server-text.ts';
import { MAX_PAGES, pageLinks } from '../../src/clients/paging.ts';
import { tenantMismatch } from '../../src/steps/sign-in-admin.ts';
import type { Clock } from '../../src/io/clock.ts';
import { hostileCases } from '../support/hostile.ts';

const clock: Clock = { now: () => new Date(), sleep: async () => {} };

async function serve(handler: (res: ServerResponse) => void): Promise<{ url: string; server: Server; written: () => number }> {
  let written = 0;
  const server = createServer((_req, res) => {
    const write = res.write.bind(res);
    res.write = ((chunk: Buffer, ...rest: never[]) => {
      written += chunk.length;
      return write(chunk, ...rest);
    }) as typeof res.write;
    handler(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0/organization`, server, written: () => written };
}

/** Writes `total` bytes in 64 KiB chunks as fast as the client reads them, stopping when it goes away. */
function stream(res: ServerResponse, total: number, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  const chunk = Buffer.alloc(64 * 1024, 'A');
  let left = total;
  const pump = () => {
    while (left > 0 && !res.destroyed) {
      left -= chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  res.on('close', () => (left = 0));
  pump();
}

const LIMIT = 1024 * 1024;
const OVERSIZED = [
  { name: 'a chunked body past the cap', handler: (res: ServerResponse) => stream(res, 64 * LIMIT) },
  {
    name: 'a declared length past the cap',
    handler: (res: ServerResponse) => stream(res, 64 * LIMIT, { 'content-length': String(64 * LIMIT) }),
  },
  { name: 'a body one chunk past the cap', handler: (res: ServerResponse) => stream(res, LIMIT + 64 * 1024) },
];

for (const c of hostileCases('http-body-cap', OVERSIZED)) {
  test(`body cap: ${c.name} is refused with the service and request named, without reading it all`, async (t) => {
    const { url, server, written } = await serve(c.handler);
    t.after(() => server.close());
    const http = createHttp({
      fetch,
      clock,
      signal: new AbortController().signal,
      maxResponseBytes: LIMIT,
      serviceName: () => 'Microsoft Graph',
    });
    await assert.rejects(http.request(url), (error: unknown) => {
      assert.ok(error instanceof ResponseTooLargeError);
      assert.equal(error.message, 'Microsoft Graph answered GET /v1.0/organization with more than 1 MB; dynauth stopped reading it.');
      assert.equal(error.exitCode, 1);
      return true;
    });
    assert.ok(written() < 16 * LIMIT, `the server wrote ${written()} bytes before the client stopped reading`);
  });
}

test('body cap: an answer within the cap is returned whole, status and headers kept', async (t) => {
  const { url, server } = await serve((res) =>
    res.writeHead(201, { 'content-type': 'application/json', 'request-id': 'r1' }).end('{"ok":true}'),
  );
  t.after(() => server.close());
  const http = createHttp({ fetch, clock, signal: new AbortController().signal, maxResponseBytes: LIMIT });
  const response = await http.request(url, { method: 'POST', body: '{}' });
  assert.equal(response.status, 201);
  assert.equal(response.headers.get('request-id'), 'r1');
  assert.deepEqual(await response.json(), { ok: true });
});

test('body cap: a 204 answer has no body', async (t) => {
  const { url, server } = await serve((res) => res.writeHead(204).end());
  t.after(() => server.close());
  const http = createHttp({ fetch, clock, signal: new AbortController().signal });
  const response = await http.request(url, { method: 'DELETE' });
  assert.equal(response.status, 204);
  assert.equal(await response.text(), '');
});

const BASE = 'https://org.crm.dynamics.com/api/data/v9.2/';
const FIRST = `${BASE}roles?$select=name`;
const BAD_LINKS = [
  { name: 'the first page again', links: [FIRST], said: /a next page it had already sent/ },
  {
    name: 'a page already followed',
    links: [`${FIRST}&$skiptoken=1`, `${FIRST}&$skiptoken=2`, `${FIRST}&$skiptoken=1`],
    said: /already sent/,
  },
  {
    name: 'another host',
    links: ['https://evil.example.net/api/data/v9.2/roles'],
    said: /outside https:\/\/org\.crm\.dynamics\.com\/api\/data\/v9\.2\/; dynauth does not follow it/,
  },
  { name: 'a look-alike host', links: ['https://org.crm.dynamics.com.evil.example.net/api/data/v9.2/roles'], said: /outside/ },
  { name: 'plain http on the same host', links: ['http://org.crm.dynamics.com/api/data/v9.2/roles?$skiptoken=1'], said: /outside/ },
  { name: 'user info on the same host', links: ['https://x:y@org.crm.dynamics.com/api/data/v9.2/roles?$skiptoken=1'], said: /outside/ },
  { name: 'another path on the same host', links: ['https://org.crm.dynamics.com/XRMServices/2011/Organization.svc'], said: /outside/ },
  { name: 'a link that is not a string', links: [{ href: FIRST }], said: /\[object Object\], outside/ },
  { name: 'a link that is not a URL', links: ['not a url'], said: /outside/ },
  { name: 'a 1 MB link', links: [`https://evil.example.net/${'a'.repeat(1024 * 1024)}`], said: /a{150}… \(\d+ more characters\), outside/ },
];

for (const c of hostileCases('paging-link', BAD_LINKS)) {
  test(`paging: a next-page link to ${c.name} is refused`, () => {
    const follow = pageLinks('Dataverse', 'the request to read security roles in org.crm.dynamics.com', FIRST, BASE);
    const links = [...c.links];
    const last = links.pop();
    for (const link of links) assert.equal(follow(link), link);
    assert.throws(
      () => follow(last),
      (error: Error & { exitCode?: number }) => {
        assert.match(error.message, c.said);
        assert.ok(error.message.length < 700, `message is ${error.message.length} characters`);
        assert.equal(error.exitCode, 1);
        return true;
      },
    );
  });
}

test(`paging: new pages are followed up to ${MAX_PAGES}, then refused; no link ends the list`, () => {
  const follow = pageLinks(
    'Power Platform',
    'the request to list environments',
    'https://api.bap.microsoft.com/e?api-version=1',
    'https://api.bap.microsoft.com/e',
  );
  assert.equal(follow(undefined), undefined);
  assert.equal(follow(null), undefined);
  assert.equal(follow(''), undefined);
  for (let page = 2; page <= MAX_PAGES; page++)
    assert.equal(follow(`https://API.bap.microsoft.com/E?page=${page}`), `https://API.bap.microsoft.com/E?page=${page}`);
  assert.throws(() => follow('https://api.bap.microsoft.com/e?page=next'), /more than 500 pages; dynauth stopped following them\./);
});

const ORGANIZATION = {
  id: '26ff0f86-85a2-56d3-952b-c6a0e6aaf60e',
  displayName: 'Contoso',
  verifiedDomains: [
    { name: 'contoso.onmicrosoft.com', isDefault: false },
    { name: 'Contoso.com', isDefault: true },
  ],
};

test('tenant check: the tenant id or any verified domain, in any case, is the tenant asked for', () => {
  for (const tenant of [undefined, ORGANIZATION.id, ORGANIZATION.id.toUpperCase(), 'contoso.onmicrosoft.com', 'CONTOSO.COM']) {
    assert.equal(tenantMismatch(ORGANIZATION, tenant), undefined, String(tenant));
  }
});

const OTHER_TENANTS = [
  'fabrikam.onmicrosoft.com',
  '0badf00d-0000-4000-8000-0000000000ff',
  'contoso.onmicrosoft.com.evil.example',
  'onmicrosoft.com',
];
for (const tenant of hostileCases('tenant-mismatch', OTHER_TENANTS)) {
  test(`tenant check: --tenant ${tenant} is not the tenant /organization answers for`, () => {
    const error = tenantMismatch(ORGANIZATION, tenant);
    assert.ok(error);
    assert.equal(
      error.message,
      `Microsoft Graph answered for tenant ${ORGANIZATION.id} (Contoso.com), not --tenant ${tenant} that was signed in to; nothing was changed.`,
    );
    assert.equal(error.exitCode, 1);
  });
}

test('server text: quoted whole up to the limit, else cut saying how much was left out', () => {
  assert.equal(quoteServerText('short'), 'short');
  assert.equal(quoteServerText('x'.repeat(500)), 'x'.repeat(500));
  assert.equal(quoteServerText('x'.repeat(501)), `${'x'.repeat(500)}… (1 more characters)`);
  assert.equal(quoteServerText('abcdef', 3), 'abc… (3 more characters)');
});
