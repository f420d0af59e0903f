// The connection test of a delegated profile: the stored refresh token (and client secret) read,
// the secret's expiry and the refresh token's 90-day inactivity window, the token redeemed as the
// integration account (the rotated one stored at once), then WhoAmI and the user's privileges.
import { ApiError } from '../clients/api-error.ts';
import { MISSING_PRIVILEGE, type DataverseApi, type UserPrivilege } from '../clients/dataverse.ts';
import type { DelegatedLogin } from '../connection/delegated-session.ts';
import { taskGraph } from '../util/task-graph.ts';
import type { DelegatedSubject } from './connection-report.ts';
import { checkReads, checkWhoAmI, compareExpectedPrivileges, dataverseAsApp } from './test-connection-dataverse.ts';
import { checkExpiry, WARN_DAYS } from './test-connection-expiry.ts';
import { tokenClaims } from './test-connection-http.ts';
import { checkHttp, timed, type CheckRun } from './test-connection-run.ts';

/** Entra ends a refresh token unused for this long (learn.microsoft.com/entra/identity-platform/refresh-tokens). */
export const REFRESH_TOKEN_IDLE_DAYS = 90;
const DAY_MS = 86_400_000;

/** Whole days left of the inactivity window after the last redemption (negative once past). */
export function idleDaysLeft(lastRedeemedOn: string, now: Date): number {
  return REFRESH_TOKEN_IDLE_DAYS - Math.floor((now.getTime() - Date.parse(lastRedeemedOn)) / DAY_MS);
}

export async function runDelegatedChecks(run: CheckRun, delegated: DelegatedSubject, readTables: string[]): Promise<void> {
  run.report.delegated = {
    publicClient: delegated.publicClient,
    ...(delegated.user ? { user: delegated.user.userPrincipalName } : {}),
    refreshToken: delegated.lastRedeemedOn
      ? { lastRedeemedOn: delegated.lastRedeemedOn, daysLeft: idleDaysLeft(delegated.lastRedeemedOn, run.ctx.now) }
      : {},
  };
  await taskGraph()
    .task('login', [], () => checkLogin(run, delegated))
    .task('expiry', ['login'], () => checkDelegatedExpiry(run, delegated))
    .task('token', ['login'], ({ login }) => checkRedemption(run, delegated, login))
    .task('dataverse', ['token'], ({ token }) => dataverseAsApp(run, token))
    .task('whoAmI', ['dataverse'], ({ dataverse }) => checkWhoAmI(run, dataverse))
    .task('privileges', ['dataverse', 'whoAmI'], ({ dataverse }) => checkUserPrivileges(run, dataverse))
    .task('reads', ['dataverse', 'privileges'], ({ dataverse }) => checkReads(dataverse, readTables, run.checks))
    .run();
}

async function checkLogin({ checks }: CheckRun, delegated: DelegatedSubject): Promise<DelegatedLogin> {
  let login: DelegatedLogin;
  try {
    login = await delegated.loadLogin();
  } catch (error) {
    return checks.fail('credential', 'could not read the stored refresh token', error);
  }
  checks.pass(
    'credential',
    `refresh token${login.clientSecret ? ' and client secret' : ''} read from the store${delegated.publicClient ? ' (a public client: no secret)' : ''}`,
  );
  return login;
}

/** The client secret's expiry (a confidential app) and how long the refresh token survives unused. */
function checkDelegatedExpiry({ subject, ctx, report }: CheckRun, delegated: DelegatedSubject): void {
  const secret = subject.credential ? checkExpiry(subject.credential, ctx.now, ctx) : undefined;
  if (report.credential && secret) report.credential.daysLeft = secret.daysLeft;
  // An expired secret fails the check with its own diagnosis; the refresh token's state is said beside it.
  if (secret?.check.status === 'fail') {
    report.checks.push({ ...secret.check, summary: `${secret.check.summary}; ${refreshSummary(delegated, ctx.now).summary}` });
    return;
  }
  const refresh = refreshSummary(delegated, ctx.now);
  const parts = [secret && `client secret ${secret.check.summary}`, refresh.summary].filter(Boolean);
  const warn = secret?.check.status === 'warn' || refresh.warn;
  report.checks.push({ id: 'expiry', status: warn ? 'warn' : 'pass', summary: parts.join('; ') });
}

/** How long the refresh token lives on unused, from the profile's record of its last redemption. */
function refreshSummary(delegated: DelegatedSubject, now: Date): { summary: string; warn: boolean } {
  if (!delegated.lastRedeemedOn) return { summary: "the refresh token's use is not recorded yet", warn: false };
  const left = idleDaysLeft(delegated.lastRedeemedOn, now);
  const last = delegated.lastRedeemedOn.slice(0, 10);
  if (left <= 0)
    return {
      summary: `refresh token unused since ${last}: past Entra's ${REFRESH_TOKEN_IDLE_DAYS}-day window, it has probably expired`,
      warn: true,
    };
  return {
    summary: `refresh token last redeemed on ${last} (${left} day${left === 1 ? '' : 's'} left of its ${REFRESH_TOKEN_IDLE_DAYS}-day inactivity window)`,
    warn: left < WARN_DAYS,
  };
}

/** Redeems the refresh token as the integration will; the rotated token is stored before anything else. */
async function checkRedemption(run: CheckRun, delegated: DelegatedSubject, login: DelegatedLogin): Promise<string> {
  const { deps, subject, ctx, report, checks } = run;
  const http = checkHttp(run, 'Entra ID');
  let accessToken: string;
  try {
    [accessToken, report.latency.tokenMs] = await timed(deps, async () => (await delegated.redeem(login, http, run.cloud)).accessToken);
  } catch (error) {
    return checks.fail('token', 'Entra did not redeem the refresh token', error);
  }
  const now = deps.clock.now();
  report.delegated!.refreshToken = { lastRedeemedOn: now.toISOString(), daysLeft: REFRESH_TOKEN_IDLE_DAYS };
  checks.pass(
    'token',
    `refresh token redeemed for ${new URL(subject.environmentUrl).origin}/user_impersonation in ${report.latency.tokenMs} ms; the new one is stored`,
  );
  ctx.token = tokenClaims(accessToken);
  return accessToken;
}

/** The user's privileges: their own roles' and their teams' (a user often holds roles through an Entra group team). */
async function checkUserPrivileges(run: CheckRun, dataverse: DataverseApi): Promise<void> {
  const { subject, report, checks } = run;
  const userId = report.userId!;
  const [own, teams] = await Promise.allSettled([dataverse.retrieveUserPrivileges(userId), dataverse.retrieveTeamPrivileges(userId)]);
  if (own.status === 'rejected') {
    const error = own.reason;
    const noRoles = error instanceof ApiError && /has not been assigned any roles/i.test(error.remoteMessage);
    if (!noRoles && error instanceof ApiError && error.remoteCode === MISSING_PRIVILEGE && /prvReadUser\b/.test(error.remoteMessage)) {
      report.checks.push({
        id: 'privileges',
        status: 'warn',
        summary: 'the user may not list its own privileges (no prvReadUser), so they were not checked',
      });
      checks.pass('expected-privileges', 'not verifiable without prvReadUser', 'skip');
      return;
    }
    return checks.fail('privileges', noRoles ? 'the user has no security role' : 'RetrieveUserPrivileges failed', error);
  }
  const held: UserPrivilege[] = [...own.value, ...(teams.status === 'fulfilled' ? teams.value : [])];
  const names = new Set(held.map((p) => p.PrivilegeName));
  checks.pass(
    'privileges',
    `${names.size} privileges held${teams.status === 'fulfilled' && teams.value.length ? ' (with those of its teams)' : ''}`,
  );
  compareExpectedPrivileges(names, subject, report, checks.pass, (missing) => ({
    cause: `${report.delegated?.user ?? 'The integration account'} lacks ${missing.join(', ')}.`,
    fix: 'Give the account a security role that grants them (Power Platform admin center > the environment > Users > the user > Manage security roles).',
  }));
}
