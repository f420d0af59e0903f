// init's credential: the one found (given to profiles that lack it) or a new one, saved to the
// store before anything else is done with it; and the profile drafts it is recorded in.
import type { Application } from '../../clients/graph.ts';
import type { Cloud } from '../../clouds.ts';
import type { Deps } from '../../deps.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';
import type { PollWaiting } from '../../util/poll.ts';
import { factsOf, secretPartOf, type StoredCredential } from '../../connection/credential.ts';
import { writeCredentialFacts, type ProfileDraft } from '../../connection/profile-writes.ts';
import type { Storage } from '../../connection/storage.ts';
import { storeCredential, targetsLacking } from '../../connection/stored-credential.ts';
import { recordSecretMarker, removeStraySecrets } from './new-secret.ts';
import { createCertificate, createSecret } from './apply-entra.ts';
import type { Discovery, InitAnswers, Outcome } from './model.ts';

/** What every part of applying the plan works from. */
export interface ApplyContext {
  deps: Deps;
  cloud: Cloud;
  session: AdminSession;
  answers: InitAnswers;
  found: Discovery;
  storage: Storage;
  outcome: Outcome;
  waiting: PollWaiting;
  now: Date;
}

type Target = InitAnswers['targets'][number];

/** The profile of one target as far as the app and its credential go; the rest is filled in once verified. */
export function profileDraft(ctx: ApplyContext, target: Target, app: Application, credential: StoredCredential | undefined): ProfileDraft {
  return {
    name: target.profile,
    // Written from the first saved secret on: a re-run must know the half-made profile's flow.
    ...(ctx.answers.flow === 'delegated' ? { flow: 'delegated' as const } : {}),
    cloud: ctx.cloud.name,
    tenantId: ctx.session.tenantId,
    clientId: app.appId,
    applicationObjectId: app.id,
    servicePrincipalId: '',
    appDisplayName: app.displayName,
    environment: { id: target.id, url: target.url, uniqueName: target.uniqueName, displayName: target.displayName },
    applicationUserId: '',
    businessUnitId: '',
    roles: [],
    expectedPrivileges: [],
    // A delegated public client has no key: PKCE alone.
    ...(credential ? { credential: factsOf(credential, ctx.answers.lifetimeDays, ctx.now) } : {}),
  };
}

/** The app's credential, found or made; nothing is read from or written to the keychain after it. */
export async function ensureCredential(ctx: ApplyContext, app: Application): Promise<StoredCredential> {
  const credential = await foundOrNewCredential(ctx, app);
  ctx.storage.vault.release();
  return credential;
}

async function foundOrNewCredential(ctx: ApplyContext, app: Application): Promise<StoredCredential> {
  const { deps, session, answers, found, storage, outcome, now } = ctx;
  const profileNames = answers.targets.map((target) => target.profile);
  const save = async (credential: StoredCredential, targets = answers.targets) => {
    deps.redactor.add(secretPartOf(credential));
    for (const target of targets) await storeCredential(storage, target, app.appId, credential);
    for (const target of targets) await writeCredentialFacts(storage, profileDraft(ctx, target, app, credential), now);
    deps.ui.success(`${credential.kind === 'secret' ? 'Client secret' : 'Certificate'} saved to ${storage.vault.description}`);
  };
  // Secrets an interrupted run of these profiles made and never saved are still valid: removed first.
  const strays = await removeStraySecrets(session.graph, storage.profiles, profileNames, app, found.credential?.keyId);
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
      ? await createSecret(
          session.graph,
          app,
          answers.lifetimeDays,
          now,
          await recordSecretMarker(storage.profiles, profileNames, app, now),
          (work) => deps.cancellation.critical(work),
          save,
          ctx.waiting,
        )
      : await createCertificate(session.graph, app, answers.lifetimeDays, now, save, ctx.waiting);
  outcome.created.push(answers.credential === 'secret' ? 'clientSecret' : 'certificate');
  return credential;
}
