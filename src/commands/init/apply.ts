import { writeOwnerOnlyFile } from '../../secrets/private-files.ts';
import { DynauthError } from '../../cli/errors.ts';
import type { Application, ServicePrincipal } from '../../clients/graph.ts';
import type { Cloud } from '../../clouds.ts';
import type { Deps } from '../../deps.ts';
import type { Profile } from '../../profiles/profile.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';
import { writeOutputFile } from '../../util/output-file.ts';
import { acquireAppToken, verifyNewConnection, type VerifiedConnection } from '../../steps/verify-connection.ts';
import type { PollWaiting } from '../../util/poll.ts';
import { forgetNewApp, rememberNewApp } from './recent-app.ts';
import { forgetSecretMarker, recordSecretMarker, removeStraySecrets } from './new-secret.ts';
import { applyEnvironment, prepareRoles, type AppliedEnvironment } from './apply-dataverse.ts';
import { createCertificate, createSecret, ensureApp, ensureConsent, ensureCrmServicePrincipal, ensureServicePrincipal } from './apply-entra.ts';
import type { InitFlags } from './flags.ts';
import { appSecretOf, certificateFileOf, factsOf, secretPartOf, type StoredCredential } from '../../connection/credential.ts';
import { writeCredentialFacts, writeProfile, type ProfileDraft } from '../../connection/profile-writes.ts';
import type { Storage } from '../../connection/storage.ts';
import { storeCredential, targetsLacking } from '../../connection/stored-credential.ts';
import type { Discovery, InitAnswers, Outcome } from './model.ts';

export interface Applied {
  app: Application;
  servicePrincipal: ServicePrincipal;
  credential: StoredCredential;
  outcome: Outcome;
  profiles: Array<{ profile: Profile; verified: VerifiedConnection }>;
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

/** Creates what the plan says, in dependency order, independent calls side by side. */
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
  const say = (message: string) => deps.ui.success(message);
  // The preset's roles need nothing from Entra: they are made beside it, from the start.
  const rolesReady = found.environments.map((state) => prepareRoles(state, answers.roleChoice, outcome, waiting, say));
  try {
    const now = deps.clock.now();
    const draftFor = (target: InitAnswers['targets'][number], app: Application, credential: StoredCredential): ProfileDraft => ({
      name: target.profile,
      cloud: cloud.name,
      tenantId: session.tenantId,
      clientId: app.appId,
      applicationObjectId: app.id,
      servicePrincipalId: '',
      appDisplayName: app.displayName,
      environment: { id: target.id, url: target.url, uniqueName: target.uniqueName, displayName: target.displayName },
      applicationUserId: '',
      businessUnitId: '',
      roles: [],
      expectedPrivileges: [],
      credential: factsOf(credential, answers.lifetimeDays, now),
    });
    const save = async (credential: StoredCredential, targets = answers.targets) => {
      deps.redactor.add(secretPartOf(credential));
      for (const target of targets) await storeCredential(storage, target, app.appId, credential);
      for (const target of targets) await writeCredentialFacts(storage, draftFor(target, app, credential), now);
      deps.ui.success(`${credential.kind === 'secret' ? 'Client secret' : 'Certificate'} saved to ${storage.vault.description}`);
    };

    const crm = await ensureCrmServicePrincipal(graph, found.crm, outcome);
    const profileNames = answers.targets.map((target) => target.profile);
    // Ctrl-C waits for a new app to be recorded: a re-run must find it while Graph's lists do not show it yet.
    const app = await deps.cancellation.critical(async () => {
      const made = await ensureApp(graph, answers.appName, crm, found.app, outcome, (ms) => deps.clock.sleep(ms, deps.cancellation.signal));
      if (!found.app) await rememberNewApp(storage.profiles, profileNames, made, now);
      return made;
    });
    deps.ui.success(`App registration "${app.displayName}" (client id ${app.appId})`);

    const credentialTask = (async () => {
      // Secrets an interrupted run of these profiles made and never saved are still valid: removed first.
      const strays = await removeStraySecrets(graph, storage.profiles, profileNames, app, found.credential?.keyId);
      for (const keyId of strays) deps.ui.info(`Removed client secret ${keyId}: an interrupted run made it and never saved it.`);
      if (found.credential) {
        outcome.reused.push('credential');
        // A profile added beside existing ones (another environment) gets the same credential.
        const lacking = await targetsLacking(storage, answers.targets, app.appId, found.credential);
        if (lacking.length) await save(found.credential, lacking);
        return found.credential;
      }
      const credential =
        answers.credential === 'secret'
          ? await createSecret(graph, app, answers.lifetimeDays, now, await recordSecretMarker(storage.profiles, profileNames, app, now), (work) => deps.cancellation.critical(work), save, waiting)
          : await createCertificate(graph, app, answers.lifetimeDays, now, save, waiting);
      outcome.created.push(answers.credential === 'secret' ? 'clientSecret' : 'certificate');
      return credential;
    })();
    // Nothing is read from or written to the keychain after the credential is saved.
    credentialTask.then(() => storage.vault.release(), () => {});
    const principalTask = ensureServicePrincipal(graph, app, found.servicePrincipal, outcome, waiting);
    const consentTask = principalTask.then((sp) => ensureConsent(graph, sp, crm, found.grant, outcome, waiting));
    const environmentsTask = principalTask.then((sp) => {
      deps.ui.success(`Service principal ${sp.id}`);
      return Promise.all(found.environments.map((state, index) => applyEnvironment(state, app.appId, rolesReady[index]!, outcome, waiting, say)));
    });
    // The app's own token only needs the credential and the service principal: it is fetched
    // while the application user and its roles are still being made.
    const tokensTask = Promise.all([credentialTask, principalTask]).then(([credential]) =>
      answers.targets.map((target) => {
        const token = acquireAppToken(deps, cloud, { tenantId: session.tenantId, clientId: app.appId, secret: appSecretOf(credential), environmentUrl: target.url }, waiting);
        token.catch(() => {}); // awaited in the verification below
        return token;
      }),
    );
    const [credential, servicePrincipal, , environments, tokens] = await settle([credentialTask, principalTask, consentTask, environmentsTask, tokensTask] as const);
    deps.ui.success('Admin consent for Dynamics CRM user_impersonation');

    // Per environment: the preset's privileges that environment has (all of them unless tables are missing).
    const expectedIn = (index: number) => found.environments[index]!.presetPrivileges.map((p) => p.name);
    const profiles = await settleAll(
      answers.targets.map(async (target, index) => {
        const connection = {
          tenantId: session.tenantId,
          clientId: app.appId,
          secret: appSecretOf(credential),
          environmentUrl: target.url,
          expectedPrivileges: expectedIn(index),
          applicationUserId: environments[index]!.applicationUserId,
          privilegesAsAdmin: (userId: string) => session.dataverse(target.url).retrieveUserPrivileges(userId),
        };
        const verified = await verifyNewConnection(deps, cloud, connection, waiting, tokens[index]);
        if (verified.missingPrivileges.length) {
          throw new DynauthError(`The application user in ${target.displayName} lacks ${verified.missingPrivileges.join(', ')}.`, {
            hint: 'Run the same dynauth init again; it completes the role.',
          });
        }
        deps.ui.success(`Connection verified in ${target.displayName}: WhoAmI answered as user ${verified.whoAmI.UserId}`);
        const profile = await writeProfile(storage, finalDraft(draftFor(target, app, credential), servicePrincipal, environments[index]!, expectedIn(index), now), now);
        return { profile, verified };
      }),
    );
    await forgetNewApp(storage.profiles, profileNames);
    await forgetSecretMarker(storage.profiles, profileNames);
    if (flags.certificateOut && credential.kind === 'certificate') {
      await writeOutputFile(flags.certificateOut, certificateFileOf(credential), '--certificate-out', writeOwnerOnlyFile);
      deps.ui.success(`Certificate and private key written to ${flags.certificateOut} (mode 0600)`);
    }
    return { app, servicePrincipal, credential, outcome, profiles, storedIn: storage.vault.description };
  } catch (error) {
    // A failure waits for the roles being made, so that nothing is left half made: the process
    // exits as soon as the command returns.
    await Promise.allSettled(rolesReady);
    throw error;
  }
}

function finalDraft(draft: ProfileDraft, sp: ServicePrincipal, environment: AppliedEnvironment, expected: string[], now: Date): ProfileDraft {
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

/** Like Promise.all, but waits for every task to end before reporting the first failure. */
async function settleAll<T>(tasks: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** settleAll for tasks of different types. */
async function settle<T extends readonly unknown[]>(tasks: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  return (await settleAll(tasks as unknown as Array<Promise<unknown>>)) as unknown as T;
}
