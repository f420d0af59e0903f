import type { Deps } from '../../deps.ts';
import { CancelledError, ExitCode } from '../../cli/errors.ts';
import { resolveEnvironments } from '../../steps/resolve-environments.ts';
import { signInAdmin } from '../../steps/sign-in-admin.ts';
import { openStorage, type Storage } from '../../connection/storage.ts';
import { passphraseProblem } from '../../secrets/passphrase.ts';
import { assertNothingMissing, parseInitFlags } from './flags.ts';
import { pushAfterInit, pushPlanItems, readPushFlags, withDeliveries } from './push.ts';
import { completeAnswers } from './questions.ts';
import { discover } from './discover.ts';
import { findRecentApp } from './recent-app.ts';
import { lockProfiles, type ProfileLock } from '../../profiles/profile-lock.ts';
import { withSecretPolicy } from './secret-policy.ts';
import { settleMissingTables } from './missing-tables.ts';
import { buildPlan, formatPlan, printPlan } from './plan.ts';
import { applyPlan, waitingFor } from './apply.ts';
import { assertProfilesFree } from '../../connection/profile-writes.ts';
import { lookupStoredCredential } from '../../connection/stored-credential.ts';
import { addEnvironmentSelectors } from './add-environment.ts';
import { printSummary, summaryJson } from './summary.ts';
import { buildDelegatedPlan } from './plan-delegated.ts';
import { assertFlowKept, delegatedProfileSelectors } from './repair-delegated.ts';
import { assertCredentialKindKept } from './keep-credential-kind.ts';
import { delegatedSummaryJson, printDelegatedSummary } from './summary-delegated.ts';
import { withFederation, withFederationFound } from './federation.ts';

export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const cloud = await deps.cloud();
  const flags = parseInitFlags(options, cloud, deps.env);
  const pushes = readPushFlags(options, cloud, flags.environments.length);
  if (!deps.canPrompt || flags.yes) assertNothingMissing(flags, { needsYes: !deps.canPrompt && !flags.dryRun && !flags.yes });
  if (flags.usePassphrase && !flags.passphrase) {
    flags.passphrase = await deps.prompter.password({
      message: 'Passphrase that encrypts the stored connection',
      validate: (v) => passphraseProblem(v) ?? true,
    });
  }
  const signingIn = signInAdmin(deps, cloud, flags, { scopes: [cloud.powerPlatformScope], environments: true });
  // The store opens once the sign-in's first request is on its way (the keychain's helper thread
  // would otherwise delay it), and is proved (its sealing key readied) while the admin signs in.
  let opened = false;
  const opening = new Promise<Storage>((resolve, reject) =>
    deps.whenWaitingOnNetwork(() => {
      opened = true;
      openStorage(deps, { store: flags.store, passphrase: flags.passphrase }).then(resolve, reject);
    }),
  );
  // A federated setup keeps nothing in the keychain: it need not be usable.
  const writable = opening.then((storage) => (flags.dryRun || flags.credential === 'federated' ? undefined : storage.prepareToSave()));
  writable.catch(() => {});
  let lock: ProfileLock | undefined;
  try {
    const session = await signingIn;
    const storage = await opening;
    // A keychain that cannot be used is said before any question is asked.
    await writable;
    const added = flags.addEnvironment ? await addEnvironmentSelectors(storage, flags) : undefined;
    // A delegated profile named alone is repaired: its environment and app are the profile's.
    const repaired = await delegatedProfileSelectors(storage, flags);
    const given = repaired ? { ...flags, ...repaired } : flags;
    const targets = await resolveEnvironments(deps, session.powerPlatform, added ? [flags.addEnvironment!] : given.environments);
    let answers = await completeAnswers(deps, added ? { ...flags, ...added.flags } : given, session, targets);
    answers = await withFederation(deps, added ? { ...flags, ...added.flags } : flags, answers);
    const now = deps.clock.now();
    const profileNames = answers.targets.map((target) => target.profile);
    // From what is found until the profiles are written, a second init or rotation of them would add a second secret.
    if (!flags.dryRun) lock = await lockProfiles(storage.profiles.directory, profileNames, 'init', now);
    const lookup = (profile: string, app: Parameters<typeof lookupStoredCredential>[2]) =>
      lookupStoredCredential(storage, added?.sourceProfile ?? profile, app, now);
    const recent = (appName: string) => findRecentApp(storage.profiles, profileNames, appName, session.graph, waitingFor(deps, flags));
    const found = await withFederationFound(session, answers, await discover(session, answers, lookup, recent));
    answers = withSecretPolicy(answers, found, flags, now);
    await settleMissingTables(deps, flags, found);
    await assertProfilesFree(storage, profileNames, found.app?.appId);
    await assertFlowKept(storage, answers);
    await assertCredentialKindKept(storage, answers);
    const plan = [
      ...(answers.flow === 'delegated' ? buildDelegatedPlan : buildPlan)(answers, found, new Set(await storage.profiles.list())),
      ...pushPlanItems(pushes),
    ];
    if (flags.dryRun) {
      deps.ui.result({ dryRun: true, plan }, () => formatPlan(plan));
      return ExitCode.ok;
    }
    printPlan(deps.ui, plan);
    if (!flags.yes && !(await deps.prompter.confirm({ message: 'Apply this plan?', default: false })))
      throw new CancelledError('Nothing was changed.');
    if (answers.flow === 'delegated') {
      // Loaded only for this flow: the OAuth client and the loopback listener cost an app-user run's start nothing.
      const { applyDelegatedPlan } = await import('./apply-delegated.ts');
      const applied = await applyDelegatedPlan(deps, cloud, session, answers, found, storage, flags);
      const pushed = await pushAfterInit(deps, cloud, session, storage, [applied.profile], pushes);
      printDelegatedSummary(deps.ui, applied, flags.showSecret);
      deps.ui.result(withDeliveries(delegatedSummaryJson(cloud, session, applied), pushed.results), () => applied.profile.name);
      return pushed.ok ? ExitCode.ok : ExitCode.failure;
    }
    const applied = await applyPlan(deps, cloud, session, answers, found, storage, flags);
    const pushed = await pushAfterInit(
      deps,
      cloud,
      session,
      storage,
      applied.profiles.map((p) => p.profile),
      pushes,
    );
    printSummary(
      deps.ui,
      applied,
      flags.showSecret,
      pushed.results.filter((r) => r.ok).map((r) => r.label),
    );
    deps.ui.result(withDeliveries(summaryJson(cloud, session, applied), pushed.results), () =>
      applied.profiles.map((p) => p.profile.name).join('\n'),
    );
    return pushed.ok ? ExitCode.ok : ExitCode.failure;
  } catch (error) {
    // The store's proof writes a probe item and may create the data key: a failure elsewhere waits
    // for it, so that nothing is left half written (the process exits once the command returns).
    if (opened) await writable.catch(() => {});
    throw error;
  } finally {
    await lock?.release();
  }
}
