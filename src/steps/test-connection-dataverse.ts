// The Dataverse checks of a connection test: WhoAmI, effective privileges against the expected ones, and reads.
import { ApiError } from '../clients/api-error.ts';
import { createDataverseApi, MISSING_PRIVILEGE, type DataverseApi } from '../clients/dataverse.ts';
import type { DiagnosisContext } from './diagnosis.ts';
import { grantFix } from './diagnose-dataverse.ts';
import { whoAmIUserId, type CheckRecorder, type ConnectionReport, type ConnectionSubject } from './connection-report.ts';
import { observing } from './test-connection-http.ts';
import { checkHttp, timed, type CheckRun } from './test-connection-run.ts';

/** Dataverse as the app, with the token; what its answers say in their headers goes to the diagnosis. */
export function dataverseAsApp(run: CheckRun, token: string): DataverseApi {
  const http = observing(checkHttp(run, 'Dataverse'), run.ctx);
  return createDataverseApi(run.subject.environmentUrl, http, async () => token, 'app');
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
  compareExpectedPrivileges(names, subject, report, pass, (missing) => ({
    cause: `The application user lacks ${missing.join(', ')}.`,
    fix: grantFix(missing[0], ctx),
  }));
}

/** The privileges held against the ones the setup expects: recorded in the report, a failed check naming the missing ones. */
export function compareExpectedPrivileges(
  held: Set<string>,
  subject: Pick<ConnectionSubject, 'expectedPrivileges'>,
  report: ConnectionReport,
  pass: CheckRecorder['pass'],
  whenMissing: (missing: string[]) => { cause: string; fix: string },
): void {
  const expected = subject.expectedPrivileges;
  report.privileges = expected.map((name) => ({ name, present: held.has(name) }));
  const missing = report.privileges.filter((p) => !p.present).map((p) => p.name);
  if (!expected.length) pass('expected-privileges', 'none recorded for this setup', 'skip');
  else if (!missing.length) pass('expected-privileges', `all ${expected.length} expected privileges present`);
  else
    report.checks.push({
      id: 'expected-privileges',
      status: 'fail',
      summary: `${missing.length} of ${expected.length} expected privileges missing`,
      diagnosis: { code: 'missing-privileges', ...whenMissing(missing), auth: false },
    });
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
