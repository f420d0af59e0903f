// The delegated diagnosis table: each refusal of a delegated setup has its own why and fix, with the
// exit code's class (authentication or not), whichever client library reported it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EntraTokenError } from '../../src/auth/delegated-token.ts';
import { ApiError } from '../../src/clients/api-error.ts';
import type { Profile } from '../../src/profiles/profile.ts';
import { diagnose, diagnoseDelegatedFailure } from '../../src/steps/diagnose.ts';
import type { DiagnosisContext } from '../../src/steps/diagnosis.ts';
import { idleDaysLeft } from '../../src/steps/test-connection-delegated.ts';

const now = new Date('2026-06-01T00:00:00Z');
/** `null`: an app-user profile (no delegated facts). */
const context = (
  delegated: DiagnosisContext['delegated'] | null = { publicClient: false, user: 'integration@contoso.com' },
): DiagnosisContext => ({
  profile: 'contact',
  appName: 'contact-centre',
  tenant: 'contoso.onmicrosoft.com',
  clientId: '0b7c5f3e-1111-4222-8333-944445555666',
  environmentUrl: 'https://contoso.crm4.dynamics.com',
  cloud: 'public',
  credential: { type: 'secret', expiresOn: '2026-11-01T10:00:00Z' },
  proxy: undefined,
  timeoutMs: 30_000,
  now,
  ...(delegated === null ? {} : { delegated }),
});

/** As delegated-token.ts reports an OAuth error of Entra's token endpoint. */
const refused = (code: number, error = 'invalid_grant', status = 400) =>
  new EntraTokenError(status, error, `AADSTS${code}: something. Trace ID: 1 Correlation ID: 2`, code);

/** Shaped like MSAL's (@azure/identity) error, as an interactive sign-in would report it. */
const msal = (code: number) =>
  Object.assign(new Error(`AADSTS${code}: something.`), {
    errorResponse: { errorCodes: [code], errorDescription: `AADSTS${code}: something.` },
  });

const dataverse = (status: number, remoteCode: string, remoteMessage = '') =>
  new ApiError({ service: 'dataverse', status, remoteCode, remoteMessage, message: `Could not call WhoAmI: ${remoteMessage}` });

const SIGN_IN_AGAIN = /dynauth init --flow delegated --profile contact/;

test('each Entra refusal of a delegated setup has its own why and fix, and is an authentication failure', () => {
  const cases: Array<[number, RegExp, RegExp]> = [
    [700082, /refresh token expired: Entra ends one after 90 days unused \(dynauth last redeemed it on 2026-02-01\)/, SIGN_IN_AGAIN],
    [50173, /revoked the refresh token of the integration account integration@contoso\.com: .*password/, SIGN_IN_AGAIN],
    [50133, /revoked .*password was changed or reset/, SIGN_IN_AGAIN],
    [65001, /Nobody has consented .*user_impersonation/, /Grant admin consent/],
    [50076, /requires multi-factor authentication for .*integration@contoso\.com/, /interactively .*exclude the integration account/],
    [50079, /enrol in multi-factor authentication/, /interactively/],
    [50011, /redirect URI sent does not match/, /--redirect-uri/],
    [7000218, /wants a client secret .*none was sent/, /dynauth rotate-secret --profile contact/],
    [700025, /as a public client, so Entra refuses a client secret/, /Send no secret/],
  ];
  const ctx = context({ publicClient: false, user: 'integration@contoso.com', lastRedeemedOn: '2026-02-01T08:00:00Z' });
  for (const [code, cause, fix] of cases) {
    for (const error of [refused(code), msal(code)]) {
      const diagnosis = diagnose(error, ctx);
      assert.equal(diagnosis.code, `AADSTS${code}`);
      assert.match(diagnosis.cause, cause, `${code} cause: ${diagnosis.cause}`);
      assert.match(diagnosis.fix, fix, `${code} fix: ${diagnosis.fix}`);
      assert.equal(diagnosis.auth, true);
    }
  }
});

test('7000218 on a public-client profile: the app stopped allowing public client flows', () => {
  const diagnosis = diagnose(refused(7000218, 'invalid_client', 401), context({ publicClient: true }));
  assert.match(diagnosis.cause, /is not a public client .*"Allow public client flows" is off/);
  assert.match(diagnosis.fix, /Allow public client flows.*--public-client/);
});

test('a code the delegated table does not know falls through to the app table (a wrong secret is still rotate-secret)', () => {
  const diagnosis = diagnose(refused(7000215, 'invalid_client', 401), context());
  assert.equal(diagnosis.code, 'AADSTS7000215');
  assert.match(diagnosis.fix, /dynauth rotate-secret --profile contact/);
  assert.equal(diagnose(refused(53003), context()).code, 'AADSTS53003');
});

test('an app-user profile keeps the app table: no delegated wording without delegated facts', () => {
  const diagnosis = diagnose(msal(700082), context(null));
  assert.doesNotMatch(diagnosis.fix, /--flow delegated/);
});

test("Dataverse's refusals of the integration account: disabled, no licence, no role, not a user, a missing privilege", () => {
  const ctx = context();
  const disabled = diagnose(
    dataverse(
      403,
      '0x80040225',
      'The user with SystemUserId=1 in OrganizationContext=2 is disabled. Disabled users cannot access the system.',
    ),
    ctx,
  );
  assert.equal(disabled.code, 'dataverse-0x80040225');
  assert.match(disabled.cause, /integration@contoso\.com is disabled in contoso\.crm4\.dynamics\.com; .*licence was removed/);
  assert.equal(disabled.auth, true);

  const unlicensed = diagnose(dataverse(403, '0x8004D24B', 'no licence'), ctx);
  assert.equal(unlicensed.code, 'dataverse-0x8004d24b');
  assert.match(unlicensed.cause, /has no Dynamics 365 or Power Apps licence/);
  assert.match(unlicensed.fix, /Microsoft 365 admin center/);

  const stranger = diagnose(dataverse(403, '0x80072560', 'The user is not a member of the organization.'), ctx);
  assert.equal(stranger.code, 'dataverse-0x80072560');
  assert.match(stranger.cause, /is not a user of contoso\.crm4\.dynamics\.com: not in the environment's security group/);
  assert.doesNotMatch(stranger.fix, /application user/i, 'not the app-user advice');

  const roleless = diagnose(
    dataverse(
      403,
      '0x80040220',
      'RetrievePrivilegeForUser: The user with id 1 has not been assigned any roles. They need a role with the prvReadUser privilege.',
    ),
    ctx,
  );
  assert.equal(roleless.code, 'no-security-role');
  assert.match(roleless.cause, /has no security role in contoso\.crm4\.dynamics\.com/);
  assert.equal(roleless.auth, false, 'a missing role is not an authentication failure');

  const lacking = diagnose(dataverse(403, '0x80040220', 'Principal user (Id=1, type=8), is missing prvReadAccount privilege'), ctx);
  assert.match(lacking.cause, /integration@contoso\.com lacks prvReadAccount/);

  // What only the app table knows still comes from it (throttling here).
  assert.match(diagnose(dataverse(429, '0x80072322', 'Number of requests exceeded'), ctx).cause, /service protection/);
});

test('diagnoseDelegatedFailure(error, profile): the profile gives the user, the last redemption and the command', () => {
  const profile = {
    version: 1,
    name: 'sync',
    flow: 'delegated',
    cloud: 'public',
    tenantId: '11111111-2222-4333-8444-555555555555',
    clientId: '0b7c5f3e-1111-4222-8333-944445555666',
    applicationObjectId: '',
    servicePrincipalId: '',
    appDisplayName: 'data-sync',
    environment: { id: 'e', url: 'https://contoso.crm.dynamics.com', uniqueName: 'contoso', displayName: 'Contoso' },
    applicationUserId: '',
    businessUnitId: '',
    roles: [],
    expectedPrivileges: [],
    delegated: {
      publicClient: true,
      redirectUris: ['http://localhost'],
      user: { objectId: '99999999-2222-4333-8444-555555555555', userPrincipalName: 'sync@contoso.com' },
      refreshToken: { obtainedOn: '2026-01-01T00:00:00Z', lastRedeemedOn: '2026-02-15T00:00:00Z' },
    },
    keychain: { service: 'dynauth', account: 'sync', passphrase: false },
    createdOn: '2026-01-01T00:00:00Z',
    updatedOn: '2026-01-01T00:00:00Z',
  } satisfies Profile;
  const idle = diagnoseDelegatedFailure(refused(700082), profile, now);
  assert.match(idle.cause, /last redeemed it on 2026-02-15/);
  assert.match(idle.fix, /Sign the integration account sync@contoso\.com in again: dynauth init --flow delegated --profile sync/);
  const closed = diagnoseDelegatedFailure(refused(7000218, 'invalid_client', 401), profile, now);
  assert.match(closed.cause, /not a public client/, 'the profile says it is a public client');
  const disabled = diagnoseDelegatedFailure(dataverse(403, '0x80040225'), profile, now);
  assert.match(disabled.cause, /sync@contoso\.com is disabled in contoso\.crm\.dynamics\.com/);
});

test("the refresh token's inactivity window counts whole days from the last redemption", () => {
  assert.equal(idleDaysLeft('2026-06-01T00:00:00Z', now), 90);
  assert.equal(idleDaysLeft('2026-03-03T00:00:00Z', now), 0);
  assert.equal(idleDaysLeft('2026-03-13T12:00:00Z', now), 11);
  assert.ok(idleDaysLeft('2026-01-01T00:00:00Z', now) < 0);
});
