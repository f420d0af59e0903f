// The failures of a delegated setup (an app acting as its signed-in integration account), each with
// a plain why and a fix: what Entra says when the refresh token can no longer be redeemed, and what
// Dataverse says about the user. Anything else falls through to the app-user table (diagnose-entra.ts,
// diagnose-dataverse.ts).
import { EntraTokenError } from '../auth/entra-token-error.ts';
import { aadstsCode } from '../auth/token-error.ts';
import type { ApiError } from '../clients/api-error.ts';
import { MISSING_PRIVILEGE, NOT_A_MEMBER } from '../clients/dataverse.ts';
import type { Profile } from '../profiles/profile.ts';
import { setupOfProfile, type Diagnosis, type DiagnosisContext } from './diagnosis.ts';

const DISABLED_USER = '0x80040225';
/** -2147167669: "doesn't have a Dynamics 365 license assigned" (Dynamics 365 support articles). */
const NO_LICENCE = '0x8004d24b';
const IDLE_DAYS = 90;

/** The AADSTS number of a failed token request, from oauth4webapi's error (delegated-token.ts) or MSAL's. */
export function delegatedAadsts(error: unknown): number | undefined {
  return error instanceof EntraTokenError ? (error.aadsts ?? aadstsCode(error)) : aadstsCode(error);
}

/** The command that signs the integration account in again, reusing the app. */
function signInAgain(ctx: DiagnosisContext): string {
  return ctx.profile ? `dynauth init --flow delegated --profile ${ctx.profile}` : 'dynauth init --flow delegated --profile <profile>';
}

function who(ctx: DiagnosisContext): string {
  return ctx.delegated?.user ? `the integration account ${ctx.delegated.user}` : 'the integration account';
}

/** Entra's refusals of a delegated sign-in or refresh; undefined when the code is not a delegated one. */
export function diagnoseDelegatedEntra(code: number, ctx: DiagnosisContext): Diagnosis | undefined {
  const at = (cause: string, fix: string): Diagnosis => ({ code: `AADSTS${code}`, cause, fix, auth: true });
  const user = who(ctx);
  const last = ctx.delegated?.lastRedeemedOn?.slice(0, 10);
  switch (code) {
    case 700082:
    case 70008:
      return at(
        `The refresh token expired: Entra ends one after ${IDLE_DAYS} days unused${last ? ` (dynauth last redeemed it on ${last})` : ''}, and a dead one cannot be revived.`,
        `Sign ${user} in again: ${signInAgain(ctx)} (it reuses the app). Then redeem it at least every ${IDLE_DAYS} days, e.g. a scheduled dynauth test-connection --profile ${ctx.profile ?? '<profile>'}.`,
      );
    case 50173:
    case 50133:
      return at(
        `Entra revoked the refresh token of ${user}: its sign-in sessions were revoked, or its password was changed or reset.`,
        `Sign ${user} in again with its current password: ${signInAgain(ctx)}.`,
      );
    case 65001:
      return at(
        `Nobody has consented to app ${ctx.clientId} acting as ${user} (Dynamics CRM user_impersonation): the admin consent was removed, or never granted.`,
        `Grant it again: ${signInAgain(ctx)} asks for admin consent, or an admin chooses "Grant admin consent" under the app's API permissions in Entra.`,
      );
    case 50076:
    case 50079:
      return at(
        code === 50079
          ? `A Conditional Access or MFA policy now requires ${user} to enrol in multi-factor authentication, which a refresh token cannot do.`
          : `A Conditional Access or MFA policy now requires multi-factor authentication for ${user}, which a refresh token obtained without it cannot satisfy.`,
        `Sign in interactively (completing MFA): ${signInAgain(ctx)}. For an unattended integration, ask an Entra admin to exclude the integration account from the policy (e.g. from trusted locations), or use an app-user setup.`,
      );
    case 50011:
      return at(
        `The redirect URI sent does not match any redirect URI registered on app ${ctx.clientId}.`,
        `Register the product's callback on the app (Entra > App registrations > Authentication, or ${signInAgain(ctx)} --redirect-uri <uri>), and send exactly that URI.`,
      );
    case 7000218:
      return at(
        ctx.delegated?.publicClient
          ? `App ${ctx.clientId} is not a public client (its "Allow public client flows" is off), so Entra wants a client secret that this public-client profile does not have.`
          : `Entra wants a client secret from app ${ctx.clientId} (a confidential client) and none was sent.`,
        ctx.delegated?.publicClient
          ? `Turn "Allow public client flows" back on (Entra > App registrations > Authentication), or re-run ${signInAgain(ctx)} --public-client.`
          : `Send the app's client secret; if it is lost, make a new one: dynauth rotate-secret --profile ${ctx.profile ?? '<profile>'}.`,
      );
    case 700025:
      return at(
        `App ${ctx.clientId} signed ${user} in as a public client, so Entra refuses a client secret with it.`,
        `Send no secret for a public client (PKCE alone), or set the app up as a confidential web app: ${signInAgain(ctx)} without --public-client.`,
      );
    case 9002313:
    case 70000:
      return at(
        `Entra does not accept the stored refresh token (malformed, or issued to another app).`,
        `Sign ${user} in again: ${signInAgain(ctx)}.`,
      );
    case 50057:
      return at(
        `The account of ${user} is disabled in Entra ID.`,
        'Ask an Entra admin to enable it (Entra > Users > the user > Account enabled).',
      );
    case 50126:
    case 50034:
      return at(
        `Entra does not know ${user} or its password: the account was deleted or renamed.`,
        `Sign the integration account in again: ${signInAgain(ctx)}.`,
      );
    default:
      return undefined;
  }
}

/** Dataverse's refusals of the signed-in user; undefined when the app-user table says it as well. */
export function diagnoseDelegatedDataverse(error: ApiError, ctx: DiagnosisContext): Diagnosis | undefined {
  const host = new URL(ctx.environmentUrl).host;
  const user = who(ctx);
  const result = (code: string, cause: string, fix: string, auth = true): Diagnosis => ({ code, cause, fix, auth });
  const admin = 'Power Platform admin center > the environment > Settings > Users + permissions > Users';
  switch (error.remoteCode.toLowerCase()) {
    case NOT_A_MEMBER:
      return result(
        `dataverse-${NOT_A_MEMBER}`,
        `${capital(user)} is not a user of ${host}: not in the environment's security group, without a licence, or not synchronised into it yet.`,
        `Add the account to the environment (${admin} > Add user), give it a Dynamics 365 or Power Apps licence (Microsoft 365 admin center > Users > Licences) and a security role.`,
      );
    case DISABLED_USER:
      return result(
        `dataverse-${DISABLED_USER}`,
        `${capital(user)} is disabled in ${host}; Dataverse also disables a user whose licence was removed.`,
        `Give the account its licence back (Microsoft 365 admin center > Users > Licences), or enable it (${admin}).`,
      );
    case NO_LICENCE:
      return result(
        `dataverse-${NO_LICENCE}`,
        `${capital(user)} has no Dynamics 365 or Power Apps licence, so ${host} does not let it in.`,
        `Assign a licence (Microsoft 365 admin center > Users > Active users > Licences and apps), then wait for Dataverse to pick it up (${admin} > Refresh user).`,
      );
    case MISSING_PRIVILEGE:
      if (/has not been assigned any roles/i.test(error.remoteMessage)) {
        return result(
          'no-security-role',
          `${capital(user)} has no security role in ${host}, neither its own nor through a team.`,
          `Assign one that grants what the integration does (${admin} > the user > Manage security roles).`,
          false,
        );
      }
      return result(
        `dataverse-${MISSING_PRIVILEGE}`,
        `${capital(user)} lacks ${/missing (\w+) privilege/.exec(error.remoteMessage)?.[1] ?? 'a privilege'} in ${host}.`,
        `Give the account a security role that grants it (${admin} > the user > Manage security roles).`,
        false,
      );
    default:
      return undefined;
  }
}

/** What a diagnosis knows of a delegated profile (diagnoseDelegatedFailure in diagnose.ts uses it). */
export function delegatedContext(profile: Profile, now: Date): DiagnosisContext {
  return {
    ...setupOfProfile(profile),
    cloud: profile.cloud,
    ...(profile.credential ? { credential: { type: profile.credential.type, expiresOn: profile.credential.expiresOn } } : {}),
    proxy: undefined,
    timeoutMs: 0,
    now,
    delegated: {
      publicClient: profile.delegated?.publicClient ?? false,
      ...(profile.delegated?.user ? { user: profile.delegated.user.userPrincipalName } : {}),
      ...(profile.delegated?.refreshToken ? { lastRedeemedOn: profile.delegated.refreshToken.lastRedeemedOn } : {}),
    },
  };
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
