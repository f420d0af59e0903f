// The checks behind `dynauth test-connection` (and `status --check`): credential, expiry, token,
// WhoAmI, privileges. Each failure is diagnosed; nothing here prints.
import { createAppCredential, type AppSecret } from '../auth/app-credential.ts';
import { createDataverseApi, type DataverseApi } from '../clients/dataverse.ts';
import { dataverseScope, type Cloud } from '../clouds.ts';
import type { Deps } from '../deps.ts';
import { createHttp, type Http } from '../http/http.ts';
import { NetworkError } from '../http/network-error.ts';
import { authorityFailure, isEndpointResolutionError } from './test-connection-authority.ts';
import { checkExpiry, type CredentialFacts } from './test-connection-expiry.ts';
import { diagnose, type Diagnosis, type DiagnosisContext } from './diagnose.ts';
import { grantFix } from './diagnose-dataverse.ts';
import { proxyInUse } from './diagnose-network.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
export type CheckId = 'credential' | 'expiry' | 'token' | 'whoami' | 'privileges' | 'expected-privileges' | 'read';
export interface Check {
  id: CheckId;
  status: CheckStatus;
  summary: string;
  diagnosis?: Diagnosis;
}

export interface ConnectionSubject {
  profile: string | undefined;
  appName: string | undefined;
  tenant: string;
  clientId: string;
  environmentUrl: string;
  credential: CredentialFacts;
  expectedPrivileges: string[];
  /** Roles recorded in the profile, shown when Dataverse does not let the app read its own. */
  recordedRoles: string[];
  recordedApplicationUserId: string | undefined;
  loadSecret(): Promise<AppSecret>;
}

export interface ConnectionReport {
  ok: boolean;
  profile: string | undefined;
  tenantId: string;
  clientId: string;
  environment: string;
  credential: CredentialFacts & { daysLeft?: number };
  applicationUserId?: string;
  businessUnitId?: string;
  organizationId?: string;
  roles: { names: string[]; source: 'dataverse' | 'profile' };
  privileges: Array<{ name: string; present: boolean }>;
  latency: { tokenMs?: number; webApiMs?: number };
  checks: Check[];
}

const ORDER: CheckId[] = ['credential', 'expiry', 'token', 'whoami', 'privileges', 'expected-privileges', 'read'];
const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

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
    ctx.credential.secretLooksLikeId = GUID.test(secret.clientSecret.trim());
    ctx.credential.secretIsKeyId = subject.credential.keyId !== undefined && secret.clientSecret.trim().toLowerCase() === subject.credential.keyId.toLowerCase();
  }
  pass('credential', `${secret.kind === 'secret' ? 'client secret' : 'certificate'}${subject.profile ? ' read from the store' : ' given by hand'}`);
  const expiry = checkExpiry(subject.credential, now, ctx);
  report.credential.daysLeft = expiry.daysLeft;
  report.checks.push(expiry.check);

  let token: string;
  try {
    const credential = await createAppCredential(cloud, subject.tenant, subject.clientId, secret);
    const request = credential.getToken(dataverseScope(subject.environmentUrl), { abortSignal: deps.cancellation.signal });
    [token, report.latency.tokenMs] = await elapsed(async () => {
      // MSAL does not abort its requests, so the time-out races them.
      const result = await withTimeout(request, options.timeoutMs, () => new NetworkError('timeout', new URL(cloud.authorityHost).host, undefined));
      if (!result) throw new Error('Entra returned no token');
      return result.token;
    });
  } catch (error) {
    const explained = isEndpointResolutionError(error) ? await authorityFailure(deps.fetch, cloud, subject.tenant, options.timeoutMs) : undefined;
    return fail('token', 'Entra did not issue a token', explained ?? error);
  }
  pass('token', `token for ${new URL(subject.environmentUrl).origin}/.default in ${report.latency.tokenMs} ms`);
  ctx.token = tokenClaims(token);

  const http = observing(createHttp({ fetch: deps.fetch, clock: deps.clock, signal: deps.cancellation.signal, trace: (line) => deps.ui.verbose(line), timeoutMs: options.timeoutMs, maxAttempts: 3, maxDelayMs: 5000 }), ctx);
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
  await checkPrivileges(dataverse, subject, report, ctx, fail, pass);
  if (report.checks.some((check) => check.id === 'privileges' && check.status === 'fail')) return finish(report);
  const tables = options.readTables ?? [];
  if (!tables.length) {
    pass('read', 'no table asked for (--read <table>)', 'skip');
    return finish(report);
  }
  for (const table of tables) {
    try {
      await dataverse.readTable(table);
    } catch (error) {
      return fail('read', `could not read ${table}`, error);
    }
  }
  pass('read', `read ${tables.join(', ')}`);
  return finish(report);
}

async function checkPrivileges(
  dataverse: DataverseApi,
  subject: ConnectionSubject,
  report: ConnectionReport,
  ctx: DiagnosisContext,
  fail: (id: CheckId, summary: string, error: unknown) => ConnectionReport,
  pass: (id: CheckId, summary: string, status?: CheckStatus) => void,
): Promise<void> {
  const [held, user] = await Promise.allSettled([dataverse.retrieveUserPrivileges(report.applicationUserId!), dataverse.findApplicationUser(subject.clientId)]);
  if (user.status === 'fulfilled' && user.value) report.roles = { names: user.value.systemuserroles_association.map((r) => r.name).sort(), source: 'dataverse' };
  if (held.status === 'rejected') {
    fail('privileges', 'RetrieveUserPrivileges failed', held.reason);
    return;
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

/** Remembers what a final 429 or 401 said in its headers: how long to wait, which audience Dataverse expects. */
function observing(http: Http, ctx: DiagnosisContext): Http {
  return {
    async request(url, init) {
      const response = await http.request(url, init);
      const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
      if (response.status === 429 && Number.isFinite(retryAfter)) ctx.retryAfterSeconds = retryAfter;
      const resource = /resource_id="?([^",\s]+)/.exec(response.headers.get('www-authenticate') ?? '')?.[1];
      if (response.status === 401 && resource) ctx.expectedAudience = resource;
      return response;
    },
  };
}

function withTimeout<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The audience and expiry of a token, to explain a 401; the token itself is never shown. */
function tokenClaims(token: string): { aud?: string; exp?: number } {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { aud?: unknown; exp?: unknown };
    return { aud: typeof payload.aud === 'string' ? payload.aud : undefined, exp: typeof payload.exp === 'number' ? payload.exp : undefined };
  } catch {
    return {};
  }
}
