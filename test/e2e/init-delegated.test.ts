// init --flow delegated end to end against the emulator: the test plays the integration
// account's browser (see delegated-support.ts) and checks what Entra, Graph and Dataverse were
// asked, what was stored, and that no refresh token or secret reached an output or a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from '../support/sandbox.ts';
import { startSandbox } from '../support/sandbox.ts';
import { KEY, runInPty } from '../support/pty.ts';
import { approve, AUTHORIZE_URL, signInThroughBrowser, startCli, trust, visit } from './delegated-support.ts';

const bin = new URL('../../bin/dynauth.js', import.meta.url).pathname;
const CRM = '00000007-0000-0000-c000-000000000000';
const GRAPH = '00000003-0000-0000-c000-000000000000';
const delegatedInit = (...more: string[]) => ['init', '--yes', '--flow', 'delegated', '--environment', 'contososales', '--json', ...more];

function appNamed(sandbox: Sandbox, name: string) {
  const apps = sandbox.emulator.state.applications.filter((app) => app.displayName === name);
  assert.equal(apps.length, 1, `one app named ${name}`);
  return apps[0]!;
}

function grantsOf(sandbox: Sandbox, appId: string) {
  const { state } = sandbox.emulator;
  const sp = state.servicePrincipals.filter((s) => s.appId === appId);
  assert.equal(sp.length, 1, 'one service principal');
  const resource = (resourceAppId: string) => state.servicePrincipals.find((s) => s.appId === resourceAppId)!.id;
  const grants = (resourceAppId: string) =>
    state.oauth2PermissionGrants.filter((g) => g.clientId === sp[0]!.id && g.resourceId === resource(resourceAppId));
  return { crm: grants(CRM), graph: grants(GRAPH) };
}

/** Every output of the sandbox and every plain file under it is free of these values. */
async function assertNowhere(sandbox: Sandbox, values: string[]): Promise<void> {
  const files: Array<[string, string]> = [];
  for (const entry of await readdir(sandbox.dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.push([join(entry.parentPath, entry.name), await readFile(join(entry.parentPath, entry.name), 'latin1')]);
  }
  for (const value of values) {
    assert.ok(value.length > 10, 'a real value is checked');
    for (const output of sandbox.outputs) assert.ok(!output.includes(value), 'a refresh token or secret appeared in the CLI output');
    for (const [file, text] of files) assert.ok(!text.includes(value), `a refresh token or secret appeared in ${file}`);
  }
}

async function storedRefreshToken(sandbox: Sandbox, profile: string): Promise<string> {
  const { vault } = await sandbox.storage();
  const token = await vault.loadRefreshToken(profile);
  assert.ok(token, 'the refresh token is in the store');
  return token;
}

function loginRequests(sandbox: Sandbox, grantType: string) {
  return sandbox.emulator.requests.filter(
    (r) => r.service === 'login' && r.path.endsWith('/oauth2/v2.0/token') && (r.body as Record<string, string>)?.grant_type === grantType,
  );
}

test('confidential web app: redirect http://localhost, secret, consent, the integration account signed in with PKCE, WhoAmI as that user', async (t) => {
  const sandbox = await startSandbox(t);
  const run = startCli(sandbox, delegatedInit());
  const browser = await signInThroughBrowser(run);
  assert.equal(browser.status, 200);
  assert.match(browser.page, /return to the terminal/);
  assert.match(browser.redirect.href, /^http:\/\/localhost:\d+\/\?/);
  const done = await run.done;
  assert.equal(done.code, 0, done.stderr);
  const result = JSON.parse(done.stdout);
  const { emulator } = sandbox;

  const app = appNamed(sandbox, 'dynauth-contososales');
  assert.deepEqual(app.web.redirectUris, ['http://localhost']);
  assert.deepEqual(app.publicClient.redirectUris, []);
  assert.notEqual(app.isFallbackPublicClient, true);
  assert.equal(app.passwordCredentials.length, 1, 'one client secret');
  assert.deepEqual(
    app.requiredResourceAccess.map((r) => r.resourceAppId),
    [CRM, GRAPH],
  );
  const grants = grantsOf(sandbox, app.appId);
  assert.equal(grants.crm.length, 1);
  assert.equal(grants.crm[0]!.consentType, 'AllPrincipals');
  assert.match(grants.crm[0]!.scope, /\buser_impersonation\b/);
  assert.equal(grants.graph.length, 1);
  assert.deepEqual(grants.graph[0]!.scope.split(' ').sort(), ['offline_access', 'openid', 'profile']);

  // The authorize request: PKCE S256, state, the account chooser, the loopback redirect.
  const authorize = emulator.requests.find((r) => r.service === 'login' && r.path.endsWith('/oauth2/v2.0/authorize'))!;
  assert.equal(authorize.query.code_challenge_method, 'S256');
  assert.equal(authorize.query.prompt, 'select_account');
  assert.ok(authorize.query.state && authorize.query.code_challenge);
  assert.match(authorize.query.redirect_uri!, /^http:\/\/localhost:\d+$/);
  assert.match(authorize.query.scope!, /\/user_impersonation offline_access openid profile$/);
  // The code redeemed with its verifier and the app's secret.
  const redemption = loginRequests(sandbox, 'authorization_code');
  assert.equal(redemption.length, 1);
  assert.equal(redemption[0]!.status, 200);
  const form = redemption[0]!.body as Record<string, string>;
  assert.equal(form.code_verifier, '[redacted]', 'a code_verifier was sent');
  assert.equal(form.client_secret, '[redacted]', 'the confidential app authenticated');
  assert.equal(form.redirect_uri, authorize.query.redirect_uri);

  // WhoAmI with a delegated token of the integration account (not the admin); nothing made in Dataverse.
  const whoAmI = emulator.requests.filter((r) => r.service === 'dataverse' && r.path.endsWith('/WhoAmI') && r.token?.scp);
  assert.equal(whoAmI.length, 1);
  assert.equal(whoAmI[0]!.token!.oid, emulator.integration.objectId);
  assert.equal(whoAmI[0]!.token!.scp, 'user_impersonation');
  assert.ok(!emulator.requests.some((r) => r.service === 'dataverse' && r.method !== 'GET' && /systemusers|roles/.test(r.path)));
  const environment = emulator.state.environments.find((e) => e.uniqueName === 'contososales')!;
  assert.ok(!environment.dataverse!.systemusers.some((u) => u.applicationid === app.appId), 'no application user');

  assert.equal(result.flow, 'delegated');
  assert.equal(result.clientId, app.appId);
  assert.equal(result.publicClient, false);
  assert.deepEqual(result.redirectUris, ['http://localhost']);
  assert.equal(result.user.userPrincipalName, emulator.integration.userPrincipalName);
  assert.equal(result.user.objectId, emulator.integration.objectId);
  assert.ok(result.user.privileges.includes('prvReadAccount'));
  assert.equal(result.refreshTokenStored, true);
  assert.equal(result.credential.type, 'secret');
  assert.match(done.stderr, /may differ from you/);
  assert.match(done.stderr, /WhoAmI answered as integration@/);
  assert.match(done.stderr, /Created: .*admin consent for Dynamics CRM, admin consent for Microsoft Graph/, 'each consent names its API');
  assert.match(done.stderr, /gets every field of its form with: dynauth export --profile contososales --format fields/);

  const { profiles } = await sandbox.storage();
  const profile = (await profiles.read('contososales'))!;
  assert.equal(profile.flow, 'delegated');
  assert.equal(profile.delegated!.publicClient, false);
  assert.equal(profile.delegated!.user!.userPrincipalName, emulator.integration.userPrincipalName);
  assert.equal(profile.delegated!.user!.systemUserId, result.user.systemUserId);
  assert.ok(profile.delegated!.refreshToken!.obtainedOn);
  assert.equal(profile.credential!.type, 'secret');
  assert.equal(profile.applicationUserId, '');

  const refreshToken = await storedRefreshToken(sandbox, 'contososales');
  await assertNowhere(sandbox, [refreshToken, ...(await sandbox.storedSecrets())]);
  await sandbox.assertNoSecretLeaked();
});

test('public client: public-client platform and fallback, no secret anywhere, the code redeemed with PKCE alone', async (t) => {
  const sandbox = await startSandbox(t);
  const run = startCli(
    sandbox,
    delegatedInit('--public-client', '--app-name', 'sync-product', '--redirect-uri', 'https://sync.example/callback'),
  );
  const browser = await signInThroughBrowser(run);
  assert.equal(browser.status, 200);
  const done = await run.done;
  assert.equal(done.code, 0, done.stderr);
  const result = JSON.parse(done.stdout);
  const app = appNamed(sandbox, 'sync-product');
  assert.deepEqual(app.publicClient.redirectUris, ['http://localhost', 'https://sync.example/callback']);
  assert.equal(app.isFallbackPublicClient, true);
  assert.deepEqual(app.web.redirectUris, []);
  assert.equal(app.passwordCredentials.length, 0);
  assert.ok(!sandbox.emulator.requests.some((r) => r.path.endsWith('/addPassword')), 'no addPassword for a public client');
  assert.match(grantsOf(sandbox, app.appId).crm[0]!.scope, /\buser_impersonation\b/);
  const form = loginRequests(sandbox, 'authorization_code')[0]!.body as Record<string, string>;
  assert.equal(form.code_verifier, '[redacted]');
  assert.equal(form.client_secret, undefined, 'a public client sends no secret');
  assert.equal(result.publicClient, true);
  assert.equal(result.credential, undefined);
  const { profiles, vault } = await sandbox.storage();
  const profile = (await profiles.read('contososales'))!;
  assert.equal(profile.credential, undefined);
  assert.equal(profile.delegated!.publicClient, true);
  assert.equal(await vault.hasConnection('contososales'), false, 'no connection string: there is no secret');
  await assertNowhere(sandbox, [await storedRefreshToken(sandbox, 'contososales')]);
});

test('the loopback listener refuses an answer with another state and keeps waiting for the right one', async (t) => {
  const sandbox = await startSandbox(t);
  const run = startCli(sandbox, delegatedInit());
  const [, url] = await run.waitFor(AUTHORIZE_URL);
  const redirect = await approve(url!);
  const forged = new URL(redirect);
  forged.searchParams.set('state', 'not-the-state-dynauth-sent');
  const refused = await visit(forged);
  assert.equal(refused.status, 400);
  assert.match(refused.page, /does not match/);
  const noState = new URL(redirect);
  noState.searchParams.delete('state');
  assert.equal((await visit(noState)).status, 400);
  assert.equal((await visit(new URL('/favicon.ico', redirect))).status, 404);
  const accepted = await visit(redirect);
  assert.equal(accepted.status, 200);
  const done = await run.done;
  assert.equal(done.code, 0, done.stderr);
  assert.equal(loginRequests(sandbox, 'authorization_code').length, 1, 'only the valid answer was redeemed');
});

test('without the sign-in finished in time, the run fails and says how to sign in later; nothing is duplicated by the retry', async (t) => {
  const sandbox = await startSandbox(t);
  const first = startCli(sandbox, delegatedInit('--wait', '3s'));
  await first.waitFor(AUTHORIZE_URL);
  const failed = await first.done;
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(failed.stderr, /Nobody finished the sign-in/);
  assert.match(failed.stderr, /dynauth init --flow delegated --profile contososales/);
  const second = startCli(sandbox, delegatedInit());
  assert.equal((await signInThroughBrowser(second)).status, 200);
  const done = await second.done;
  assert.equal(done.code, 0, done.stderr);
  const app = appNamed(sandbox, 'dynauth-contososales');
  assert.equal(app.passwordCredentials.length, 1, 'the stored secret was reused');
  assert.ok(JSON.parse(done.stdout).reused.includes('application'));
});

test('a dead refresh token is repaired by init --flow delegated --profile P: a new sign-in, the same app, nothing duplicated', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = startCli(sandbox, delegatedInit());
  await signInThroughBrowser(setup);
  assert.equal((await setup.done).code, 0);
  const before = await storedRefreshToken(sandbox, 'contososales');
  sandbox.emulator.users.idleRefreshTokens(91, sandbox.emulator.integration.objectId);

  const repair = startCli(sandbox, ['init', '--yes', '--flow', 'delegated', '--profile', 'contososales', '--json']);
  assert.equal((await signInThroughBrowser(repair)).status, 200);
  const done = await repair.done;
  assert.equal(done.code, 0, done.stderr);
  const result = JSON.parse(done.stdout);
  assert.deepEqual(result.created, [], 'nothing made again');
  assert.ok(result.reused.includes('application') && result.reused.includes('credential'));
  const app = appNamed(sandbox, 'dynauth-contososales');
  assert.equal(app.passwordCredentials.length, 1);
  assert.equal(grantsOf(sandbox, app.appId).crm.length, 1);
  const after = await storedRefreshToken(sandbox, 'contososales');
  assert.notEqual(after, before, 'a new refresh token replaced the dead one');
  await assertNowhere(sandbox, [before, after, ...(await sandbox.storedSecrets())]);
});

test("an app-user setup's app reused by --flow delegated: the plan says the redirect URI is added to it (an update, not a reuse)", async (t) => {
  const sandbox = await startSandbox(t);
  const appUser = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only']);
  assert.equal(appUser.code, 0, appUser.stderr);
  const dry = await sandbox.run(['init', '--flow', 'delegated', '--environment', 'contososales', '--profile', 'contact', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /update +app registration "dynauth-contososales": add redirect URI http:\/\/localhost \(web platform\)/);
  const live = startCli(sandbox, delegatedInit('--profile', 'contact'));
  assert.equal((await signInThroughBrowser(live)).status, 200);
  const run = await live.done;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /~ update +app registration "dynauth-contososales": add redirect URI http:\/\/localhost \(web platform\)/);
  assert.deepEqual(appNamed(sandbox, 'dynauth-contososales').web?.redirectUris, ['http://localhost']);
  const again = await sandbox.run(['init', '--flow', 'delegated', '--environment', 'contososales', '--profile', 'contact', '--dry-run']);
  assert.match(again.stdout, /reuse +app registration "dynauth-contososales" \(single tenant, web app/, 'nothing left to add');
});

test('without a terminal, missing answers are one usage error; delegated-only flags refuse --flow app-user', async (t) => {
  const sandbox = await startSandbox(t);
  const missing = await sandbox.run(['init', '--flow', 'delegated']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--environment/);
  assert.match(missing.stderr, /--yes/);
  assert.doesNotMatch(missing.stderr, /--role-preset/);
  const mixed = await sandbox.run(['init', '--yes', '--flow', 'app-user', '--public-client', '--environment', 'contososales']);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /--public-client go with --flow delegated/);
  const roles = await sandbox.run(delegatedInit('--role-preset', 'read-only'));
  assert.equal(roles.code, 2);
  assert.match(roles.stderr, /--role-preset/);
  const deviceCode = await sandbox.run(delegatedInit('--user-sign-in', 'device-code'));
  assert.equal(deviceCode.code, 2);
  assert.match(deviceCode.stderr, /needs --public-client/);
  const badUri = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--redirect-uri', 'http://example.com/cb']);
  assert.equal(badUri.code, 2);
  assert.match(badUri.stderr, /must use https/);
  const env = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--dry-run'], {
    env: { DYNAUTH_FLOW: 'delegated', DYNAUTH_PUBLIC_CLIENT: '1', DYNAUTH_NO_SIGN_IN: '1' },
  });
  assert.equal(env.code, 0, env.stderr);
  assert.match(env.stdout, /public client/);
  assert.match(env.stdout, /no sign-in \(--no-sign-in\)/);
  assert.equal(
    sandbox.emulator.state.applications.filter((a) => a.displayName.startsWith('dynauth-')).length,
    0,
    'a dry run makes nothing',
  );
});

test('--no-sign-in sets the app up only; --user-sign-in device-code signs a public client in without a browser', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = await sandbox.run(delegatedInit('--public-client', '--no-sign-in'));
  assert.equal(setup.code, 0, setup.stderr);
  assert.equal(JSON.parse(setup.stdout).refreshTokenStored, false);
  assert.equal(loginRequests(sandbox, 'authorization_code').length, 0);
  const { vault } = await sandbox.storage();
  assert.equal(await vault.loadRefreshToken('contososales'), undefined);

  const signIn = await sandbox.run([
    'init',
    '--yes',
    '--flow',
    'delegated',
    '--profile',
    'contososales',
    '--user-sign-in',
    'device-code',
    '--json',
  ]);
  assert.equal(signIn.code, 0, signIn.stderr);
  assert.match(signIn.stderr, /enter the code [A-Z0-9]{9}.*approved as integration@/);
  const result = JSON.parse(signIn.stdout);
  assert.equal(result.user.userPrincipalName, sandbox.emulator.integration.userPrincipalName);
  assert.equal(loginRequests(sandbox, 'urn:ietf:params:oauth:grant-type:device_code').at(-1)!.status, 200);
  await assertNowhere(sandbox, [await storedRefreshToken(sandbox, 'contososales')]);
});

test('an interactive run in a real terminal chooses the delegated flow by prompt and signs the integration account in', async (t) => {
  const sandbox = await startSandbox(t);
  trust(sandbox);
  let browser: Promise<{ status: number }> | undefined;
  const { code, screen } = await runInPty([process.execPath, bin, 'init'], { ...sandbox.env, BROWSER: 'none' }, [
    { expect: /Which Dataverse environment\?/, send: KEY.enter },
    { expect: /How will the integration connect\?/, send: KEY.down + KEY.enter },
    { expect: /Name of the app registration/, send: `contact-centre${KEY.enter}` },
    { expect: /Kind of client/, send: KEY.enter },
    { expect: /Profile name for this connection/, send: `cc${KEY.enter}` },
    { expect: /sign-in of the integration account[\s\S]*Apply this plan\?/, send: `y${KEY.enter}` },
    {
      expect: AUTHORIZE_URL,
      send: '',
      act: (match) => {
        browser = approve(match[1]!).then(visit);
      },
    },
  ]);
  assert.equal(code, 0, screen);
  assert.equal((await browser)?.status, 200);
  assert.match(screen, /Done\./);
  const app = appNamed(sandbox, 'contact-centre');
  assert.deepEqual(app.web.redirectUris, ['http://localhost']);
  const { profiles } = await sandbox.storage();
  assert.equal((await profiles.read('cc'))!.flow, 'delegated');
  sandbox.outputs.push(screen);
  await assertNowhere(sandbox, [await storedRefreshToken(sandbox, 'cc'), ...(await sandbox.storedSecrets())]);
});

test('a profile keeps its flow: a delegated run does not take over an app-user profile', async (t) => {
  const sandbox = await startSandbox(t);
  const appUser = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only']);
  assert.equal(appUser.code, 0, appUser.stderr);
  const delegated = await sandbox.run(delegatedInit());
  assert.equal(delegated.code, 2, delegated.stderr);
  assert.match(delegated.stderr, /Profile "contososales" is an app-user setup/);
  assert.match(delegated.stderr, /Give another --profile \(and --app-name\)/);
  const app = appNamed(sandbox, 'dynauth-contososales');
  assert.deepEqual(app.web.redirectUris, [], 'the app-user app was not changed');
  const { profiles } = await sandbox.storage();
  assert.notEqual((await profiles.read('contososales'))!.flow, 'delegated');
});

test('Ctrl-C while waiting for the sign-in ends the run (exit 130) and closes the listener', async (t) => {
  const sandbox = await startSandbox(t);
  const run = startCli(sandbox, delegatedInit());
  const [, url] = await run.waitFor(AUTHORIZE_URL);
  const redirect = await approve(url!);
  run.kill('SIGINT');
  const done = await run.done;
  assert.equal(done.code, 130, done.stderr);
  await assert.rejects(visit(redirect), 'nothing listens any more');
  assert.equal(loginRequests(sandbox, 'authorization_code').length, 0);
});

test('the integration account declining consent comes back as an Entra refusal (exit 4, no stack trace), and the listener closes', async (t) => {
  const sandbox = await startSandbox(t);
  const run = startCli(sandbox, delegatedInit());
  const [, url] = await run.waitFor(AUTHORIZE_URL);
  const redirect = await approve(url!);
  // What Entra sends the browser back with when the user cancels the consent prompt (state kept).
  const declined = new URL(redirect.origin);
  declined.searchParams.set('error', 'access_denied');
  declined.searchParams.set('error_description', 'AADSTS65004: User declined to consent to access the app.');
  declined.searchParams.set('state', redirect.searchParams.get('state')!);
  const page = await visit(declined);
  assert.equal(page.status, 400);
  assert.doesNotMatch(page.page, /AADSTS65004|declined/, 'nothing Entra said is reflected in the page');
  const done = await run.done;
  assert.equal(done.code, 4, done.stderr);
  const error = JSON.parse(done.stdout).error;
  assert.equal(error.code, 'integration-sign-in-refused');
  assert.match(error.message, /AADSTS65004/);
  assert.doesNotMatch(done.stderr, /\n\s+at /, 'no stack trace');
  await assert.rejects(visit(redirect), 'nothing listens any more');
  assert.equal(loginRequests(sandbox, 'authorization_code').length, 0);
});

test('a re-run with --no-sign-in keeps what the profile knows of the signed-in account and its refresh token', async (t) => {
  const sandbox = await startSandbox(t);
  const setup = startCli(sandbox, delegatedInit());
  assert.equal((await signInThroughBrowser(setup)).status, 200);
  assert.equal((await setup.done).code, 0);
  const { profiles } = await sandbox.storage();
  const before = (await profiles.read('contososales'))!.delegated!;
  assert.ok(before.user && before.refreshToken, 'the sign-in is recorded');
  const again = await sandbox.run(delegatedInit('--no-sign-in'));
  assert.equal(again.code, 0, again.stderr);
  const after = (await profiles.read('contososales'))!.delegated!;
  assert.deepEqual(after.user, before.user, 'the integration account is still recorded');
  assert.deepEqual(after.refreshToken, before.refreshToken, "the refresh token's record is kept (the token itself is still stored)");
  const status = await sandbox.run(['status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).profiles[0].delegated.refreshToken.lastRedeemedOn, before.refreshToken!.lastRedeemedOn);
});
