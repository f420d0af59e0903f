import type { Application } from '../../clients/graph.ts';
import type { Discovery, InitAnswers, PlanItem } from './model.ts';

/** What init --flow delegated will make or reuse, in the user's words: shown before anything is changed. */
export function buildDelegatedPlan(answers: InitAnswers, found: Discovery, existingProfiles: Set<string>): PlanItem[] {
  const delegated = answers.delegated!;
  const target = answers.targets[0]!;
  const item = (exists: boolean, what: string): PlanItem => ({ action: exists ? 'reuse' : 'create', what });
  const platform = delegated.publicClient
    ? `public client (no secret; public client flows allowed), redirect URI ${delegated.redirectUris.join(', ')}`
    : `web app, redirect URI ${delegated.redirectUris.join(', ')}`;
  const missing = found.app ? platformMissing(found.app, delegated) : [];
  const plan: PlanItem[] = [
    missing.length
      ? { action: 'update', what: `app registration "${answers.appName}": add ${missing.join(', ')}` }
      : item(Boolean(found.app), `app registration "${answers.appName}" (single tenant, ${platform})`),
    item(Boolean(found.servicePrincipal), 'service principal (enterprise application)'),
    item(Boolean(found.grant), 'admin consent for Dynamics CRM user_impersonation (delegated)'),
    item(Boolean(found.graphGrant), 'admin consent for openid, profile, offline_access (Microsoft Graph)'),
  ];
  if (!found.crm) plan.splice(2, 0, { action: 'create', what: 'Dynamics CRM service principal in the tenant' });
  if (!delegated.publicClient) {
    plan.push(
      found.credential
        ? { action: 'reuse', what: `stored client secret (expires ${found.credential.expiresOn.slice(0, 10)})` }
        : {
            action: 'create',
            what: `client secret valid ${answers.lifetimeDays} days${answers.lifetimeNote ? ` (${answers.lifetimeNote})` : ''}, stored encrypted the moment it exists`,
          },
    );
  }
  plan.push({ action: 'omit', what: 'no application user and no security roles: the app acts as the integration account' });
  plan.push(
    delegated.signIn
      ? {
          action: 'create',
          what: `sign-in of the integration account (${delegated.signIn === 'browser' ? 'browser, authorization code + PKCE' : 'device code'}), WhoAmI as that user in ${target.displayName}, refresh token stored encrypted`,
        }
      : { action: 'omit', what: 'no sign-in (--no-sign-in): run dynauth init --flow delegated again to sign the integration account in' },
  );
  plan.push({
    action: existingProfiles.has(target.profile) ? 'update' : 'create',
    what: `profile "${target.profile}" (delegated) for ${target.displayName}`,
  });
  return plan;
}

/** What an existing app (an app-user setup's, or one made by hand) lacks for this sign-in: init adds it, and the plan says so. */
function platformMissing(app: Application, delegated: NonNullable<InitAnswers['delegated']>): string[] {
  const platform = delegated.publicClient ? 'publicClient' : 'web';
  const present = app[platform]?.redirectUris ?? [];
  const uris = delegated.redirectUris.filter((uri) => !present.includes(uri));
  const missing = uris.length ? [`redirect URI ${uris.join(', ')} (${delegated.publicClient ? 'public client' : 'web'} platform)`] : [];
  if (delegated.publicClient && app.isFallbackPublicClient !== true) missing.push('public client flows allowed');
  return missing;
}
