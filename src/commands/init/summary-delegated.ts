import type { Ui } from '../../cli/ui.ts';
import type { Cloud } from '../../clouds.ts';
import { oauthEndpoints } from '../../clouds.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';
import type { AppliedDelegated } from './apply-delegated.ts';
import { describeOutcome } from './summary.ts';

export function printDelegatedSummary(ui: Ui, applied: AppliedDelegated, showSecret: boolean): void {
  const { profile, credential, user } = applied;
  const name = profile.name;
  ui.info('');
  ui.info(ui.style.bold('Done.'));
  ui.info(`  Created: ${applied.outcome.created.map(describeOutcome).join(', ') || 'nothing (everything existed)'}`);
  if (applied.outcome.reused.length) ui.info(`  Reused:  ${applied.outcome.reused.map(describeOutcome).join(', ')}`);
  ui.info(
    `  Client id: ${applied.app.appId} (${profile.delegated?.publicClient ? 'public client, no secret' : 'web app with a client secret'})`,
  );
  ui.info(`  Redirect URIs: ${profile.delegated?.redirectUris.join(', ')}`);
  ui.info(`  Profile "${name}": ${profile.environment.url}, delegated`);
  if (user) {
    ui.info(
      `  Integration account: ${user.userPrincipalName} (Dataverse user ${user.systemUserId}); its refresh token is only in ${applied.storedIn}`,
    );
    ui.info('  Entra ends a refresh token left unused for 90 days: the integration keeps it alive by using it.');
    ui.info(`  The product that connects gets every field of its form with: dynauth export --profile ${name} --format fields`);
  } else {
    ui.info(`  The integration account has not signed in: dynauth init --flow delegated --profile ${name}`);
  }
  if (credential?.kind === 'secret') {
    ui.info(`  The client secret expires on ${credential.expiresOn.slice(0, 10)}. Renew it with: dynauth rotate-secret --profile ${name}`);
    if (showSecret) ui.revealSecret('Client secret', credential.clientSecret);
  }
  ui.info(`  Next: dynauth test-connection --profile ${name}`);
}

/** The --json result of a delegated setup: one object, never a secret or token. */
export function delegatedSummaryJson(cloud: Cloud, session: AdminSession, applied: AppliedDelegated): unknown {
  const { profile, credential, user } = applied;
  const endpoints = oauthEndpoints(cloud, session.tenantId);
  return {
    profile: profile.name,
    flow: 'delegated',
    cloud: cloud.name,
    tenantId: session.tenantId,
    clientId: applied.app.appId,
    applicationObjectId: applied.app.id,
    servicePrincipalId: applied.servicePrincipal.id,
    environment: { id: profile.environment.id, url: profile.environment.url, uniqueName: profile.environment.uniqueName },
    publicClient: profile.delegated?.publicClient ?? false,
    redirectUris: profile.delegated?.redirectUris ?? [],
    authorizationUrl: endpoints.authorize,
    tokenUrl: endpoints.token,
    credential: credential && { type: credential.kind, keyId: credential.keyId, expiresOn: credential.expiresOn },
    user: user
      ? {
          objectId: user.objectId,
          userPrincipalName: user.userPrincipalName,
          systemUserId: user.systemUserId,
          businessUnitId: user.businessUnitId,
          privileges: user.privileges ?? null,
        }
      : null,
    refreshTokenStored: Boolean(user),
    keychain: { service: profile.keychain.service, account: profile.keychain.account },
    created: applied.outcome.created,
    reused: applied.outcome.reused,
  };
}
