import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { createSelfSignedCertificate } from '../../src/crypto/x509.ts';
import { parseConnectionString } from '../../src/secrets/connection-string.ts';
import { KEY, runInPty } from '../support/pty.ts';
import { startSandbox, type Run, type Sandbox } from '../support/sandbox.ts';
import { seedProfile } from './profile-fixtures.ts';

const SEEDED_SECRET = 'Sd98Q~seeded-secret-value-for-tests-0001';
const tc = (...args: string[]) => ['test-connection', ...args];

async function init(sandbox: Sandbox, ...more: string[]) {
  const run = await sandbox.run(['init', '--yes', '--environment', 'contososales', ...more]);
  assert.equal(run.code, 0, run.stderr);
}

function envUrl(sandbox: Sandbox, uniqueName = 'contososales'): string {
  return sandbox.emulator.environments.find((e) => e.uniqueName === uniqueName)!.url!;
}

function seededApp(sandbox: Sandbox, displayName: string) {
  return sandbox.emulator.state.applications.find((a) => a.displayName === displayName)!;
}

/** A setup made by hand, secret on stdin. */
function byHand(sandbox: Sandbox, clientId: string, secret: string, more: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  return sandbox.run(
    tc(
      '--environment',
      envUrl(sandbox),
      '--tenant',
      sandbox.emulator.tenant.domain,
      '--client-id',
      clientId,
      '--client-secret-stdin',
      '--json',
      ...more,
    ),
    { input: `${secret}\n`, env },
  );
}

async function storedSecret(sandbox: Sandbox, profile: string): Promise<string> {
  const { vault } = await sandbox.storage();
  return parseConnectionString((await vault.loadConnection(profile))!.connectionString).clientSecret!;
}

function failed(run: Run, id: string) {
  const report = JSON.parse(run.stdout);
  const check = report.checks.find((c: { id: string }) => c.id === id);
  assert.equal(check?.status, 'fail', `${id} failed: ${run.stdout}`);
  return check.diagnosis as { code: string; cause: string; fix: string; auth: boolean };
}

function assertClean(run: Run) {
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

test('a working profile: every check passes, the facts are reported, lastSuccessfulTest is recorded', async (t) => {
  const sandbox = await startSandbox(t);
  await init(sandbox, '--role-preset', 'read-only');
  const run = await sandbox.run(tc('--profile', 'contososales', '--json'));
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  const app = seededApp(sandbox, 'dynauth-contososales');
  const dataverse = sandbox.emulator.state.environments.find((e) => e.uniqueName === 'contososales')!.dataverse!;
  const user = dataverse.systemusers.find((u) => u.applicationid === app.appId)!;
  assert.equal(report.ok, true);
  assert.equal(report.tenantId, sandbox.emulator.tenant.id);
  assert.equal(report.clientId, app.appId);
  assert.equal(report.environment, envUrl(sandbox));
  assert.equal(report.applicationUserId, user.systemuserid);
  assert.ok(!('userId' in report), 'the user WhoAmI names is the application user, under that key alone');
  assert.equal(report.businessUnitId, user.businessunitid);
  assert.equal(report.organizationId, dataverse.organizationId);
  // read-only grants no prvReadUser, so the roles come from the profile
  assert.deepEqual(report.roles, { names: ['dynauth read-only'], source: 'profile' });
  assert.deepEqual(
    report.privileges.map((p: { name: string; present: boolean }) => [p.name, p.present]),
    ['prvReadAccount', 'prvReadContact', 'prvReadIncident', 'prvReadLead', 'prvReadActivity'].map((n) => [n, true]),
  );
  assert.ok(report.latency.tokenMs >= 0 && report.latency.webApiMs >= 0);
  assert.equal(report.credential.type, 'secret');
  assert.ok(report.credential.daysLeft >= 179);
  assert.deepEqual(
    report.checks.map((c: { id: string; status: string }) => `${c.id}:${c.status}`),
    ['credential:pass', 'expiry:pass', 'token:pass', 'whoami:pass', 'privileges:pass', 'expected-privileges:pass', 'read:skip'],
  );
  const { profiles } = await sandbox.storage();
  const profile = await profiles.read('contososales');
  assert.ok(Date.now() - Date.parse(profile!.lastSuccessfulTest!) < 10_000, 'lastSuccessfulTest updated');

  const human = await sandbox.run(tc('--read', 'accounts'));
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /Connection test of profile "contososales"/);
  assert.match(human.stdout, /prvReadAccount ✔/);
  assert.match(human.stdout, /✔ read\s+read accounts/);
  assert.match(human.stdout, /Connection works\./);
  await sandbox.assertNoSecretLeaked();
});

test('a credential expiring within 30 days is a warning, not a failure', async (t) => {
  const sandbox = await startSandbox(t);
  await init(sandbox, '--role-preset', 'read-only', '--secret-expiry', '10d');
  const run = await sandbox.run(tc());
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /! expiry\s+expires on .* \(in 10 days\); renew it soon: dynauth rotate-secret --profile contososales/);
});

test('an expected privilege that is missing: named, with the preset that grants it (exit 1)', async (t) => {
  const sandbox = await startSandbox(t);
  await init(sandbox, '--role-preset', 'read-only');
  const { profiles } = await sandbox.storage();
  const profile = (await profiles.read('contososales'))!;
  await profiles.write({ ...profile, expectedPrivileges: [...profile.expectedPrivileges, 'prvWriteLead'] });
  const run = await sandbox.run(tc('--json'));
  assert.equal(run.code, 1, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.deepEqual(
    report.privileges.find((p: { name: string }) => p.name === 'prvWriteLead'),
    { name: 'prvWriteLead', present: false },
  );
  const diagnosis = failed(run, 'expected-privileges');
  assert.match(diagnosis.cause, /lacks prvWriteLead/);
  assert.match(diagnosis.fix, /contact-center preset grants it: dynauth init .*--role-preset contact-center/);
});

test('Dataverse 0x80040220: the privilege and table are named, with the preset that grants it', async (t) => {
  const sandbox = await startSandbox(t);
  await init(sandbox, '--role', 'Delegate');
  const run = await sandbox.run(tc('--read', 'accounts', '--json'));
  assert.equal(run.code, 1, run.stderr);
  const diagnosis = failed(run, 'read');
  assert.equal(diagnosis.code, 'dataverse-0x80040220');
  assert.match(diagnosis.cause, /lacks prvReadAccount on table account/);
  assert.match(
    diagnosis.fix,
    /read-only preset grants it: dynauth init --environment \S+ --app-name "dynauth-contososales" --profile contososales --role-preset read-only/,
  );
});

test('a setup made by hand: secret on stdin, or a connection string on stdin; nothing leaks', async (t) => {
  const sandbox = await startSandbox(t);
  await init(sandbox, '--role-preset', 'read-only');
  const [secret] = await sandbox.storedSecrets();
  const app = seededApp(sandbox, 'dynauth-contososales');
  const run = await byHand(sandbox, app.appId, secret!);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.profile, undefined);
  assert.equal(report.checks.find((c: { id: string }) => c.id === 'expiry').status, 'skip');

  const connectionString = `AuthType=ClientSecret;Url=${envUrl(sandbox)};ClientId=${app.appId};ClientSecret='${secret}'`;
  const viaString = await sandbox.run(tc('--connection-string-stdin', '--tenant', sandbox.emulator.tenant.id), { input: connectionString });
  assert.equal(viaString.code, 0, viaString.stderr);
  assert.match(viaString.stdout, /Connection test of a setup made by hand/);
  await sandbox.assertNoSecretLeaked();
  for (const output of sandbox.outputs) assert.ok(!output.includes(secret!), 'the hand-given secret never echoed');
});

test('a certificate made by hand: works with the right one; another one is AADSTS700027', async (t) => {
  const sandbox = await startSandbox(t);
  const pem = join(sandbox.dir, 'app.pem');
  await init(sandbox, '--role-preset', 'read-only', '--credential', 'certificate', '--certificate-out', pem);
  const app = seededApp(sandbox, 'dynauth-contososales');
  const args = (file: string) =>
    tc('--environment', envUrl(sandbox), '--tenant', sandbox.emulator.tenant.id, '--client-id', app.appId, '--certificate', file, '--json');
  const good = await sandbox.run(args(pem));
  assert.equal(good.code, 0, good.stderr);
  assert.equal(
    JSON.parse(good.stdout).checks.find((c: { id: string }) => c.id === 'expiry').status,
    'pass',
    'expiry read from the certificate',
  );

  const other = createSelfSignedCertificate({ commonName: 'not the registered one', validDays: 30 });
  const otherPem = join(sandbox.dir, 'other.pem');
  await writeFile(otherPem, `${other.keyPem}${other.certPem}`, { mode: 0o600 });
  const bad = await sandbox.run(args(otherPem));
  assert.equal(bad.code, 4, bad.stderr);
  const diagnosis = failed(bad, 'token');
  assert.equal(diagnosis.code, 'AADSTS700027');
  assert.match(diagnosis.cause, /does not match any certificate registered on app/);
});

test('AADSTS7000215 with the secret ID (a GUID): said plainly', async (t) => {
  const sandbox = await startSandbox(t, { seed: { applications: [{ displayName: 'hand-made', secret: { value: SEEDED_SECRET } }] } });
  const app = seededApp(sandbox, 'hand-made');
  const run = await byHand(sandbox, app.appId, app.passwordCredentials[0]!.keyId);
  assert.equal(run.code, 4, run.stderr);
  const diagnosis = failed(run, 'token');
  assert.equal(diagnosis.code, 'AADSTS7000215');
  assert.match(diagnosis.cause, /secret's ID \(a GUID\) was used instead of its value/);

  const wrong = await byHand(sandbox, app.appId, 'Xy18Q~not-the-secret-at-all-0000000000000');
  assert.equal(wrong.code, 4);
  assert.match(failed(wrong, 'token').cause, /Entra rejected the client secret/);
  assertClean(wrong);
});

test('AADSTS7000215 from a profile whose stored secret is its keyId: the ID was used', async (t) => {
  const sandbox = await startSandbox(t, { seed: { applications: [{ displayName: 'hand-made', secret: { value: SEEDED_SECRET } }] } });
  const app = seededApp(sandbox, 'hand-made');
  const keyId = app.passwordCredentials[0]!.keyId;
  await seedProfile(sandbox, { name: 'pasted', clientId: app.appId, keyId, secret: keyId });
  const run = await sandbox.run(tc('--profile', 'pasted'));
  assert.equal(run.code, 4, run.stderr);
  assert.match(run.stdout, /The secret's ID was used instead of its value/);
  assert.match(run.stdout, /Fix: .*dynauth rotate-secret --profile pasted/);
});

test('AADSTS7000222: the secret expired, on its date, with rotate-secret', async (t) => {
  const start = new Date(Date.now() - 200 * 86_400_000).toISOString();
  const end = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const sandbox = await startSandbox(t, {
    seed: { applications: [{ displayName: 'expired', secret: { value: SEEDED_SECRET, startDateTime: start, endDateTime: end } }] },
  });
  const app = seededApp(sandbox, 'expired');
  await seedProfile(sandbox, { name: 'old', clientId: app.appId, secret: SEEDED_SECRET, expiresOn: end });
  const run = await sandbox.run(tc('--profile', 'old', '--json'));
  assert.equal(run.code, 4, run.stderr);
  assert.equal(failed(run, 'expiry').code, 'credential-expired');
  const diagnosis = failed(run, 'token');
  assert.equal(diagnosis.code, 'AADSTS7000222');
  assert.equal(diagnosis.cause, `The client secret has expired (on ${end.slice(0, 10)}).`);
  assert.match(diagnosis.fix, /dynauth rotate-secret --profile old/);
});

test('AADSTS700016: no such app in this tenant', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await byHand(sandbox, '0b7c5f3e-1111-4222-8333-944445555666', SEEDED_SECRET);
  assert.equal(run.code, 4, run.stderr);
  assert.match(failed(run, 'token').cause, /has no app with client id 0b7c5f3e-.*wrong tenant, a typo .* not replicated yet/);
});

test('AADSTS90002: unknown tenant, pointing at --cloud', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await byHand(sandbox, '0b7c5f3e-1111-4222-8333-944445555666', SEEDED_SECRET, ['--tenant', 'fabrikam.onmicrosoft.com']);
  assert.equal(run.code, 4, run.stderr);
  const diagnosis = failed(run, 'token');
  assert.match(diagnosis.code, /^AADSTS900(02|38)$/);
  assert.match(diagnosis.fix, /--cloud usgov\|usgovhigh\|dod\|china/);
});

test('AADSTS500011: the environment URL is wrong or in another tenant', async (t) => {
  const sandbox = await startSandbox(t);
  await init(sandbox, '--role-preset', 'read-only');
  const [secret] = await sandbox.storedSecrets();
  const app = seededApp(sandbox, 'dynauth-contososales');
  const run = await sandbox.run(
    tc(
      '--environment',
      'https://127.0.0.1:9',
      '--tenant',
      sandbox.emulator.tenant.domain,
      '--client-id',
      app.appId,
      '--client-secret-stdin',
      '--json',
    ),
    { input: secret! },
  );
  assert.equal(run.code, 4, run.stderr);
  const diagnosis = failed(run, 'token');
  assert.equal(diagnosis.code, 'AADSTS500011');
  assert.match(
    diagnosis.cause,
    /no Dataverse environment at https:\/\/127\.0\.0\.1:9 .*wrong, or the environment belongs to another tenant/,
  );
});

test('AADSTS7000112: the app is disabled', async (t) => {
  const sandbox = await startSandbox(t, {
    seed: { applications: [{ displayName: 'disabled', disabled: true, secret: { value: SEEDED_SECRET } }] },
  });
  const run = await byHand(sandbox, seededApp(sandbox, 'disabled').appId, SEEDED_SECRET);
  assert.equal(run.code, 4, run.stderr);
  assert.match(failed(run, 'token').cause, /is disabled in tenant/);
});

test('Dataverse 0x80072560: no application user in this environment, with the init command', async (t) => {
  const sandbox = await startSandbox(t, { seed: { applications: [{ displayName: 'no-user', secret: { value: SEEDED_SECRET } }] } });
  const run = await byHand(sandbox, seededApp(sandbox, 'no-user').appId, SEEDED_SECRET);
  assert.equal(run.code, 4, run.stderr);
  const diagnosis = failed(run, 'whoami');
  assert.equal(diagnosis.code, 'dataverse-0x80072560');
  assert.match(diagnosis.cause, /no application user in 127\.0\.0\.1:\d+/);
  assert.match(diagnosis.fix, new RegExp(`dynauth init --environment ${envUrl(sandbox).replace(/\./g, '\\.')}`));
});

/** A profile made by init, tested with extra environment (faults are added by the caller). */
async function workingProfile(t: Parameters<typeof startSandbox>[0], options: Parameters<typeof startSandbox>[1] = {}) {
  const sandbox = await startSandbox(t, options);
  await init(sandbox, '--role-preset', 'read-only');
  return sandbox;
}

test('429 from Dataverse: service protection, with the wait', async (t) => {
  const sandbox = await workingProfile(t);
  sandbox.emulator.faults.add({
    kind: 'throttle',
    service: 'dataverse',
    pathPrefix: '/api/data/v9.2/WhoAmI',
    times: 5,
    retryAfterSeconds: 1,
  });
  const run = await sandbox.run(tc('--json'));
  assert.equal(run.code, 1, run.stderr);
  const diagnosis = failed(run, 'whoami');
  assert.equal(diagnosis.code, 'dataverse-0x80072322');
  assert.match(diagnosis.cause, /service protection limits are throttling this app/);
  assert.match(diagnosis.fix, /Wait for 1 s and run again/);
});

test('a Retry-After longer than --timeout ends the test at once, saying so', async (t) => {
  const sandbox = await workingProfile(t);
  sandbox.emulator.faults.add({
    kind: 'throttle',
    service: 'dataverse',
    pathPrefix: '/api/data/v9.2/WhoAmI',
    times: 5,
    retryAfterSeconds: 45,
  });
  const started = Date.now();
  const run = await sandbox.run(tc('--timeout', '5s'));
  assert.equal(run.code, 1, run.stderr);
  assert.ok(Date.now() - started < 20_000, 'did not sleep the 45 s');
  assert.match(run.stdout + run.stderr, /Dataverse asked dynauth to wait 45 s \(429\), more than --timeout \(5 s\) leaves/);
  assert.equal(sandbox.emulator.requests.filter((r) => r.path.endsWith('/WhoAmI') && r.at >= started).length, 1, 'no retry');
});

test('503 and dropped connections from Dataverse: named as such', async (t) => {
  const sandbox = await workingProfile(t);
  sandbox.emulator.faults.add({
    kind: 'unavailable',
    service: 'dataverse',
    pathPrefix: '/api/data/v9.2/WhoAmI',
    times: 5,
    retryAfterSeconds: 0,
  });
  const unavailable = await sandbox.run(tc('--json'));
  assert.equal(unavailable.code, 1, unavailable.stderr);
  assert.match(failed(unavailable, 'whoami').cause, /temporarily unavailable \(HTTP 503\)/);
  sandbox.emulator.faults.clear();
  sandbox.emulator.faults.add({ kind: 'drop', service: 'dataverse', pathPrefix: '/api/data/v9.2/WhoAmI', times: 5 });
  const dropped = await sandbox.run(tc('--json'));
  assert.equal(dropped.code, 1, dropped.stderr);
  const diagnosis = failed(dropped, 'whoami');
  assert.equal(diagnosis.code, 'network-reset');
  assert.match(diagnosis.cause, /connection to 127\.0\.0\.1:\d+ was dropped before it answered/);
});

test('a time-out is named, with --timeout, and the command ends then, not when the stalled call does', async (t) => {
  const sandbox = await workingProfile(t);
  sandbox.emulator.faults.add({ kind: 'latency', service: 'login', ms: 20_000 });
  const started = performance.now();
  const run = await sandbox.run(tc('--timeout', '1s', '--json'));
  assert.ok(
    performance.now() - started < 10_000,
    `exited after ${Math.round(performance.now() - started)} ms; the stalled call answers after 20 s`,
  );
  assert.equal(run.code, 1, run.stderr);
  const diagnosis = failed(run, 'token');
  assert.equal(diagnosis.code, 'network-timeout');
  assert.match(diagnosis.cause, /did not answer within 1 s/);
  assert.match(diagnosis.fix, /--timeout 2m/);
});

test('a token request that gets no answer is diagnosed as the network, not as the credential', async (t) => {
  const sandbox = await workingProfile(t);
  sandbox.emulator.faults.add({
    kind: 'drop',
    service: 'login',
    method: 'POST',
    pathPrefix: `/${sandbox.emulator.tenant.id}/oauth2/v2.0/token`,
    times: 20,
  });
  const run = await sandbox.run(tc('--json'));
  assert.equal(run.code, 1, run.stderr);
  const diagnosis = failed(run, 'token');
  assert.equal(diagnosis.code, 'network-reset');
  assert.doesNotMatch(JSON.stringify(diagnosis), /network_error/);
});

test('DNS failure: the host that does not resolve is named', async (t) => {
  const sandbox = await workingProfile(t);
  const cloudConfig = join(sandbox.dir, 'unresolvable-cloud.json');
  await writeFile(cloudConfig, JSON.stringify({ ...sandbox.emulator.cloudConfig, authorityHost: 'https://login.dynauth-test.invalid' }));
  const run = await sandbox.run(tc('--json'), { env: { DYNAUTH_CLOUD_CONFIG: cloudConfig } });
  assert.equal(run.code, 1, run.stderr);
  const diagnosis = failed(run, 'token');
  assert.equal(diagnosis.code, 'network-dns');
  assert.match(diagnosis.cause, /login\.dynauth-test\.invalid could not be resolved/);
});

test('TLS failure: an untrusted certificate is named, with NODE_EXTRA_CA_CERTS', async (t) => {
  const sandbox = await workingProfile(t);
  const otherCa = join(sandbox.dir, 'other-ca.pem');
  await writeFile(otherCa, createSelfSignedCertificate({ commonName: 'some other CA', validDays: 30 }).certPem);
  const run = await sandbox.run(tc('--json'), { env: { NODE_EXTRA_CA_CERTS: otherCa } });
  assert.equal(run.code, 1, run.stderr);
  const diagnosis = failed(run, 'token');
  assert.equal(diagnosis.code, 'network-tls');
  assert.match(diagnosis.fix, /NODE_EXTRA_CA_CERTS/);
});

test('a proxy that refuses connections is named as the proxy', async (t) => {
  const sandbox = await workingProfile(t);
  const port = await closedPort();
  const run = await sandbox.run(tc('--json'), { env: { HTTPS_PROXY: `http://127.0.0.1:${port}`, NODE_USE_ENV_PROXY: '1' } });
  assert.equal(run.code, 1, run.stderr);
  const diagnosis = failed(run, 'token');
  assert.match(diagnosis.cause, new RegExp(`proxy 127\\.0\\.0\\.1:${port} \\(HTTPS_PROXY\\) refused`));
});

test('401 from Dataverse for a token of another audience: the audience is named', async (t) => {
  const sandbox = await workingProfile(t);
  // A proxy that sends requests for contososales on to contosodev: the token is for the wrong environment there.
  const from = new URL(envUrl(sandbox)).port;
  const to = new URL(envUrl(sandbox, 'contosodev')).port;
  const proxy = await tunnelingProxy((port) => (port === from ? to : port));
  t.after(() => proxy.close());
  const run = await sandbox.run(tc('--json'), { env: { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NODE_USE_ENV_PROXY: '1' } });
  assert.equal(run.code, 4, run.stderr);
  const diagnosis = failed(run, 'whoami');
  assert.equal(diagnosis.code, 'dataverse-401');
  assert.match(diagnosis.cause, /refused the token \(401\): it was issued for another audience/);
});

test('401 from Dataverse for a token that expired on the way: said so', async (t) => {
  const sandbox = await workingProfile(t);
  sandbox.emulator.setTokenLifetime(1); // only the tokens of the test itself: init must not race it
  sandbox.emulator.faults.add({ kind: 'latency', service: 'dataverse', pathPrefix: '/api/data/v9.2/WhoAmI', ms: 2100 });
  const run = await sandbox.run(tc('--json'));
  assert.equal(run.code, 4, run.stderr);
  assert.match(failed(run, 'whoami').cause, /refused the token \(401\): it had expired/);
});

test('the keychain item missing: said so, with how to recover', async (t) => {
  const sandbox = await workingProfile(t);
  const { vault } = await sandbox.storage();
  await vault.deleteSlot('contososales', 'current');
  const run = await sandbox.run(tc('--json'));
  assert.equal(run.code, 1, run.stderr);
  const diagnosis = failed(run, 'credential');
  assert.equal(diagnosis.code, 'keychain-missing');
  assert.match(
    diagnosis.fix,
    /Re-run dynauth init .*--profile contososales.*or mint one with dynauth rotate-secret --profile contososales/,
  );
  assertClean(run);
});

test('the wrong passphrase: said so, with how to recover', async (t) => {
  const sandbox = await startSandbox(t);
  const stored = { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: 'the right passphrase' };
  const made = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only'], { env: stored });
  assert.equal(made.code, 0, made.stderr);
  const run = await sandbox.run(tc('--json'), { env: { ...stored, DYNAUTH_PASSPHRASE: 'a wrong passphrase' } });
  assert.equal(run.code, 1, run.stderr);
  const diagnosis = failed(run, 'credential');
  assert.equal(diagnosis.code, 'keychain-undecryptable');
  assert.match(diagnosis.cause, /passphrase is wrong/);
  const right = await sandbox.run(tc(), { env: stored });
  assert.equal(right.code, 0, right.stderr);
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** An HTTP CONNECT proxy on 127.0.0.1 that tunnels each port to route(port). */
async function tunnelingProxy(route: (port: string) => string): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpServer();
  const sockets = new Set<Socket>();
  server.on('connect', (req, client: Socket) => {
    const [, port = '443'] = (req.url ?? '').split(':');
    const upstream = connect(Number(route(port)), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

test('bad input: one line, exit 2, no stack trace, and a secret given as a flag value never echoed', async (t) => {
  const sandbox = await startSandbox(t);
  await seedProfile(sandbox, { name: 'alpha' });
  await seedProfile(sandbox, { name: 'beta' });
  const secret = 'Zq48Q~a-secret-that-must-never-be-echoed-00';
  const handMade = (...more: string[]) =>
    tc(
      '--environment',
      envUrl(sandbox),
      '--tenant',
      sandbox.emulator.tenant.domain,
      '--client-id',
      '0b7c5f3e-1111-4222-8333-944445555666',
      ...more,
    );
  const cases: Array<[string[], RegExp, string?]> = [
    [tc('--profile', 'gamma'), /No profile "gamma" \(known: alpha, beta\)\./],
    [tc(), /Missing option .*--profile <name> \(one of: alpha, beta\)/],
    [
      tc('--environment', 'contoso.crm.dynamics', '--client-id', '0b7c5f3e-1111-4222-8333-944445555666'),
      /--environment must be the environment URL/,
    ],
    [tc('--environment', 'https://contoso.crm.dynamics.com'), /contoso\.crm\.dynamics\.com is not a Dataverse host of the custom cloud/],
    [
      handMade().map((a) => (a === '0b7c5f3e-1111-4222-8333-944445555666' ? '0b7c5f3e-1111' : a)),
      /--client-id must be the application \(client\) id, a GUID/,
    ],
    [handMade('--tenant', 'not a tenant'), /--tenant "not a tenant" is neither a tenant id/],
    [handMade('--client-secret', secret), /--client-secret is refused: .*--client-secret-stdin/],
    [handMade(`--client-secret=${secret}`), /--client-secret is refused/],
    [handMade().map((a) => (a === '0b7c5f3e-1111-4222-8333-944445555666' ? secret : a)), /--client-id looks like a client secret/],
    [handMade('--client-secret-stdin'), /--client-secret-stdin was given, but stdin was empty: pipe the client secret in\./, ''],
    [tc('--connection-string-stdin', '--tenant', sandbox.emulator.tenant.id), /stdin was empty: pipe a connection string in/, '\n'],
    [
      tc('--connection-string-stdin', '--tenant', sandbox.emulator.tenant.id),
      /Connection string: ClientSecret is missing\./,
      `AuthType=ClientSecret;Url=${envUrl(sandbox)};ClientId=0b7c5f3e-1111-4222-8333-944445555666`,
    ],
    [handMade(), /Missing option \(no terminal to ask in\): --client-secret-stdin \(or --certificate <file\.pem>\)/],
    [
      tc('--profile', 'alpha', '--client-id', '0b7c5f3e-1111-4222-8333-944445555666'),
      /either --profile or the flags of a setup made by hand/,
    ],
    [handMade('--certificate', join(sandbox.dir, 'none.pem')), /Cannot read --certificate .*none\.pem \(ENOENT\)/],
    [tc('--profile', 'alpha', '--timeout', 'soon'), /--timeout "soon" is not a duration/],
  ];
  for (const [args, expected, input] of cases) {
    const run = await sandbox.run(args, { input: input ?? '' });
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, expected);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trim().split('\n');
    assert.ok(lines.length <= 2, `short: ${run.stderr}`);
    assertClean(run);
    assert.ok(!run.stderr.includes(secret), 'the secret is never repeated');
  }
});

test('in a terminal: the profile is chosen from a list, and a hand-made secret is asked masked', async (t) => {
  const sandbox = await startSandbox(t);
  await init(sandbox, '--role-preset', 'read-only');
  await seedProfile(sandbox, { name: 'another' });
  const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;
  const chosen = await runInPty([process.execPath, bin, 'test-connection'], sandbox.env, [
    { expect: /Which profile\?/, send: KEY.down + KEY.enter },
  ]);
  assert.equal(chosen.code, 0, chosen.screen);
  assert.match(chosen.screen, /Connection test of profile "contososales"/);

  const secret = await storedSecret(sandbox, 'contososales');
  const app = seededApp(sandbox, 'dynauth-contososales');
  const asked = await runInPty(
    [
      process.execPath,
      bin,
      'test-connection',
      '--environment',
      envUrl(sandbox),
      '--tenant',
      sandbox.emulator.tenant.domain,
      '--client-id',
      app.appId,
    ],
    sandbox.env,
    [{ expect: /Client secret \(its Value, not its Secret ID\)/, send: secret! + KEY.enter }],
  );
  assert.equal(asked.code, 0, asked.screen);
  assert.match(asked.screen, /\*{8,}/, 'typed characters are masked');
  assert.ok(!asked.screen.includes(secret!), 'the secret never shows on the screen');
  sandbox.outputs.push(chosen.screen, asked.screen);
  await sandbox.assertNoSecretLeaked();
});

test('where the app may not list its own privileges (no prvReadUser): a warning, the connection still passes', async (t) => {
  const sandbox = await startSandbox(t, { strictSelfPrivileges: true });
  await init(sandbox, '--role-preset', 'read-only');
  const run = await sandbox.run(tc('--json'));
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const checks = JSON.parse(run.stdout).checks as Array<{ id: string; status: string; summary: string }>;
  assert.deepEqual(checks.find((c) => c.id === 'privileges')?.status, 'warn');
  assert.match(checks.find((c) => c.id === 'privileges')!.summary, /prvReadUser/);
});
