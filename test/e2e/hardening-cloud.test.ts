// Issue 14, "A hostile or broken cloud answer": a TLS-inspecting proxy or a misconfigured private
// cloud answering in the services' place, played by the emulator's hostile faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import type { FaultRule } from '../../src/emulator/index.ts';
import { OTHER_TENANT } from '../../src/emulator/hostile-answers.ts';
import { hostileCases } from '../support/hostile.ts';
import { startSandbox, type Emulator, type Sandbox } from '../support/sandbox.ts';

const INIT = ['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'];
const MB = 1024 * 1024;
const BUSINESS_UNITS = '/api/data/v9.2/businessunits';
const ENVIRONMENTS = '/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments';

/** Requests that would have made or changed something in the tenant (token requests aside). */
function changes(emulator: Emulator) {
  return emulator.requests.filter((r) => r.service !== 'login' && r.method !== 'GET');
}

async function profilesWritten(sandbox: Sandbox): Promise<string[]> {
  return readdir(sandbox.env.DYNAUTH_CONFIG_DIR!).catch(() => []);
}

function assertRefusedCleanly(run: { code: number | null; stderr: string }, said: RegExp): void {
  assert.equal(run.code, 1, run.stderr.slice(0, 2000));
  assert.match(run.stderr, said);
  assert.doesNotMatch(run.stderr, /Unexpected error|\n\s+at /, 'an expected failure, no stack trace');
  assert.ok(run.stderr.length < 3000, `stderr is ${run.stderr.length} characters`);
}

const OVERSIZED: Array<{ name: string; rule: FaultRule; said: RegExp }> = [
  {
    name: 'a 200 MB /organization answer, chunked',
    rule: { kind: 'huge-body', service: 'graph', pathPrefix: '/v1.0/organization', bytes: 200 * MB, status: 200 },
    said: /Microsoft Graph answered GET \/v1\.0\/organization with more than 8 MB; dynauth stopped reading it\./,
  },
  {
    name: 'a 200 MB environment list whose length is declared',
    rule: { kind: 'huge-body', service: 'bap', pathPrefix: ENVIRONMENTS, bytes: 200 * MB, status: 200, declareLength: true },
    said: /Power Platform answered GET \/providers\/Microsoft\.BusinessAppPlatform\/scopes\/admin\/environments with more than 8 MB/,
  },
  {
    name: 'a 200 MB Dataverse error',
    rule: { kind: 'huge-body', service: 'dataverse', pathPrefix: '/api/data/v9.2/', bytes: 200 * MB, status: 500 },
    said: /Dataverse answered GET \/api\/data\/v9\.2\/\S+ with more than 8 MB/,
  },
];

for (const c of hostileCases('cloud-oversized-body', OVERSIZED)) {
  test(`oversized body: ${c.name} is refused after 8 MB, quoted nowhere (exit 1)`, async (t) => {
    const sandbox = await startSandbox(t, { faults: [c.rule] });
    const started = Date.now();
    const run = await sandbox.run(INIT, { timeoutMs: 60_000 });
    assertRefusedCleanly(run, c.said);
    assert.ok(Date.now() - started < 60_000, 'did not read the whole answer');
    assert.deepEqual(changes(sandbox.emulator), [], 'nothing made');
  });
}

const LONG_MESSAGES: Array<{ name: string; rule: FaultRule; said: RegExp }> = [
  {
    name: "Power Platform's 1 MB error message",
    rule: { kind: 'huge-body', service: 'bap', pathPrefix: ENVIRONMENTS, bytes: MB, status: 400 },
    said: /Could not list Power Platform environments: A{500}… \(\d+ more characters\) \(HugeAnswer\)\./,
  },
  {
    name: "Microsoft Graph's 1 MB error message",
    rule: { kind: 'huge-body', service: 'graph', pathPrefix: '/v1.0/organization', bytes: MB, status: 400 },
    said: /Could not read the organization: A{500}… \(\d+ more characters\) \(HugeAnswer\)\./,
  },
  {
    name: "Dataverse's 1 MB error message",
    rule: { kind: 'huge-body', service: 'dataverse', pathPrefix: '/api/data/v9.2/', bytes: MB, status: 400 },
    said: /Could not [a-z ]+ in 127\.0\.0\.1:\d+: A{500}… \(\d+ more characters\) \(HugeAnswer\)\./,
  },
];

for (const c of hostileCases('cloud-long-server-text', LONG_MESSAGES)) {
  test(`server text: ${c.name} is quoted to its first 500 characters (exit 1)`, async (t) => {
    const sandbox = await startSandbox(t, { faults: [c.rule] });
    const run = await sandbox.run(INIT);
    assertRefusedCleanly(run, c.said);
    assert.deepEqual(changes(sandbox.emulator), [], 'nothing made');
  });
}

const NEXT_LINKS: Array<{ name: string; rule: FaultRule; said: RegExp; requests: (n: number) => boolean; path: string }> = [
  {
    name: 'a Dataverse page linking to itself',
    rule: { kind: 'tamper', service: 'dataverse', pathPrefix: BUSINESS_UNITS, tamper: { kind: 'next-link', to: 'self' } },
    said: /Dataverse answered the request to read business units in 127\.0\.0\.1:\d+ with a next page it had already sent \(https:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/businessunits\?.*\); dynauth stopped following it\./,
    requests: (n) => n >= 1 && n <= 2,
    path: BUSINESS_UNITS,
  },
  {
    name: 'an environment list linking to itself',
    rule: { kind: 'tamper', service: 'bap', pathPrefix: ENVIRONMENTS, tamper: { kind: 'next-link', to: 'self' } },
    said: /Power Platform answered the request to list environments with a next page it had already sent/,
    requests: (n) => n >= 1 && n <= 2,
    path: ENVIRONMENTS,
  },
  {
    name: 'Dataverse pages that never end',
    rule: { kind: 'tamper', service: 'dataverse', pathPrefix: BUSINESS_UNITS, tamper: { kind: 'next-link', to: 'endless' } },
    said: /Dataverse answered the request to read business units in 127\.0\.0\.1:\d+ with more than 500 pages; dynauth stopped following them\./,
    requests: (n) => n === 500,
    path: BUSINESS_UNITS,
  },
  {
    name: 'environment list pages that never end',
    rule: { kind: 'tamper', service: 'bap', pathPrefix: ENVIRONMENTS, tamper: { kind: 'next-link', to: 'endless' } },
    said: /Power Platform answered the request to list environments with more than 500 pages/,
    requests: (n) => n === 500,
    path: ENVIRONMENTS,
  },
  {
    name: 'a Dataverse next page on another host',
    rule: {
      kind: 'tamper',
      service: 'dataverse',
      pathPrefix: BUSINESS_UNITS,
      tamper: { kind: 'next-link', to: 'https://evil.example.net/api/data/v9.2/businessunits?$skiptoken=2' },
    },
    said: /Dataverse pointed the next page of its answer to the request to read business units in 127\.0\.0\.1:\d+ at https:\/\/evil\.example\.net\/\S+, outside https:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/; dynauth does not follow it\./,
    requests: (n) => n === 1,
    path: BUSINESS_UNITS,
  },
  {
    name: 'an environment list next page on another host',
    rule: {
      kind: 'tamper',
      service: 'bap',
      pathPrefix: ENVIRONMENTS,
      tamper: { kind: 'next-link', to: 'https://evil.example.net/environments?page=2' },
    },
    said: /Power Platform pointed the next page of its answer to the request to list environments at https:\/\/evil\.example\.net\/environments\?page=2, outside/,
    requests: (n) => n === 1,
    path: ENVIRONMENTS,
  },
];

for (const c of hostileCases('cloud-next-link', NEXT_LINKS)) {
  test(`paging: ${c.name} stops the run instead of looping or reading part of the list (exit 1)`, async (t) => {
    const sandbox = await startSandbox(t, { faults: [c.rule] });
    const started = Date.now();
    const run = await sandbox.run(INIT, { timeoutMs: 90_000 });
    assertRefusedCleanly(run, c.said);
    const pages = sandbox.emulator.requests.filter((r) => r.path.toLowerCase() === c.path.toLowerCase()).length;
    assert.ok(c.requests(pages), `${pages} requests for the list`);
    assert.ok(Date.now() - started < 90_000);
    assert.deepEqual(changes(sandbox.emulator), [], 'nothing made from a partial list');
  });
}

const OTHER_TENANT_CASES: Array<{ name: string; tenant: (emulator: Emulator) => string }> = [
  { name: '--tenant given as a domain', tenant: (emulator) => emulator.tenant.domain },
  { name: '--tenant given as an id', tenant: (emulator) => emulator.tenant.id },
];

for (const c of hostileCases('cloud-other-tenant', OTHER_TENANT_CASES)) {
  test(`another tenant: /organization answering for another tenant than ${c.name} stops init before anything is made (exit 1)`, async (t) => {
    const sandbox = await startSandbox(t, {
      faults: [{ kind: 'tamper', service: 'graph', pathPrefix: '/v1.0/organization', tamper: { kind: 'other-tenant' } }],
    });
    const tenant = c.tenant(sandbox.emulator);
    const run = await sandbox.run(INIT, { env: { DYNAUTH_TENANT: tenant } });
    const escaped = tenant.replace(/[.]/g, '\\.');
    assertRefusedCleanly(
      run,
      new RegExp(
        `Microsoft Graph answered for tenant ${OTHER_TENANT.id} \\(fabrikam\\.onmicrosoft\\.com\\), not --tenant ${escaped} that was signed in to; nothing was changed\\.`,
      ),
    );
    assert.deepEqual(changes(sandbox.emulator), [], 'no app, service principal, grant or user made');
    assert.deepEqual(await profilesWritten(sandbox), [], 'no profile recording the wrong tenant');
  });
}

test('another tenant: --tenant given as an id is accepted when /organization answers for it', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run([...INIT, '--dry-run'], { env: { DYNAUTH_TENANT: sandbox.emulator.tenant.id } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, new RegExp(`tenant ${sandbox.emulator.tenant.id}`));
});

const OFF_CLOUD: Array<{ name: string; url: (port: string) => string; shown: RegExp }> = [
  { name: 'another host', url: () => 'https://evil.example.net/', shown: /https:\/\/evil\.example\.net\// },
  {
    name: "a look-alike host that starts with the cloud's Dataverse host",
    url: () => 'https://127.0.0.1.example.net/',
    shown: /https:\/\/127\.0\.0\.1\.example\.net\//,
  },
  { name: 'the right host over plain http', url: (port) => `http://127.0.0.1:${port}/`, shown: /http:\/\/127\.0\.0\.1:\d+\// },
  {
    name: 'the right host with user info',
    url: (port) => `https://admin:pw@127.0.0.1:${port}/`,
    shown: /https:\/\/admin:pw@127\.0\.0\.1:\d+\//,
  },
  { name: 'not a URL', url: () => 'javascript:alert(1)', shown: /javascript:alert\(1\)/ },
  { name: 'a 100 KB URL', url: () => `https://${'a'.repeat(100_000)}.127.0.0.1/`, shown: /https:\/\/a{192}… \(\d+ more characters\)/ },
];

for (const c of hostileCases('cloud-off-cloud-instance-url', OFF_CLOUD)) {
  test(`off-cloud instance URL: ${c.name} is refused and sent no token (exit 1)`, async (t) => {
    const sandbox = await startSandbox(t);
    const port = new URL(sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!).port;
    sandbox.emulator.faults.add({
      kind: 'tamper',
      service: 'bap',
      pathPrefix: ENVIRONMENTS,
      tamper: { kind: 'instance-url', url: c.url(port), environment: 'contososales' },
    });
    const run = await sandbox.run(INIT);
    assertRefusedCleanly(
      run,
      /Power Platform gave environment "Contoso Sales" the address .+, which is not a Dataverse host of the custom cloud \(127\.0\.0\.1\); dynauth will not send it a token\./,
    );
    assert.match(run.stderr, c.shown);
    const scopes = sandbox.emulator.requests
      .filter((r) => r.service === 'login')
      .map((r) => String((r.body as { scope?: unknown } | undefined)?.scope ?? ''));
    const { graphEndpoint, powerPlatformEndpoint } = sandbox.emulator.cloudConfig;
    for (const scope of scopes
      .join(' ')
      .split(/\s+/)
      .filter((s) => s.includes('://'))) {
      assert.ok(scope.startsWith(graphEndpoint) || scope.startsWith(powerPlatformEndpoint), `no token asked for ${scope.slice(0, 100)}`);
    }
    assert.deepEqual(
      sandbox.emulator.requests.filter((r) => r.service === 'dataverse'),
      [],
      'no Dataverse request anywhere',
    );
    assert.deepEqual(changes(sandbox.emulator), [], 'nothing made');
  });
}
