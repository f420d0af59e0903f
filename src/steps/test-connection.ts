// The checks behind `dynauth test-connection` (and `status --check`): credential, expiry, token,
// WhoAmI, privileges. Each failure is diagnosed; nothing here prints.
import type { Cloud } from '../clouds.ts';
import { taskGraph } from '../util/task-graph.ts';
import { checkExpiry } from './test-connection-expiry.ts';
import type { CheckId, ConnectionReport, ConnectionSubject, DelegatedSubject } from './connection-report.ts';
import type { DelegatedDiagnosisFacts, DiagnosisContext } from './diagnosis.ts';
import { runDelegatedChecks } from './test-connection-delegated.ts';
import { federatedTokenExpiry } from './federated-subject.ts';
import { proxyInUse } from './diagnose-network.ts';
import { checkPrivileges, checkReads, checkWhoAmI, dataverseAsApp } from './test-connection-dataverse.ts';
import { checkCredential, checkToken } from './test-connection-entra.ts';
import { CheckFailed, checkRecorder, type CheckRun, type TestDeps } from './test-connection-run.ts';

const ORDER: CheckId[] = ['credential', 'expiry', 'token', 'whoami', 'privileges', 'expected-privileges', 'read'];

export async function testConnection(
  deps: TestDeps,
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
    ...(subject.credential ? { credential: { ...subject.credential } } : {}),
    proxy: proxyInUse(deps.env),
    timeoutMs: options.timeoutMs,
    now,
    ...(subject.delegated ? { delegated: delegatedFacts(subject.delegated) } : {}),
    // The same object the subject fills in with the token's claims once it has read the token.
    ...(subject.federation ? { federation: subject.federation } : {}),
  };
  const report = emptyReport(subject);
  const run: CheckRun = { deps, cloud, subject, timeoutMs: options.timeoutMs, ctx, report, checks: checkRecorder(deps, report, ctx) };
  try {
    await (subject.delegated
      ? runDelegatedChecks(run, subject.delegated, options.readTables ?? [])
      : runAppChecks(run, options.readTables ?? []));
  } catch (error) {
    if (!(error instanceof CheckFailed)) throw error;
  }
  return finish(report);
}

/** The app signs in as itself (client credentials) and Dataverse answers as its application user. */
async function runAppChecks(run: CheckRun, readTables: string[]): Promise<void> {
  const { subject, ctx, report } = run;
  // Each check runs once what it names has passed; a failed one ends the test.
  const checks = taskGraph()
    .task('secret', [], () => checkCredential(run))
    .task('expiry', ['secret'], () => {
      if (subject.federation) return void report.checks.push(federatedTokenExpiry(subject.federation, ctx.now));
      if (!subject.credential) return;
      const expiry = checkExpiry(subject.credential, ctx.now, ctx);
      if (report.credential) report.credential.daysLeft = expiry.daysLeft;
      report.checks.push(expiry.check);
    })
    .task('token', ['secret'], ({ secret }) => checkToken(run, secret))
    .task('dataverse', ['token'], ({ token }) => dataverseAsApp(run, token))
    .task('whoAmI', ['dataverse'], ({ dataverse }) => checkWhoAmI(run, dataverse))
    .task('privileges', ['dataverse', 'whoAmI'], ({ dataverse }) => checkPrivileges(dataverse, subject, report, ctx, run.checks))
    .task('reads', ['dataverse', 'privileges'], ({ dataverse }) => checkReads(dataverse, readTables, run.checks));
  await checks.run();
}

function delegatedFacts(delegated: DelegatedSubject): DelegatedDiagnosisFacts {
  return {
    publicClient: delegated.publicClient,
    ...(delegated.user ? { user: delegated.user.userPrincipalName } : {}),
    ...(delegated.lastRedeemedOn ? { lastRedeemedOn: delegated.lastRedeemedOn } : {}),
  };
}

function emptyReport(subject: ConnectionSubject): ConnectionReport {
  return {
    ok: false,
    profile: subject.profile,
    tenantId: subject.tenant,
    clientId: subject.clientId,
    environment: subject.environmentUrl,
    ...(subject.credential ? { credential: { ...subject.credential } } : {}),
    ...(subject.federation ? { federation: subject.federation } : {}),
    ...(subject.delegated ? { userId: undefined } : { applicationUserId: undefined }),
    businessUnitId: undefined,
    organizationId: undefined,
    roles: { names: subject.recordedRoles, source: 'profile' },
    privileges: [],
    latency: {},
    checks: [],
  };
}

/** Lists every check (those not reached as skipped) and settles ok. */
function finish(report: ConnectionReport): ConnectionReport {
  for (const id of ORDER) {
    if (!report.checks.some((check) => check.id === id))
      report.checks.push({ id, status: 'skip', summary: 'not run: an earlier check failed' });
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
