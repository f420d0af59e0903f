// The checks behind `dynauth test-connection` (and `status --check`): credential, expiry, token,
// WhoAmI, privileges. Each failure is diagnosed; nothing here prints.
import { createAppCredential, type AppSecret } from '../auth/app-credential.ts';
import { unansweredFailure } from '../auth/token-error.ts';
import { createDataverseApi } from '../clients/dataverse.ts';
import { dataverseScope, type Cloud } from '../clouds.ts';
import type { Deps } from '../deps.ts';
import { createHttp } from '../http/http.ts';
import { NetworkError } from '../http/network-error.ts';
import { isGuid } from '../util/guid.ts';
import { authorityFailure, isEndpointResolutionError } from '../auth/authority-failure.ts';
import { checkExpiry } from './test-connection-expiry.ts';
import type { CheckId, CheckRecorder, CheckStatus, ConnectionReport, ConnectionSubject } from './connection-report.ts';
import { diagnose } from './diagnose.ts';
import type { DiagnosisContext } from './diagnosis.ts';
import { proxyInUse } from './diagnose-network.ts';
import { checkPrivileges, checkReads } from './test-connection-dataverse.ts';
import { observing, tokenClaims, withTimeout } from './test-connection-http.ts';

const ORDER: CheckId[] = ['credential', 'expiry', 'token', 'whoami', 'privileges', 'expected-privileges', 'read'];

export async function testConnection(
  deps: Pick<Deps, 'fetch' | 'clock' | 'cancellation' | 'env' | 'ui'>,
  cloud: Cloud,
  subject: ConnectionSubject,
  options: { timeoutMs: number; readTables?: string[] },
): Promise<ConnectionReport> {
  const now = deps.clock.now();
  const ctx: DiagnosisContext = {
    profile: subject.profile,
    appName: subject.appName,
    tenant: subject.tenant,
    clientId: subject.clientId,
    environmentUrl: subject.environmentUrl,
    cloud: cloud.name,
    credential: { ...subject.credential },
    proxy: proxyInUse(deps.env),
    timeoutMs: options.timeoutMs,
    now,
  };
  const report: ConnectionReport = {
    ok: false,
    profile: subject.profile,
    tenantId: subject.tenant,
    clientId: subject.clientId,
    environment: subject.environmentUrl,
    credential: { ...subject.credential },
    applicationUserId: undefined,
    businessUnitId: undefined,
    organizationId: undefined,
    roles: { names: subject.recordedRoles, source: 'profile' },
    privileges: [],
    latency: {},
    checks: [],
  };
  const pass = (id: CheckId, summary: string, status: CheckStatus = 'pass') => report.checks.push({ id, status, summary });
  const fail = (id: CheckId, summary: string, error: unknown) => {
    if (deps.cancellation.signal.aborted) throw error;
    ctx.now = deps.clock.now();
    report.checks.push({ id, status: 'fail', summary, diagnosis: diagnose(error, ctx) });
    return finish(report);
  };
  const elapsed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const started = deps.clock.now().getTime();
    const value = await work();
    return [value, deps.clock.now().getTime() - started];
  };

  let secret: AppSecret;
  try {
    secret = await subject.loadSecret();
  } catch (error) {
    return fail('credential', 'could not read the stored credential', error);
  }
  if (secret.kind === 'secret') {
    ctx.credential.secretLooksLikeId = isGuid(secret.clientSecret.trim(), { braces: true });
    ctx.credential.secretIsKeyId = subject.credential.keyId !== undefined && secret.clientSecret.trim().toLowerCase() === subject.credential.keyId.toLowerCase();
  }
  pass('credential', `${secret.kind === 'secret' ? 'client secret' : 'certificate'}${subject.profile ? ' read from the store' : ' given by hand'}`);
  const expiry = checkExpiry(subject.credential, now, ctx);
  report.credential.daysLeft = expiry.daysLeft;
  report.checks.push(expiry.check);

  let token: string;
  let unanswered: NetworkError | undefined;
  try {
    const watch = { trace: (line: string) => deps.ui.verbose(line), onNetwork: (failure: NetworkError | undefined) => (unanswered = failure) };
    const credential = await createAppCredential(cloud, subject.tenant, subject.clientId, secret, watch);
    const request = credential.getToken(dataverseScope(subject.environmentUrl), { abortSignal: deps.cancellation.signal });
    [token, report.latency.tokenMs] = await elapsed(async () => {
      // MSAL does not abort its requests, so the time-out races them.
      const result = await withTimeout(request, options.timeoutMs, () => new NetworkError('timeout', new URL(cloud.authorityHost).host, undefined));
      if (!result) throw new Error('Entra returned no token');
      return result.token;
    });
  } catch (error) {
    const explained = isEndpointResolutionError(error) ? await authorityFailure(deps.fetch, cloud, subject.tenant, options.timeoutMs) : undefined;
    const cause = error instanceof NetworkError ? error : (unansweredFailure(error, unanswered) ?? error);
    return fail('token', 'Entra did not issue a token', explained ?? cause);
  }
  pass('token', `token for ${new URL(subject.environmentUrl).origin}/.default in ${report.latency.tokenMs} ms`);
  ctx.token = tokenClaims(token);

  // A throttled test waits what Dataverse asks, but never longer than --timeout in all.
  const budget = {
    ms: options.timeoutMs,
    source: `--timeout (${Math.round(options.timeoutMs / 1000)} s)`,
    hint: (neededMs: number) => `Test again later, or allow longer with --timeout ${Math.ceil(neededMs / 1000) + 5}s.`,
  };
  const http = observing(
    createHttp({ fetch: deps.fetch, clock: deps.clock, signal: deps.cancellation.signal, trace: (line) => deps.ui.verbose(line), timeoutMs: options.timeoutMs, maxAttempts: 3, maxDelayMs: 5000, budget, serviceName: () => 'Dataverse' }),
    ctx,
  );
  const dataverse = createDataverseApi(subject.environmentUrl, http, async () => token, 'app');
  try {
    const [whoAmI, ms] = await elapsed(() => dataverse.whoAmI());
    report.latency.webApiMs = ms;
    report.applicationUserId = whoAmI.UserId;
    report.businessUnitId = whoAmI.BusinessUnitId;
    report.organizationId = whoAmI.OrganizationId;
  } catch (error) {
    return fail('whoami', 'WhoAmI failed', error);
  }
  const moved = subject.recordedApplicationUserId && subject.recordedApplicationUserId.toLowerCase() !== report.applicationUserId!.toLowerCase();
  pass(
    'whoami',
    `application user ${report.applicationUserId} in ${report.latency.webApiMs} ms${moved ? ` (the profile recorded ${subject.recordedApplicationUserId}; re-run dynauth init to refresh it)` : ''}`,
    moved ? 'warn' : 'pass',
  );
  const checks: CheckRecorder = { pass, fail };
  if (await checkPrivileges(dataverse, subject, report, ctx, checks)) await checkReads(dataverse, options.readTables ?? [], checks);
  return finish(report);
}

/** Lists every check (those not reached as skipped) and settles ok. */
function finish(report: ConnectionReport): ConnectionReport {
  for (const id of ORDER) {
    if (!report.checks.some((check) => check.id === id)) report.checks.push({ id, status: 'skip', summary: 'not run: an earlier check failed' });
  }
  report.checks.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
  report.ok = report.checks.every((check) => check.status !== 'fail');
  return report;
}

/** 1 all passed, 4 when a failure is about authentication, else 1. */
export function exitCodeOf(reports: ConnectionReport[]): 0 | 1 | 4 {
  const failures = reports.flatMap((r) => r.checks).filter((check) => check.status === 'fail');
  if (!failures.length) return 0;
  return failures.some((check) => check.diagnosis?.auth) ? 4 : 1;
}
