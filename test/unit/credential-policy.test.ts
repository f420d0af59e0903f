import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DynauthError, ExitCode, UsageError } from '../../src/cli/errors.ts';
import { ApiError } from '../../src/clients/api-error.ts';
import type { AppManagementPolicy, PasswordRestriction } from '../../src/clients/graph.ts';
import { secretLifetimeUnder, secretRefusal, secretRules, type PolicyReads } from '../../src/steps/credential-policy.ts';
import { isoDurationMs } from '../../src/util/iso-duration.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const TENANT_ID = '00000000-0000-0000-0000-000000000000';
const HINTS = { blocked: 'use a certificate', tooLong: 'shorter' };

function policy(
  id: string,
  passwordCredentials: PasswordRestriction[],
  isEnabled = true,
  displayName: string | null = null,
): AppManagementPolicy {
  return { id, displayName, isEnabled, passwordCredentials };
}

function reads(tenant: AppManagementPolicy | 'refused', app?: AppManagementPolicy[] | 'refused'): PolicyReads {
  return {
    tenant: tenant === 'refused' ? { known: false } : { known: true, value: tenant },
    app: app === undefined ? undefined : app === 'refused' ? { known: false } : { known: true, value: app },
  };
}

const request = (days: number, chosen: boolean) => ({
  days,
  chosen,
  flag: '--secret-expiry',
  blocked: { hint: 'use a certificate', usage: true },
});

test('isoDurationMs reads Graph durations, and nothing else', () => {
  assert.equal(isoDurationMs('P90D'), 90 * 86_400_000);
  assert.equal(isoDurationMs('P4DT12H30M5S'), ((4 * 24 + 12) * 60 + 30) * 60_000 + 5000);
  assert.equal(isoDurationMs('PT36H'), 36 * 3_600_000);
  for (const bad of ['', 'P', 'PT', '90D', 'P1Y', 'P1M', 'P-1D', 'P1DT']) assert.equal(isoDurationMs(bad), undefined, bad);
});

test('secretRules: the enabled tenant default binds; a disabled one, or a disabled restriction, binds nothing', () => {
  const cap = policy(TENANT_ID, [
    { restrictionType: 'passwordLifetime', maxLifetime: 'P90DT23H' },
    { restrictionType: 'symmetricKeyAddition' },
  ]);
  assert.deepEqual(secretRules(reads(cap), undefined, NOW), {
    known: true,
    maxDays: 90,
    cappedBy: { id: TENANT_ID, displayName: null, scope: 'tenant' },
  });
  assert.deepEqual(secretRules(reads({ ...cap, isEnabled: false }), undefined, NOW), { known: true });
  const off = policy(TENANT_ID, [{ restrictionType: 'passwordAddition', state: 'disabled' }]);
  assert.deepEqual(secretRules(reads(off), undefined, NOW), { known: true });
});

test('secretRules: restrictForAppsCreatedAfterDateTime exempts an older app, not one created on or after it, nor a new one', () => {
  const since = '2026-06-01T00:00:00Z';
  const blocked = policy(TENANT_ID, [{ restrictionType: 'passwordAddition', restrictForAppsCreatedAfterDateTime: since }]);
  assert.equal(secretRules(reads(blocked, []), { createdDateTime: '2025-01-01T00:00:00Z' }, NOW).blockedBy, undefined);
  assert.equal(secretRules(reads(blocked, []), { createdDateTime: since }, NOW).blockedBy?.id, TENANT_ID);
  assert.equal(secretRules(reads(blocked), undefined, NOW).blockedBy?.id, TENANT_ID, 'an app made now');
  const future = policy(TENANT_ID, [{ restrictionType: 'passwordAddition', restrictForAppsCreatedAfterDateTime: '2027-01-01T00:00:00Z' }]);
  assert.equal(secretRules(reads(future), undefined, NOW).blockedBy, undefined, 'not yet in force');
});

test("secretRules: the app's own enabled policy replaces the default; a disabled one leaves the default; refused reads are unknown", () => {
  const tenant = policy(TENANT_ID, [{ restrictionType: 'passwordAddition' }]);
  const own = policy('b1', [{ restrictionType: 'passwordLifetime', maxLifetime: 'P30D' }], true, 'Exempt');
  assert.deepEqual(secretRules(reads(tenant, [own]), { createdDateTime: '2025-01-01T00:00:00Z' }, NOW), {
    known: true,
    maxDays: 30,
    cappedBy: { id: 'b1', displayName: 'Exempt', scope: 'app' },
  });
  assert.equal(secretRules(reads(tenant, [{ ...own, isEnabled: false }]), undefined, NOW).blockedBy?.id, TENANT_ID);
  assert.equal(secretRules(reads('refused', [own]), undefined, NOW).known, true, "the app's own policy is enough");
  assert.deepEqual(secretRules(reads('refused', []), undefined, NOW), { known: false });
  assert.deepEqual(secretRules(reads('refused'), undefined, NOW), { known: false });
  assert.deepEqual(secretRules(reads(tenant, 'refused'), undefined, NOW), { known: false }, 'an app policy may override the default');
});

test('secretLifetimeUnder: a chosen lifetime over the cap is a usage error, the default is lowered with a note, a block is named', () => {
  const capped = secretRules(reads(policy(TENANT_ID, [{ restrictionType: 'passwordLifetime', maxLifetime: 'P90D' }])), undefined, NOW);
  assert.deepEqual(secretLifetimeUnder(capped, request(60, true)), { days: 60 });
  assert.deepEqual(secretLifetimeUnder(capped, request(180, false)), {
    days: 90,
    note: "the tenant's app-management policy allows at most 90 days",
  });
  assert.throws(
    () => secretLifetimeUnder(capped, request(91, true)),
    (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.exitCode, ExitCode.usage);
      assert.match(
        error.message,
        /--secret-expiry is 91 days, but the tenant's default app-management policy \(0{8}-.*\) allows client secrets at most 90 days/,
      );
      assert.equal(error.hint, 'Pass --secret-expiry 90 or less.');
      return true;
    },
  );
  const blocked = secretRules(reads(policy(TENANT_ID, [{ restrictionType: 'passwordAddition' }], true, 'No secrets')), undefined, NOW);
  assert.throws(
    () => secretLifetimeUnder(blocked, request(30, false)),
    (error: unknown) => error instanceof UsageError && /"No secrets" \(0{8}-/.test(error.message) && error.hint === 'use a certificate',
  );
  assert.throws(
    () => secretLifetimeUnder(blocked, { ...request(30, false), blocked: { hint: 'x', usage: false } }),
    (error: unknown) => error instanceof DynauthError && !(error instanceof UsageError) && error.exitCode === ExitCode.failure,
  );
  assert.deepEqual(secretLifetimeUnder({ known: false }, request(700, true)), { days: 700 }, 'unknown: Graph decides');
});

test("secretRefusal: Graph's two policy codes become errors naming the policy; anything else is left alone", () => {
  const refusal = (code: string, message: string) =>
    new ApiError({ service: 'graph', status: 400, remoteCode: code, remoteMessage: message, message: 'Could not add a client secret' });
  const blocked = secretRefusal(
    refusal(
      'CredentialTypeNotAllowedAsPerAppPolicy',
      "Credential type not allowed as per assigned policy '538f1913-366a-440a-95a0-e195cb55b282'.",
    ),
    180,
    HINTS,
  );
  assert.ok(blocked instanceof DynauthError && blocked.exitCode === ExitCode.failure);
  assert.match(blocked.message, /app-management policy 538f1913-366a-440a-95a0-e195cb55b282 does not allow client secrets/);
  assert.equal(blocked.hint, 'use a certificate');
  // Reported without quotes too (CIPP-API PR 1970).
  const tooLong = secretRefusal(
    refusal(
      'CredentialInvalidLifetimeAsPerAppPolicy',
      'Credential lifetime exceeds the max value allowed as per assigned policy 538f1913-366a-440a-95a0-e195cb55b282',
    ),
    365,
    HINTS,
  );
  assert.match(
    tooLong!.message,
    /a client secret valid 365 days: app-management policy 538f1913-366a-440a-95a0-e195cb55b282 allows client secrets a shorter life/,
  );
  assert.equal(tooLong!.hint, 'shorter');
  assert.equal(secretRefusal(refusal('Request_BadRequest', 'nope'), 1, HINTS), undefined);
  assert.equal(secretRefusal(new Error('network'), 1, HINTS), undefined);
});
