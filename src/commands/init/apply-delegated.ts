// init --flow delegated: the same Entra steps as an app-user setup (app, credential, service
// principal, consent), arranged for an app that acts as a user: its redirect URIs and platform,
// Graph's sign-in scopes consented, no application user or roles; then the integration account
// signs in, its refresh token is sealed at once, and WhoAmI proves the token works as that user.
import { ApiError } from '../../clients/api-error.ts';
import { createDataverseApi, NOT_A_MEMBER, type DataverseApi, type WhoAmI } from '../../clients/dataverse.ts';
import type { Application, ApplicationChanges, GraphApi, ServicePrincipal } from '../../clients/graph.ts';
import type { Cloud } from '../../clouds.ts';
import { DynauthError } from '../../cli/errors.ts';
import { appSecretOf, type StoredCredential } from '../../connection/credential.ts';
import { writeProfile } from '../../connection/profile-writes.ts';
import type { Storage } from '../../connection/storage.ts';
import type { Deps } from '../../deps.ts';
import type { DelegatedTokens } from '../../auth/delegated-token.ts';
import type { DelegatedFacts, Profile } from '../../profiles/profile.ts';
import { appNotYetVisible, whileReplicating } from '../../steps/replication.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';
import { signInIntegrationAccount } from '../../steps/sign-in-user.ts';
import { acquireAppToken } from '../../steps/verify-connection.ts';
import { taskGraph } from '../../util/task-graph.ts';
import { ensureCredential, profileDraft, type ApplyContext } from './apply-credential.ts';
import { delegatedPlatform, ensureConsent, ensureCrmServicePrincipal, ensureServicePrincipal, requiredAccess } from './apply-entra.ts';
import { recordedApp, waitingFor } from './apply.ts';
import type { InitFlags } from './flags.ts';
import type { DelegatedAnswers, Discovery, InitAnswers, Outcome } from './model.ts';
import { forgetNewApp } from './recent-app.ts';
import { forgetSecretMarker } from './new-secret.ts';

/** Graph's OpenID Connect scopes a delegated app is consented to (a refresh token needs offline_access). */
const SIGN_IN_SCOPES = ['openid', 'profile', 'offline_access'];

export interface SignedInUser {
  objectId: string;
  userPrincipalName: string;
  systemUserId: string;
  businessUnitId: string;
  /** The privileges of the user's own roles (RetrieveUserPrivileges); undefined when they could not be read. */
  privileges: string[] | undefined;
}

export interface AppliedDelegated {
  app: Application;
  servicePrincipal: ServicePrincipal;
  /** Absent for a public client. */
  credential: StoredCredential | undefined;
  outcome: Outcome;
  profile: Profile;
  /** Absent with --no-sign-in. */
  user: SignedInUser | undefined;
  storedIn: string;
}

export async function applyDelegatedPlan(
  deps: Deps,
  cloud: Cloud,
  session: AdminSession,
  answers: InitAnswers,
  found: Discovery,
  storage: Storage,
  flags: Pick<InitFlags, 'waitMs'>,
): Promise<AppliedDelegated> {
  const delegated = answers.delegated!;
  const target = answers.targets[0]!;
  const { graph } = session;
  const outcome: Outcome = { created: [], reused: [] };
  const waiting = waitingFor(deps, flags);
  const ctx: ApplyContext = { deps, cloud, session, answers, found, storage, outcome, waiting, now: deps.clock.now() };
  const say = (message: string) => deps.ui.success(message);
  const { app, credential, servicePrincipal, user } = await taskGraph()
    .task('crm', [], () => ensureCrmServicePrincipal(graph, found.crm, outcome))
    .task('app', ['crm'], ({ crm }) => recordedApp(ctx, crm))
    .task('platform', ['app', 'crm'], ({ app, crm }) => convergePlatform(graph, app, crm, delegated, outcome, waiting, say))
    .task('credential', ['app'], ({ app }) => (delegated.publicClient ? undefined : ensureCredential(ctx, app)))
    .task('servicePrincipal', ['app'], async ({ app }) => {
      const sp = await ensureServicePrincipal(graph, app, found.servicePrincipal, outcome, waiting);
      say(`Service principal ${sp.id}`);
      return sp;
    })
    .task('consent', ['servicePrincipal', 'crm'], async ({ servicePrincipal, crm }) => {
      await ensureConsent(graph, servicePrincipal, crm, found.grant, outcome, waiting);
      say('Admin consent for Dynamics CRM user_impersonation');
    })
    .task('graphConsent', ['servicePrincipal'], async ({ servicePrincipal }) => {
      if (!found.graph) throw new DynauthError('The tenant has no Microsoft Graph service principal to consent the sign-in scopes to.');
      await ensureConsent(graph, servicePrincipal, found.graph, found.graphGrant, outcome, waiting, {
        scopes: SIGN_IN_SCOPES,
        outcomeId: 'adminConsent:Microsoft Graph',
      });
      say(`Admin consent for ${SIGN_IN_SCOPES.join(', ')} (Microsoft Graph)`);
    })
    // A new secret works at Entra's sign-in only once it has replicated: proved with the app's own
    // token (client credentials) before the integration account is sent to the browser.
    .task('ready', ['app', 'credential', 'servicePrincipal'], async ({ app, credential }) => {
      if (credential)
        await acquireAppToken(
          deps,
          cloud,
          { tenantId: session.tenantId, clientId: app.appId, secret: appSecretOf(credential), environmentUrl: target.url },
          waiting,
        );
    })
    .task('user', ['app', 'credential', 'platform', 'consent', 'graphConsent', 'ready'], ({ app, credential }) =>
      delegated.signIn ? signedInUser(ctx, app, credential, delegated.signIn) : undefined,
    )
    .run();
  const draft = profileDraft(ctx, target, app, credential);
  // Without a sign-in (--no-sign-in) the account signed in earlier, and its stored refresh token, stay as recorded.
  const earlier = user ? undefined : await storage.profiles.read(target.profile).catch(() => undefined);
  const facts: DelegatedFacts = {
    publicClient: delegated.publicClient,
    redirectUris: delegated.redirectUris,
    ...(user
      ? {
          user: { objectId: user.objectId, userPrincipalName: user.userPrincipalName, systemUserId: user.systemUserId },
          refreshToken: { obtainedOn: ctx.now.toISOString(), lastRedeemedOn: ctx.now.toISOString() },
        }
      : {
          ...(earlier?.delegated?.user ? { user: earlier.delegated.user } : {}),
          ...(earlier?.delegated?.refreshToken ? { refreshToken: earlier.delegated.refreshToken } : {}),
        }),
  };
  const profile = await writeProfile(
    storage,
    {
      ...draft,
      flow: 'delegated',
      servicePrincipalId: servicePrincipal.id,
      businessUnitId: user?.businessUnitId ?? earlier?.businessUnitId ?? '',
      delegated: facts,
      ...(user ? { lastSuccessfulTest: ctx.now.toISOString() } : {}),
    },
    ctx.now,
  );
  await forgetNewApp(storage.profiles, [target.profile]);
  await forgetSecretMarker(storage.profiles, [target.profile]);
  return { app, servicePrincipal, credential, outcome, profile, user, storedIn: storage.vault.description };
}

/**
 * An app found from an earlier run (or made by hand) gets what a delegated setup needs and lacks:
 * its redirect URIs on the right platform, public client flows, Graph's sign-in scopes. Nothing is
 * removed: a product's own redirect URIs stay.
 */
async function convergePlatform(
  graph: GraphApi,
  app: Application,
  crm: ServicePrincipal,
  delegated: DelegatedAnswers,
  outcome: Outcome,
  waiting: ApplyContext['waiting'],
  say: (message: string) => void,
): Promise<void> {
  const wanted = delegatedPlatform(delegated);
  const changes: ApplicationChanges = {};
  for (const platform of ['web', 'publicClient'] as const) {
    const uris = wanted[platform]?.redirectUris;
    const present = app[platform]?.redirectUris ?? [];
    if (uris?.some((uri) => !present.includes(uri))) changes[platform] = { redirectUris: [...new Set([...present, ...uris])] };
  }
  if (wanted.isFallbackPublicClient && app.isFallbackPublicClient !== true) changes.isFallbackPublicClient = true;
  const access = requiredAccess(crm, delegated);
  const lacking = access.some((resource) => {
    const existing = app.requiredResourceAccess?.find((r) => r.resourceAppId.toLowerCase() === resource.resourceAppId.toLowerCase());
    return resource.resourceAccess.some((scope) => !existing?.resourceAccess.some((e) => e.id.toLowerCase() === scope.id.toLowerCase()));
  });
  if (lacking) changes.requiredResourceAccess = mergeAccess(app.requiredResourceAccess ?? [], access);
  if (!Object.keys(changes).length) return;
  await whileReplicating(() => graph.updateApplication(app.id, changes), appNotYetVisible, waiting, 'Entra to publish the new app');
  Object.assign(app, changes);
  outcome.created.push('delegatedPlatform');
  say(`App registration updated for sign-in: ${Object.keys(changes).join(', ')}`);
}

type Access = NonNullable<Application['requiredResourceAccess']>;

function mergeAccess(present: Access, wanted: Access): Access {
  const merged = present.map((r) => ({ ...r, resourceAccess: [...r.resourceAccess] }));
  for (const resource of wanted) {
    const existing = merged.find((r) => r.resourceAppId.toLowerCase() === resource.resourceAppId.toLowerCase());
    if (!existing) merged.push(resource);
    else
      for (const scope of resource.resourceAccess)
        if (!existing.resourceAccess.some((e) => e.id.toLowerCase() === scope.id.toLowerCase())) existing.resourceAccess.push(scope);
  }
  return merged;
}

/** Signs the integration account in, seals its refresh token before anything else, then proves it with WhoAmI as that user. */
async function signedInUser(
  ctx: ApplyContext,
  app: Application,
  credential: StoredCredential | undefined,
  method: 'browser' | 'device-code',
): Promise<SignedInUser> {
  const { deps, cloud, session, storage } = ctx;
  const target = ctx.answers.targets[0]!;
  const tokens = await signInIntegrationAccount(deps, cloud, {
    tenantId: session.tenantId,
    clientId: app.appId,
    ...(credential?.kind === 'secret' ? { clientSecret: credential.clientSecret } : {}),
    environmentUrl: target.url,
    method,
    timeoutMs: ctx.waiting.timeoutMs,
    retryHint: `Run dynauth init --flow delegated --profile ${target.profile} again to sign in`,
  });
  // The refresh token is the integration's credential: sealed before the next remote call.
  await deps.cancellation.critical(() => storage.vault.saveRefreshToken(target.profile, tokens.refreshToken!));
  storage.vault.release();
  deps.ui.success(`Refresh token of ${userName(tokens)} saved to ${storage.vault.description}`);
  const dataverse = createDataverseApi(target.url, deps.http, async () => tokens.accessToken, 'app');
  const whoAmI = await whoAmIAsUser(dataverse, tokens, target.displayName);
  deps.ui.success(`Connection verified in ${target.displayName}: WhoAmI answered as ${userName(tokens)} (user ${whoAmI.UserId})`);
  const privileges = await privilegesOf(dataverse, session.dataverse(target.url), whoAmI.UserId);
  reportPrivileges(deps, userName(tokens), privileges);
  return {
    objectId: tokens.user?.objectId ?? '',
    userPrincipalName: tokens.user?.userPrincipalName ?? '',
    systemUserId: whoAmI.UserId,
    businessUnitId: whoAmI.BusinessUnitId,
    privileges,
  };
}

function userName(tokens: DelegatedTokens): string {
  return tokens.user?.userPrincipalName || 'the integration account';
}

async function whoAmIAsUser(dataverse: DataverseApi, tokens: DelegatedTokens, where: string): Promise<WhoAmI> {
  try {
    return await dataverse.whoAmI();
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
    const who = userName(tokens);
    const disabled = /disabled/i.test(error.remoteMessage ?? '');
    throw new DynauthError(
      error.remoteCode === NOT_A_MEMBER
        ? `${who} signed in, but is not a user of ${where}.`
        : disabled
          ? `${who} signed in, but is disabled in ${where}.`
          : `${who} signed in, but ${where} refused WhoAmI: ${error.remoteMessage ?? `HTTP ${error.status}`}.`,
      {
        hint:
          error.remoteCode === NOT_A_MEMBER
            ? 'The account needs a Dynamics 365 / Power Apps licence and a place in the environment (Power Platform admin center > Users); then run the same dynauth init again.'
            : 'Enable the user and give it a security role in the Power Platform admin center; then run the same dynauth init again.',
        code: 'integration-user-refused',
      },
    );
  }
}

/** As the user first; a user that may not read its own privileges has them read by the admin; unknown if neither can. */
async function privilegesOf(asUser: DataverseApi, asAdmin: DataverseApi, userId: string): Promise<string[] | undefined> {
  try {
    return (await asUser.retrieveUserPrivileges(userId)).map((p) => p.PrivilegeName);
  } catch {
    try {
      return (await asAdmin.retrieveUserPrivileges(userId)).map((p) => p.PrivilegeName);
    } catch {
      return undefined;
    }
  }
}

function reportPrivileges(deps: Pick<Deps, 'ui'>, who: string, privileges: string[] | undefined): void {
  if (privileges === undefined) {
    deps.ui.warn(`Could not read the privileges of ${who}: check its security roles in the Power Platform admin center.`);
    return;
  }
  if (!privileges.length) {
    deps.ui.warn(`${who} holds no privileges of its own: give it a security role, or the integration's calls will be refused.`);
    return;
  }
  const tables = ['Account', 'Contact', 'Lead', 'Incident'];
  const held = new Set(privileges);
  const summary = tables
    .map((table) => {
      const rights = ['Read', 'Create', 'Write'].filter((right) => held.has(`prv${right}${table}`));
      return rights.length ? `${table.toLowerCase()} ${rights.join('/').toLowerCase()}` : undefined;
    })
    .filter(Boolean)
    .join(', ');
  deps.ui.success(`${who} holds ${privileges.length} privileges through its roles${summary ? ` (${summary})` : ''}`);
}
