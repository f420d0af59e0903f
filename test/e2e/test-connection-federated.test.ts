import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmulatorOptions } from '../../src/emulator/options.ts';
import { startSandbox, type Sandbox } from '../support/sandbox.ts';

// From a fresh clone, against the emulator: init --credential federated, then test-connection with a
// token from the emulated issuer, as a pipeline would; and the diagnoses of the usual mistakes.

const SPEC = 'github:contoso/dataverse-solutions:environment:production';
const SUBJECT = 'repo:contoso/dataverse-solutions:environment:production';
/** The lag of everything else as usual; federated credentials replicate at once unless a test says otherwise. */
const AT_ONCE: EmulatorOptions = { replicationLag: { federatedCredentialMs: 0 } };

async function federatedSetup(t: TestContext, options: EmulatorOptions = AT_ONCE): Promise<{ sandbox: Sandbox; appId: string }> {
  const sandbox = await startSandbox(t, options);
  const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only', '--federation', SPEC]);
  assert.equal(init.code, 0, init.stderr);
  const app = sandbox.emulator.state.applications.find((a) => a.displayName === 'dynauth-contososales')!;
  return { sandbox, appId: app.appId };
}

/** The platform's token, written where the pipeline would have it. */
async function tokenFile(sandbox: Sandbox, token: string): Promise<string> {
  const file = join(sandbox.dir, `oidc-token-${sandbox.outputs.length}`);
  await writeFile(file, token, { mode: 0o600 });
  return file;
}

function assertTokenNotShown(sandbox: Sandbox, token: string): void {
  for (const output of sandbox.outputs) assert.ok(!output.includes(token.split('.')[2]!), "the platform's token appeared in the output");
}

test('the pipeline token signs the app in: client assertion, then WhoAmI as its application user', async (t) => {
  const { sandbox, appId } = await federatedSetup(t);
  const token = sandbox.emulator.oidc.mint({ subject: SUBJECT });
  const file = await tokenFile(sandbox, token);
  const run = await sandbox.run(['test-connection', '--profile', 'contososales', '--federated-token-file', file, '--json', '--verbose']);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout);
  assert.equal(report.ok, true);
  const status = Object.fromEntries(report.checks.map((c: { id: string; status: string }) => [c.id, c.status]));
  assert.deepEqual([status.credential, status.token, status.whoami], ['pass', 'pass', 'pass']);
  assert.equal(report.federation.token.subject, SUBJECT);
  const exchange = sandbox.emulator.requests.find(
    (r) => r.service === 'login' && (r.body as Record<string, string>)?.['client_id'] === appId && r.status === 200,
  );
  assert.ok(exchange, 'a token request as the app');
  const form = exchange.body as Record<string, string>;
  assert.equal(form['client_assertion_type'], 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  assert.equal(form['client_secret'], undefined, 'no secret: there is none');
  const whoAmI = sandbox.emulator.requests.find((r) => r.service === 'dataverse' && r.path.endsWith('/WhoAmI') && r.token?.appid === appId);
  assert.equal(whoAmI?.status, 200);
  assertTokenNotShown(sandbox, token);

  // AZURE_FEDERATED_TOKEN_FILE, as Azure Workload Identity sets it, does the same.
  const fromEnv = await sandbox.run(['test-connection', '--profile', 'contososales'], { env: { AZURE_FEDERATED_TOKEN_FILE: file } });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  // The token's expiry reads like every other date (to the minute, UTC), not as a raw ISO timestamp.
  assert.match(fromEnv.stdout, /the platform token is valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  assert.doesNotMatch(fromEnv.stdout, /\d\dT\d\d:\d\d/);
});

test('a wrong subject: AADSTS700213, with the token’s subject beside the one the app trusts', async (t) => {
  const { sandbox } = await federatedSetup(t);
  const branch = 'repo:contoso/dataverse-solutions:ref:refs/heads/main';
  const token = sandbox.emulator.oidc.mint({ subject: branch });
  const run = await sandbox.run([
    'test-connection',
    '--profile',
    'contososales',
    '--federated-token-file',
    await tokenFile(sandbox, token),
  ]);
  assert.equal(run.code, 4, run.stderr);
  const text = run.stdout + run.stderr;
  assert.ok(text.includes(`subject ${branch}`), "the token's subject is shown");
  assert.ok(text.includes(`subject ${SUBJECT}`), 'the trusted subject is shown');
  assert.match(text, /credential +none: federated/);
  assert.match(text, /environment: NAME/, 'how GitHub sets the subject');
  assert.ok(text.includes(`--federation github:subject:${branch}`), 'how to trust it instead');
  const json = await sandbox.run([
    'test-connection',
    '--profile',
    'contososales',
    '--federated-token-file',
    await tokenFile(sandbox, token),
    '--json',
  ]);
  const failed = JSON.parse(json.stdout).checks.find((c: { status: string }) => c.status === 'fail');
  assert.equal(failed.id, 'token');
  assert.equal(failed.diagnosis.code, 'AADSTS700213');
  assertTokenNotShown(sandbox, token);

  // The suggested command is complete: run as given, without a terminal, it trusts the subject.
  const suggested = /trust this token's subject too: dynauth (.+)\.$/.exec(failed.diagnosis.fix)?.[1];
  assert.ok(suggested, failed.diagnosis.fix);
  assert.match(suggested, /--profile contososales .*--role "dynauth read-only" --yes$/);
  const trusted = await sandbox.run(shellWords(suggested));
  assert.equal(trusted.code, 0, trusted.stderr);
  const retried = await sandbox.run([
    'test-connection',
    '--profile',
    'contososales',
    '--federated-token-file',
    await tokenFile(sandbox, token),
  ]);
  assert.equal(retried.code, 0, retried.stderr);
});

/** The words of a command line as a shell splits them (plain words and double-quoted ones are all a hint holds). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
}

test('an expired token: AADSTS700024, and the expiry check says so', async (t) => {
  const { sandbox } = await federatedSetup(t);
  const token = sandbox.emulator.oidc.mint({ subject: SUBJECT, expiresInSeconds: -60 });
  const run = await sandbox.run([
    'test-connection',
    '--profile',
    'contososales',
    '--federated-token-file',
    await tokenFile(sandbox, token),
    '--json',
  ]);
  assert.equal(run.code, 4, run.stderr);
  const report = JSON.parse(run.stdout);
  const byId = Object.fromEntries(report.checks.map((c: { id: string }) => [c.id, c]));
  assert.equal(byId.expiry.status, 'warn');
  assert.match(byId.expiry.summary, /^the platform token expired at \d{4}-\d\d-\d\d \d\d:\d\d UTC: /);
  assert.equal(byId.token.diagnosis.code, 'AADSTS700024');
  assert.match(byId.token.diagnosis.cause, /it expired at \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
  assert.match(byId.token.diagnosis.fix, /fresh token/);
});

test('another audience, another issuer, and a credential that has not replicated yet are each explained', async (t) => {
  const { sandbox } = await federatedSetup(t, { replicationLag: { federatedCredentialMs: 600_000 } });
  const diagnosisOf = async (token: string) => {
    const run = await sandbox.run([
      'test-connection',
      '--profile',
      'contososales',
      '--federated-token-file',
      await tokenFile(sandbox, token),
      '--json',
    ]);
    assert.equal(run.code, 4, run.stderr);
    return JSON.parse(run.stdout).checks.find((c: { status: string }) => c.status === 'fail').diagnosis;
  };
  const lagging = await diagnosisOf(sandbox.emulator.oidc.mint({ subject: SUBJECT }));
  assert.equal(lagging.code, 'AADSTS700211');
  assert.match(lagging.cause, /moments ago/);
  const app = sandbox.emulator.state.applications.find((a) => a.displayName === 'dynauth-contososales')!;
  (app.federatedIdentityCredentials![0] as { visibleAt: number }).visibleAt = 0;
  const audience = await diagnosisOf(sandbox.emulator.oidc.mint({ subject: SUBJECT, audience: 'api://other' }));
  assert.equal(audience.code, 'AADSTS700212');
  assert.match(audience.fix, /api:\/\/AzureADTokenExchange/);
  const issuer = await diagnosisOf(sandbox.emulator.oidc.mint({ subject: SUBJECT, issuer: 'https://gitlab.example.com' }));
  assert.equal(issuer.code, 'AADSTS700211');
  assert.match(issuer.cause, /issuer https:\/\/gitlab\.example\.com/);
});

test('without a token file, a bad file, or a rotation: clear refusals', async (t) => {
  const { sandbox } = await federatedSetup(t);
  const none = await sandbox.run(['test-connection', '--profile', 'contososales']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--federated-token-file/);
  const notJwt = await sandbox.run([
    'test-connection',
    '--profile',
    'contososales',
    '--federated-token-file',
    await tokenFile(sandbox, 'not a token'),
  ]);
  assert.equal(notJwt.code, 1);
  assert.match(notJwt.stdout + notJwt.stderr, /does not hold a JWT/);
  const directory = await sandbox.run(['test-connection', '--profile', 'contososales', '--federated-token-file', sandbox.dir]);
  assert.match(directory.stdout + directory.stderr, /not a regular file/);
  const rotate = await sandbox.run(['rotate-secret', '--profile', 'contososales']);
  assert.notEqual(rotate.code, 0);
  assert.match(rotate.stderr, /federated credentials .* nothing to rotate/);
  assert.match(rotate.stderr, /run dynauth init again with --profile contososales and --federation or --push/);
});

test('status lists a federated profile with its subjects, and no keychain item to miss', async (t) => {
  const { sandbox } = await federatedSetup(t);
  const status = await sandbox.run(['status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /contososales .* federated +- /);
  assert.ok(status.stdout.includes(`https://token.actions.githubusercontent.com  ${SUBJECT}`));
  assert.doesNotMatch(status.stdout, /MISSING/);
  const json = JSON.parse((await sandbox.run(['status', '--json'])).stdout);
  const row = json.profiles.find((p: { profile: string }) => p.profile === 'contososales');
  assert.equal(row.keychainItem, 'none');
  assert.deepEqual(
    row.federation.map((f: { subject: string }) => f.subject),
    [SUBJECT],
  );
  // status --check tests it too when the platform's token is at hand.
  const file = await tokenFile(sandbox, sandbox.emulator.oidc.mint({ subject: SUBJECT }));
  const checked = await sandbox.run(['status', '--check'], { env: { AZURE_FEDERATED_TOKEN_FILE: file } });
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, /contososales: connection works/);
});

test('dynauth token inside the pipeline: the platform token gets the app its Dataverse token; outside, a clear refusal', async (t) => {
  const { sandbox, appId } = await federatedSetup(t);
  const file = await tokenFile(sandbox, sandbox.emulator.oidc.mint({ subject: SUBJECT }));
  const run = await sandbox.run(['token', '--profile', 'contososales', '--json'], { env: { AZURE_FEDERATED_TOKEN_FILE: file } });
  assert.equal(run.code, 0, run.stderr);
  const { accessToken } = JSON.parse(run.stdout);
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(claims.appid, appId);
  const outside = await sandbox.run(['token', '--profile', 'contososales', '--json']);
  assert.equal(outside.code, 2, outside.stderr);
  assert.equal(JSON.parse(outside.stdout).error.code, 'federated-token');
  const branch = 'repo:contoso/dataverse-solutions:ref:refs/heads/main';
  const wrong = await tokenFile(sandbox, sandbox.emulator.oidc.mint({ subject: branch }));
  const refused = await sandbox.run(['token', '--profile', 'contososales', '--json'], { env: { AZURE_FEDERATED_TOKEN_FILE: wrong } });
  assert.equal(refused.code, 4, refused.stderr);
  const error = JSON.parse(refused.stdout).error;
  assert.equal(error.code, 'AADSTS700213');
  assert.ok(error.message.includes(`subject ${branch}`) && error.message.includes(`subject ${SUBJECT}`), error.message);
});

test('a setup made by hand, without a profile file on the runner: --tenant, --client-id, --environment and the token', async (t) => {
  const { sandbox, appId } = await federatedSetup(t);
  const url = sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url!;
  const byHand = (file: string) =>
    sandbox.run(['test-connection', '--environment', url, '--client-id', appId, '--federated-token-file', file, '--json'], {
      env: { DYNAUTH_TENANT: sandbox.emulator.tenant.id },
    });
  const run = await byHand(await tokenFile(sandbox, sandbox.emulator.oidc.mint({ subject: SUBJECT })));
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).profile, undefined);
  const wrong = await byHand(await tokenFile(sandbox, sandbox.emulator.oidc.mint({ subject: 'repo:contoso/other:pull_request' })));
  assert.equal(wrong.code, 4, wrong.stderr);
  const failed = JSON.parse(wrong.stdout).checks.find((c: { status: string }) => c.status === 'fail');
  assert.equal(failed.diagnosis.code, 'AADSTS700213');
  assert.match(failed.diagnosis.cause, /subject repo:contoso\/other:pull_request.*not known here/);
});
