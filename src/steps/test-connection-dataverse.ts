// The Dataverse checks of a connection test: WhoAmI, effective privileges against the expected ones, and reads.
import { ApiError } from '../clients/api-error.ts';
import { createDataverseApi, MISSING_PRIVILEGE, type DataverseApi } from '../clients/dataverse.ts';
import { createHttp } from '../http/http.ts';
import { timeoutFlagBudget } from '../http/retry-wait.ts';
import type { DiagnosisContext } from './diagnosis.ts';
import { grantFix } from './diagnose-dataverse.ts';
import { whoAmIUserId, type CheckRecorder, type ConnectionReport, type ConnectionSubject } from './connection-report.ts';
import { observing } from './test-connection-http.ts';
import { timed, type CheckRun } from './test-connection-run.ts';

/** Dataverse as the app, with the token; what its answers say in their headers goes to the diagnosis. */
export function dataverseAsApp({ deps, subject, timeoutMs, ctx }: CheckRun, token: string): DataverseApi {
  const http = observing(
    createHttp({
      fetch: deps.fetch,
      clock: deps.clock,
      signal: deps.cancellation.signal,
      trace: (line) => deps.ui.verbose(line),
      timeoutMs,
      maxAttempts: 3,
      maxDelayMs: 5000,
      budget: timeoutFlagBudget(timeoutMs), // a throttled test waits what Dataverse asks, within --timeout
      serviceName: () => 'Dataverse',
    }),
    ctx,
  );
  return createDataverseApi(subject.environmentUrl, http, async () => token, 'app');
}

export async function checkWhoAmI({ deps, subject, report, checks }: CheckRun, dataverse: DataverseApi): Promise<void> {
  try {
    const [whoAmI, ms] = await timed(deps, () => dataverse.whoAmI());
    report.latency.webApiMs = ms;
    report[subject.delegated ? 'userId' : 'applicationUserId'] = whoAmI.UserId;
    report.businessUnitId = whoAmI.BusinessUnitId;
    report.organizationId = whoAmI.OrganizationId;
  } catch (error) {
    return checks.fail('whoami', 'WhoAmI failed', error);
  }
  const userId = whoAmIUserId(report)!;
  const moved = subject.recordedApplicationUserId && subject.recordedApplicationUserId.toLowerCase() !== userId.toLowerCase();
  const upn = subject.delegated?.user?.userPrincipalName;
  checks.pass(
    'whoami',
    `${subject.delegated ? 'user' : 'application user'} ${userId}${upn ? ` (${upn})` : ''} in ${report.latency.webApiMs} ms${moved ? ` (the profile recorded ${subject.recordedApplicationUserId}; re-run dynauth init to refresh it)` : ''}`,
    moved ? 'warn' : 'pass',
  );
}

/** Once it returns, the privileges could be read or need not be (so the reads make sense). */
export async function checkPrivileges(
  dataverse: DataverseApi,
  subject: ConnectionSubject,
  report: ConnectionReport,
  ctx: DiagnosisContext,
  { pass, fail }: CheckRecorder,
): Promise<void> {
  const [held, user] = await Promise.allSettled([
    dataverse.retrieveUserPrivileges(whoAmIUserId(report)!),
    dataverse.findApplicationUser(subject.clientId),
  ]);
  if (user.status === 'fulfilled' && user.value)
    report.roles = { names: user.value.systemuserroles_association.map((r) => r.name).sort(), source: 'dataverse' };
  if (held.status === 'rejected' && cannotReadOwnPrivileges(held.reason)) {
    // The connection works; only listing its own privileges needs prvReadUser, which the
    // least-privilege presets do not grant. Said as a warning, the rest still runs.
    report.checks.push({
      id: 'privileges',
      status: 'warn',
      summary: `the app may not list its own privileges (its roles grant no ${/prvReadRole/.test(held.reason.remoteMessage) ? 'prvReadRole, which naming them needs' : 'prvReadUser'}), so they were not checked`,
    });
    pass('expected-privileges', 'not verifiable without prvReadUser; dynauth init checks them as the admin', 'skip');
    return;
  }
  if (held.status === 'rejected') return fail('privileges', 'RetrieveUserPrivileges failed', held.reason);
  const names = new Set(held.value.map((p) => p.PrivilegeName));
  pass('privileges', `${names.size} privileges held`);
  report.privileges = subject.expectedPrivileges.map((name) => ({ name, present: names.has(name) }));
  const missing = report.privileges.filter((p) => !p.present).map((p) => p.name);
  if (!subject.expectedPrivileges.length) {
    pass('expected-privileges', 'none recorded for this setup', 'skip');
  } else if (missing.length) {
    report.checks.push({
      id: 'expected-privileges',
      status: 'fail',
      summary: `${missing.length} of ${subject.expectedPrivileges.length} expected privileges missing`,
      diagnosis: {
        code: 'missing-privileges',
        cause: `The application user lacks ${missing.join(', ')}.`,
        fix: grantFix(missing[0], ctx),
        auth: false,
      },
    });
  } else {
    pass('expected-privileges', `all ${subject.expectedPrivileges.length} expected privileges present`);
  }
}

export async function checkReads(dataverse: DataverseApi, tables: string[], { pass, fail }: CheckRecorder): Promise<void> {
  if (!tables.length) {
    pass('read', 'no table asked for (--read <table>)', 'skip');
    return;
  }
  for (const table of tables) {
    try {
      await dataverse.readTable(table);
    } catch (error) {
      return fail('read', `could not read ${table}`, error);
    }
  }
  pass('read', `read ${tables.join(', ')}`);
}

/** RetrieveUserPrivileges needs prvReadUser; naming rows that come without PrivilegeName reads `privileges` (prvReadRole). */
function cannotReadOwnPrivileges(error: unknown): error is ApiError {
  return error instanceof ApiError && error.remoteCode === MISSING_PRIVILEGE && /prvRead(User|Role)\b/.test(error.remoteMessage);
}
