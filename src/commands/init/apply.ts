import { writeOwnerOnlyFile } from '../../secrets/private-files.ts';
import { DynauthError } from '../../cli/errors.ts';
import type { Application, ServicePrincipal } from '../../clients/graph.ts';
import type { Cloud } from '../../clouds.ts';
import type { Deps } from '../../deps.ts';
import type { FederationFacts, Profile } from '../../profiles/profile.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';
import { writeOutputFile } from '../../util/output-file.ts';
import { acquireAppToken, verifyNewConnection, type AppToken, type VerifiedConnection } from '../../steps/verify-connection.ts';
import type { PollWaiting } from '../../util/poll.ts';
import { settleAll, taskGraph } from '../../util/task-graph.ts';
import { forgetNewApp, rememberNewApp } from './recent-app.ts';
import { forgetSecretMarker } from './new-secret.ts';
import { applicationUserFor, assignRoles, prepareRoles, type AppliedEnvironment } from './apply-dataverse.ts';
import { ensureApp, ensureConsent, ensureCrmServicePrincipal, ensureServicePrincipal } from './apply-entra.ts';
import { ensureCredential, profileDraft, type ApplyContext } from './apply-credential.ts';
import { ensureFederation, federatedProfile } from './apply-federation.ts';
import type { InitFlags } from './flags.ts';
import { appSecretOf, certificateFileOf, type StoredCredential } from '../../connection/credential.ts';
import { writeProfile, type ProfileDraft } from '../../connection/profile-writes.ts';
import type { Storage } from '../../connection/storage.ts';
import type { Discovery, InitAnswers, Outcome } from './model.ts';

export interface Applied {
  app: Application;
  servicePrincipal: ServicePrincipal;
  /** Absent for --credential federated: the app has federated credentials instead. */
  credential: StoredCredential | undefined;
  federation: FederationFacts[];
  outcome: Outcome;
  /** `verified` is absent for a federated profile: only its pipeline can sign the app in. */
  profiles: Array<{ profile: Profile; verified?: VerifiedConnection }>;
  storedIn: string;
}

/** How init waits out replication: as long as --wait allows, saying what it waits for. */
export function waitingFor(deps: Pick<Deps, 'clock' | 'cancellation' | 'ui'>, flags: Pick<InitFlags, 'waitMs'>): PollWaiting {
  return {
    clock: deps.clock,
    signal: deps.cancellation.signal,
    timeoutMs: flags.waitMs,
    onWait: (message) => deps.ui.step(message),
    resumeHint: 'Run the same dynauth init again to resume (it reuses what was made), or allow longer with --wait 10m.',
  };
}

/**
 * Creates what the plan says: each task below starts as soon as what it names is done, so
 * independent calls run side by side. A failure waits for the work already started beside it
 * (the roles, say), so that nothing is left half made: the process exits as soon as the command returns.
 */
export async function applyPlan(
  deps: Deps,
  cloud: Cloud,
  session: AdminSession,
  answers: InitAnswers,
  found: Discovery,
  storage: Storage,
  flags: Pick<InitFlags, 'waitMs' | 'certificateOut'>,
): Promise<Applied> {
  const { graph } = session;
  const outcome: Outcome = { created: [], reused: [] };
  const waiting = waitingFor(deps, flags);
  const ctx: ApplyContext = { deps, cloud, session, answers, found, storage, outcome, waiting, now: deps.clock.now() };
  const say = (message: string) => deps.ui.success(message);
  const perEnvironment = <T>(work: (state: Discovery['environments'][number], index: number) => Promise<T>) =>
    settleAll(found.environments.map(work));
  const { app, credential, federation, servicePrincipal, profiles } = await taskGraph()
    // The preset's roles need nothing from Entra: they are made beside it, from the start.
    .task('roles', [], () => perEnvironment((state) => prepareRoles(state, answers.roleChoice, outcome, waiting, say)))
    .task('crm', [], () => ensureCrmServicePrincipal(graph, found.crm, outcome))
    .task('app', ['crm'], ({ crm }) => recordedApp(ctx, crm))
    .task('credential', ['app'], ({ app }) => (answers.credential === 'federated' ? undefined : ensureCredential(ctx, app)))
    .task('federation', ['app'], ({ app }) => ensureFederation(ctx, app))
    .task('servicePrincipal', ['app'], async ({ app }) => {
      const sp = await ensureServicePrincipal(graph, app, found.servicePrincipal, outcome, waiting);
      say(`Service principal ${sp.id}`);
      return sp;
    })
    .task('consent', ['servicePrincipal', 'crm'], async ({ servicePrincipal, crm }) => {
      await ensureConsent(graph, servicePrincipal, crm, found.grant, outcome, waiting);
      say('Admin consent for Dynamics CRM user_impersonation');
    })
    .task('applicationUsers', ['app', 'servicePrincipal'], ({ app }) =>
      perEnvironment((state) => applicationUserFor(state, app.appId, outcome, waiting, say)),
    )
    .task('environments', ['applicationUsers', 'roles'], ({ applicationUsers, roles }) =>
      perEnvironment((state, index) => assignRoles(state, applicationUsers[index]!, roles[index]!, outcome, say)),
    )
    // The app's own token only needs the credential and the service principal: it is fetched
    // while the application user and its roles are still being made.
    // A federated app has none: only its pipeline's token signs it in.
    .task('tokens', ['app', 'credential', 'servicePrincipal'], ({ app, credential }) =>
      settleAll(
        (credential ? answers.targets : []).map((target) =>
          acquireAppToken(
            deps,
            cloud,
            { tenantId: session.tenantId, clientId: app.appId, secret: appSecretOf(credential!), environmentUrl: target.url },
            waiting,
          ),
        ),
      ),
    )
    .task('profiles', ['app', 'credential', 'federation', 'servicePrincipal', 'consent', 'environments', 'tokens'], (done) =>
      settleAll(answers.targets.map((target, index) => verifiedProfile(ctx, target, index, done))),
    )
    .run();
  const profileNames = answers.targets.map((target) => target.profile);
  await forgetNewApp(storage.profiles, profileNames);
  await forgetSecretMarker(storage.profiles, profileNames);
  if (flags.certificateOut && credential?.kind === 'certificate') {
    await writeOutputFile(flags.certificateOut, certificateFileOf(credential), '--certificate-out', writeOwnerOnlyFile);
    deps.ui.success(`Certificate and private key written to ${flags.certificateOut} (mode 0600)`);
  }
  return { app, servicePrincipal, credential, federation, outcome, profiles, storedIn: storage.vault.description };
}

/** The app, found or made. Ctrl-C waits for a new app to be recorded: a re-run must find it while Graph's lists do not show it yet. */
export async function recordedApp(ctx: ApplyContext, crm: ServicePrincipal): Promise<Application> {
  const { deps, answers, found, storage, outcome, now } = ctx;
  const app = await deps.cancellation.critical(async () => {
    const sleep = (ms: number) => deps.clock.sleep(ms, deps.cancellation.signal);
    const made = await ensureApp(ctx.session.graph, answers.appName, crm, found.app, outcome, sleep, answers.delegated);
    if (!found.app)
      await rememberNewApp(
        storage.profiles,
        answers.targets.map((target) => target.profile),
        made,
        now,
      );
    return made;
  });
  deps.ui.success(`App registration "${app.displayName}" (client id ${app.appId})`);
  return app;
}

interface Made {
  app: Application;
  credential: StoredCredential | undefined;
  federation: FederationFacts[];
  servicePrincipal: ServicePrincipal;
  environments: AppliedEnvironment[];
  tokens: AppToken[];
}

/** Proves one target's connection end to end as the integration will use it, then writes its profile. */
async function verifiedProfile(
  ctx: ApplyContext,
  target: InitAnswers['targets'][number],
  index: number,
  made: Made,
): Promise<{ profile: Profile; verified?: VerifiedConnection }> {
  const { deps, cloud, session, now } = ctx;
  const { app, credential, environments } = made;
  if (!credential) return federatedProfile(ctx, target, index, made);
  // The preset's privileges this environment has (all of them unless tables are missing).
  const expected = ctx.found.environments[index]!.presetPrivileges.map((p) => p.name);
  const connection = {
    tenantId: session.tenantId,
    clientId: app.appId,
    secret: appSecretOf(credential),
    environmentUrl: target.url,
    expectedPrivileges: expected,
    applicationUserId: environments[index]!.applicationUserId,
    privilegesAsAdmin: (userId: string) => session.dataverse(target.url).retrieveUserPrivileges(userId),
  };
  const verified = await verifyNewConnection(deps, cloud, connection, ctx.waiting, Promise.resolve(made.tokens[index]!));
  if (verified.missingPrivileges.length) {
    throw new DynauthError(`The application user in ${target.displayName} lacks ${verified.missingPrivileges.join(', ')}.`, {
      hint: 'Run the same dynauth init again; it completes the role.',
    });
  }
  deps.ui.success(`Connection verified in ${target.displayName}: WhoAmI answered as user ${verified.whoAmI.UserId}`);
  const draft = finalDraft(profileDraft(ctx, target, app, credential), made.servicePrincipal, environments[index]!, expected, now);
  const profile = await writeProfile(ctx.storage, draft, now);
  return { profile, verified };
}

function finalDraft(
  draft: ProfileDraft,
  sp: ServicePrincipal,
  environment: AppliedEnvironment,
  expected: string[],
  now: Date,
): ProfileDraft {
  return {
    ...draft,
    servicePrincipalId: sp.id,
    applicationUserId: environment.applicationUserId,
    businessUnitId: environment.businessUnitId,
    roles: environment.roles,
    expectedPrivileges: expected,
    lastSuccessfulTest: now.toISOString(),
  };
}
