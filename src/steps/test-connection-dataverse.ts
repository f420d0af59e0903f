// The Dataverse checks after WhoAmI: effective privileges against the expected ones, and reads.
import { ApiError } from '../clients/api-error.ts';
import { MISSING_PRIVILEGE, type DataverseApi } from '../clients/dataverse.ts';
import type { DiagnosisContext } from './diagnosis.ts';
import { grantFix } from './diagnose-dataverse.ts';
import type { CheckRecorder, ConnectionReport, ConnectionSubject } from './connection-report.ts';

/** True when the privileges could be read (so later checks make sense). */
export async function checkPrivileges(
  dataverse: DataverseApi,
  subject: ConnectionSubject,
  report: ConnectionReport,
  ctx: DiagnosisContext,
  { pass, fail }: CheckRecorder,
): Promise<boolean> {
  const [held, user] = await Promise.allSettled([dataverse.retrieveUserPrivileges(report.applicationUserId!), dataverse.findApplicationUser(subject.clientId)]);
  if (user.status === 'fulfilled' && user.value) report.roles = { names: user.value.systemuserroles_association.map((r) => r.name).sort(), source: 'dataverse' };
  if (held.status === 'rejected' && cannotReadOwnPrivileges(held.reason)) {
    // The connection works; only listing its own privileges needs prvReadUser, which the
    // least-privilege presets do not grant. Said as a warning, the rest still runs.
    report.checks.push({
      id: 'privileges',
      status: 'warn',
      summary: `the app may not list its own privileges (its roles grant no ${/prvReadRole/.test(held.reason.remoteMessage) ? 'prvReadRole, which naming them needs' : 'prvReadUser'}), so they were not checked`,
    });
    pass('expected-privileges', 'not verifiable without prvReadUser; dynauth init checks them as the admin', 'skip');
    return true;
  }
  if (held.status === 'rejected') {
    fail('privileges', 'RetrieveUserPrivileges failed', held.reason);
    return false;
  }
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
      diagnosis: { code: 'missing-privileges', cause: `The application user lacks ${missing.join(', ')}.`, fix: grantFix(missing[0], ctx), auth: false },
    });
  } else {
    pass('expected-privileges', `all ${subject.expectedPrivileges.length} expected privileges present`);
  }
  return true;
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
      fail('read', `could not read ${table}`, error);
      return;
    }
  }
  pass('read', `read ${tables.join(', ')}`);
}

/** RetrieveUserPrivileges needs prvReadUser; naming rows that come without PrivilegeName reads `privileges` (prvReadRole). */
function cannotReadOwnPrivileges(error: unknown): error is ApiError {
  return error instanceof ApiError && error.remoteCode === MISSING_PRIVILEGE && /prvRead(User|Role)\b/.test(error.remoteMessage);
}
