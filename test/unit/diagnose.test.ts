import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/clients/api-error.ts';
import { NetworkError } from '../../src/http/network-error.ts';
import { KeychainItemMissing, DecryptionFailedError, KeychainUnavailableError } from '../../src/secrets/errors.ts';
import { diagnose } from '../../src/steps/diagnose.ts';
import type { DiagnosisContext } from '../../src/steps/diagnosis.ts';
import { findNetworkCause, proxyInUse } from '../../src/steps/diagnose-network.ts';
import { checkExpiry } from '../../src/steps/test-connection-expiry.ts';
import { exitCodeOf } from '../../src/steps/test-connection.ts';
import type { ConnectionReport } from '../../src/steps/connection-report.ts';

const now = new Date('2026-06-01T00:00:00Z');
const context = (more: Partial<DiagnosisContext> = {}): DiagnosisContext => ({
  profile: 'sales',
  appName: 'acme-sync',
  tenant: 'contoso.onmicrosoft.com',
  clientId: '0b7c5f3e-1111-4222-8333-944445555666',
  environmentUrl: 'https://contoso.crm4.dynamics.com',
  cloud: 'public',
  credential: { type: 'secret', expiresOn: '2026-05-01T10:00:00Z' },
  proxy: undefined,
  timeoutMs: 30_000,
  now,
  ...more,
});

/** Shaped like @azure/identity's AuthenticationError. */
const entra = (code: number, description = `AADSTS${code}: something.`) =>
  Object.assign(new Error(`ClientSecretCredential authentication failed: ${description}`), {
    errorResponse: { errorCodes: [code], errorDescription: description },
  });

const dataverse = (status: number, remoteCode: string, remoteMessage = '') =>
  new ApiError({ service: 'dataverse', status, remoteCode, remoteMessage, message: `Could not call WhoAmI: ${remoteMessage}` });

test('every AADSTS code of the issue has its own cause and fix, and counts as authentication', () => {
  const cases: Array<[number, RegExp, RegExp]> = [
    [7000215, /Entra rejected the client secret/, /dynauth rotate-secret --profile sales/],
    [7000222, /expired \(on 2026-05-01\)/, /dynauth rotate-secret --profile sales/],
    [700016, /has no app with client id .*wrong tenant, a typo .*not replicated yet/, /--tenant and --client-id/],
    [90002, /not known in the public cloud/, /--cloud usgov\|usgovhigh\|dod\|china/],
    [90038, /lives in another national cloud/, /--cloud/],
    [500011, /no Dataverse environment at https:\/\/contoso\.crm4\.dynamics\.com/, /Power Platform admin center/],
    [700027, /does not match any certificate registered/, /rotate-secret/],
    [7000112, /is disabled in tenant/, /Enterprise applications/],
    [53003, /Conditional Access policy blocked/, /Sign-in logs/],
  ];
  for (const [code, cause, fix] of cases) {
    const diagnosis = diagnose(entra(code), context());
    assert.equal(diagnosis.code, `AADSTS${code}`);
    assert.match(diagnosis.cause, cause, String(code));
    assert.match(diagnosis.fix, fix, String(code));
    assert.equal(diagnosis.auth, true);
  }
});

test('7000215: a GUID is the secret ID; the profile keyId itself is said without hedging', () => {
  assert.match(
    diagnose(entra(7000215), context({ credential: { type: 'secret', secretLooksLikeId: true } })).cause,
    /secret's ID \(a GUID\) was used instead of its value/,
  );
  assert.match(
    diagnose(entra(7000215), context({ credential: { type: 'secret', secretLooksLikeId: true, secretIsKeyId: true } })).cause,
    /^The secret's ID was used instead of its value/,
  );
  const byHand = diagnose(entra(7000215), context({ profile: undefined }));
  assert.match(byHand.fix, /App registrations > Certificates & secrets/);
});

test('700027 with an expired certificate says it expired', () => {
  const diagnosis = diagnose(
    entra(700027, 'AADSTS700027: Client assertion failed signature validation. [Reason - The key used is expired.]'),
    context({ credential: { type: 'certificate', thumbprint: 'AB12' } }),
  );
  assert.equal(diagnosis.cause, 'The certificate (thumbprint AB12) has expired.');
});

test('Dataverse refusals: no application user, missing privilege, disabled user, admin policy, throttling, outage', () => {
  const notMember = diagnose(dataverse(403, '0x80072560', 'The user is not a member of the organization.'), context());
  assert.match(notMember.cause, /no application user in contoso\.crm4\.dynamics\.com/);
  assert.equal(
    notMember.fix,
    'dynauth init --environment https://contoso.crm4.dynamics.com --app-name "acme-sync" --profile sales creates it.',
  );
  assert.equal(notMember.auth, true);

  const privilege = diagnose(
    dataverse(
      403,
      '0x80040220',
      "Principal user (Id=1, type=8), is missing prvWriteLead privilege (Id=2) on OTC=4 for entity 'lead'. context.Caller=1",
    ),
    context(),
  );
  assert.equal(privilege.cause, 'The application user in contoso.crm4.dynamics.com lacks prvWriteLead on table lead.');
  assert.match(privilege.fix, /contact-center preset grants it: dynauth init .* --role-preset contact-center/);
  assert.equal(privilege.auth, false);
  const userRead = diagnose(
    dataverse(403, '0x80040220', "is missing prvReadUser privilege (Id=2) on OTC=8 for entity 'systemuser'."),
    context(),
  );
  assert.match(userRead.fix, /built-in role "Basic User" grants it: .*--role "Basic User"/);

  assert.match(diagnose(dataverse(403, '0x80040225', 'disabled'), context()).cause, /application user .* is disabled/);
  const policy = diagnose(dataverse(403, '0x80095ffc', 'Access denied by policy.'), context());
  assert.match(policy.cause, /An admin policy of contoso\.crm4\.dynamics\.com blocks this app/);
  assert.equal(policy.auth, true);

  const throttled = diagnose(
    dataverse(429, '0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.'),
    context({ retryAfterSeconds: 42 }),
  );
  assert.match(throttled.cause, /service protection limits .*6000/);
  assert.match(throttled.fix, /Wait for 42 s/);
  assert.match(diagnose(dataverse(503, '0x80040216'), context()).cause, /temporarily unavailable \(HTTP 503\)/);
});

test('Dataverse 401: another audience, an expired token, or unknown', () => {
  const audience = diagnose(dataverse(401, ''), context({ token: { aud: 'https://fabrikam.crm.dynamics.com' } }));
  assert.match(
    audience.cause,
    /issued for another audience \(https:\/\/fabrikam\.crm\.dynamics\.com\), not for https:\/\/contoso\.crm4\.dynamics\.com/,
  );
  const expired = diagnose(
    dataverse(401, ''),
    context({ token: { aud: 'https://contoso.crm4.dynamics.com', exp: now.getTime() / 1000 - 5 } }),
  );
  assert.match(expired.cause, /had expired/);
  assert.match(diagnose(dataverse(401, ''), context()).cause, /bad, expired or wrong-audience token/);
});

test('network failures are named, the proxy without its credentials', () => {
  assert.equal(proxyInUse({ HTTPS_PROXY: 'http://user:pa55@proxy.corp:3128' }), 'proxy.corp:3128');
  assert.equal(proxyInUse({}), undefined);
  const refused = diagnose(new NetworkError('refused', 'login.microsoftonline.com', undefined), context({ proxy: 'proxy.corp:3128' }));
  assert.match(refused.cause, /The proxy proxy\.corp:3128 \(HTTPS_PROXY\) refused/);
  assert.doesNotMatch(refused.cause + refused.fix, /pa55/);
  assert.match(diagnose(new NetworkError('timeout', 'x', undefined), context({ timeoutMs: 5000 })).cause, /did not answer within 5 s/);
  // @azure/identity wraps network errors; the code is found in the cause chain or the message.
  const wrapped = Object.assign(new Error('request failed'), {
    cause: Object.assign(new Error('getaddrinfo ENOTFOUND login.example'), { code: 'ENOTFOUND' }),
  });
  assert.equal(findNetworkCause(wrapped)?.failure, 'dns');
  assert.equal(
    findNetworkCause(new Error('self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN) https://login.example/x'))
      ?.failure,
    'tls',
  );
});

test('storage failures: missing item, keychain unavailable, wrong passphrase', () => {
  const missing = diagnose(new KeychainItemMissing('dynauth', 'sales', 'gone'), context());
  assert.equal(missing.code, 'keychain-missing');
  assert.match(missing.fix, /Re-run dynauth init .*--profile sales.*dynauth rotate-secret --profile sales/);
  assert.equal(diagnose(new KeychainUnavailableError('locked', { reason: 'locked', hint: 'Unlock it.' }), context()).fix, 'Unlock it.');
  assert.match(diagnose(new DecryptionFailedError('x', 'y'), context()).cause, /passphrase is wrong/);
});

test('expiry: error once expired, warning under 30 days, unknown for a secret given by hand', () => {
  const ctx = { profile: 'sales', credential: { type: 'secret' as const } };
  assert.equal(checkExpiry({ type: 'secret', expiresOn: '2026-05-31T00:00:00Z' }, now, ctx).check.status, 'fail');
  const soon = checkExpiry({ type: 'secret', expiresOn: '2026-06-20T00:00:00Z' }, now, ctx);
  assert.equal(soon.check.status, 'warn');
  assert.equal(soon.daysLeft, 19);
  assert.equal(checkExpiry({ type: 'secret', expiresOn: '2026-08-20T00:00:00Z' }, now, ctx).check.status, 'pass');
  assert.equal(checkExpiry({ type: 'secret' }, now, ctx).check.status, 'skip');
});

test('exit code: 0 all passed (warnings too), 4 when a failure is about authentication, else 1', () => {
  const report = (...checks: ConnectionReport['checks']) => ({ checks }) as ConnectionReport;
  const auth = { code: 'x', cause: '', fix: '', auth: true };
  const other = { ...auth, auth: false };
  assert.equal(exitCodeOf([report({ id: 'expiry', status: 'warn', summary: '' })]), 0);
  assert.equal(exitCodeOf([report({ id: 'whoami', status: 'fail', summary: '', diagnosis: other })]), 1);
  assert.equal(
    exitCodeOf([
      report({ id: 'whoami', status: 'fail', summary: '', diagnosis: other }),
      report({ id: 'token', status: 'fail', summary: '', diagnosis: auth }),
    ]),
    4,
  );
});
