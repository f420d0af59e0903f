// init --credential federated: the app's federated identity credentials, one per --federation spec,
// instead of a secret or certificate (learn.microsoft.com/graph/api/application-post-federatedidentitycredentials).
// Matched on issuer + subject, so a re-run adds nothing twice; nothing goes to the keychain.
import { ApiError } from '../../clients/api-error.ts';
import type { Application, ServicePrincipal } from '../../clients/graph.ts';
import { TOKEN_EXCHANGE_AUDIENCE } from '../../connection/federation-spec.ts';
import { writeProfile, type ProfileDraft } from '../../connection/profile-writes.ts';
import type { FederationFacts, Profile } from '../../profiles/profile.ts';
import { createOrFind } from '../../steps/create-or-find.ts';
import { appNotYetVisible, whileReplicating } from '../../steps/replication.ts';
import { profileDraft, type ApplyContext } from './apply-credential.ts';
import type { AppliedEnvironment } from './apply-dataverse.ts';
import type { InitAnswers } from './model.ts';
import { newCredentialNames, sameFederation } from './federation.ts';

/** Each spec's credential on the app, found or added; what the profile records. */
export async function ensureFederation(ctx: ApplyContext, app: Application): Promise<FederationFacts[]> {
  const { session, answers, found, outcome, waiting } = ctx;
  const specs = answers.federation ?? [];
  const existing = found.app ? (found.federation ?? []) : [];
  const facts: FederationFacts[] = [];
  const names = newCredentialNames(specs, existing);
  for (const spec of specs) {
    const reused = existing.find((c) => sameFederation(c, spec));
    if (reused) {
      outcome.reused.push(`federatedCredential:${reused.name}`);
      facts.push({ id: reused.id, name: reused.name, issuer: reused.issuer, subject: reused.subject, spec: spec.spec });
      continue;
    }
    const find = async () => (await session.graph.listFederatedCredentials(app.id)).find((c) => sameFederation(c, spec));
    const add = () =>
      createOrFind(async () => {
        try {
          return await session.graph.addFederatedCredential(app.id, {
            name: names.get(spec.spec) ?? spec.name,
            issuer: spec.issuer,
            subject: spec.subject,
            audiences: [TOKEN_EXCHANGE_AUDIENCE],
            description: `dynauth: ${spec.spec}`.slice(0, 600),
          });
        } catch (error) {
          // 409: an earlier attempt made it (its answer was lost), or another run took the name meanwhile.
          const made = error instanceof ApiError && error.status === 409 ? await find() : undefined;
          if (made) return made;
          throw error;
        }
      }, find);
    const created = await whileReplicating(add, appNotYetVisible, waiting, 'Entra to publish the new app');
    outcome.created.push(`federatedCredential:${created.name}`);
    ctx.deps.ui.success(`Federated credential "${created.name}": ${created.issuer} ${created.subject}`);
    facts.push({ id: created.id, name: created.name, issuer: created.issuer, subject: created.subject, spec: spec.spec });
  }
  return facts;
}

/**
 * A federated target's profile: no connection test here, since only the pipeline holds a token the
 * app accepts (dynauth test-connection --federated-token-file proves it there).
 */
export async function federatedProfile(
  ctx: ApplyContext,
  target: InitAnswers['targets'][number],
  index: number,
  made: { app: Application; servicePrincipal: ServicePrincipal; environments: AppliedEnvironment[]; federation: FederationFacts[] },
): Promise<{ profile: Profile }> {
  const environment = made.environments[index]!;
  const draft: ProfileDraft = {
    ...profileDraft(ctx, target, made.app, undefined),
    servicePrincipalId: made.servicePrincipal.id,
    applicationUserId: environment.applicationUserId,
    businessUnitId: environment.businessUnitId,
    roles: environment.roles,
    expectedPrivileges: ctx.found.environments[index]!.presetPrivileges.map((p) => p.name),
    federation: await withEarlierFederation(ctx, target.profile, made.federation),
  };
  const profile = await writeProfile(ctx.storage, draft, ctx.now);
  ctx.deps.ui.success(
    `Profile "${profile.name}" written; a federated app has no secret, so nothing went to ${ctx.storage.vault.description}`,
  );
  return { profile };
}

/**
 * A re-run with another --federation adds its credential beside the earlier ones, so the profile keeps
 * recording those the app still has (status lists them, test-connection's 700213 diagnosis names them).
 */
async function withEarlierFederation(ctx: ApplyContext, profileName: string, made: FederationFacts[]): Promise<FederationFacts[]> {
  const earlier = (await ctx.storage.profiles.read(profileName).catch(() => undefined))?.federation ?? [];
  const onApp = ctx.found.app ? (ctx.found.federation ?? []) : [];
  const kept = earlier.filter((old) => onApp.some((c) => sameFederation(c, old)) && !made.some((now) => sameFederation(now, old)));
  return [...kept, ...made];
}
