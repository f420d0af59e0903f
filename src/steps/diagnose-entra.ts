// Entra ID (AADSTS) sign-in failures of the app's own client-credentials request.
import { aadstsMessage } from '../auth/token-error.ts';
import { initCommand, newCredentialFix, type Diagnosis, type DiagnosisContext } from './diagnosis.ts';

const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : undefined);

export function diagnoseEntra(code: number, error: unknown, ctx: DiagnosisContext): Diagnosis {
  const at = (cause: string, fix: string): Diagnosis => ({ code: `AADSTS${code}`, cause, fix, auth: true });
  const app = `app ${ctx.clientId}`;
  const text = aadstsMessage(error);
  switch (code) {
    case 7000215:
      if (ctx.credential?.secretIsKeyId || ctx.credential?.secretLooksLikeId) {
        return at(
          `The secret's ID${ctx.credential?.secretIsKeyId ? '' : ' (a GUID)'} was used instead of its value: Entra wants the Value column, shown only once when the secret was made.`,
          `Use the secret's value; if nobody kept it, make a new one: ${newCredentialFix(ctx)}.`,
        );
      }
      return at(
        `Entra rejected the client secret of ${app}: a typo, a secret that was deleted or replaced, or one made seconds ago that has not replicated yet.`,
        `Check the secret you gave, or make a new one: ${newCredentialFix(ctx)}.`,
      );
    case 7000222:
      return at(
        `The client secret has expired${day(ctx.credential?.expiresOn) ? ` (on ${day(ctx.credential?.expiresOn)})` : ''}.`,
        `Make a new one: ${newCredentialFix(ctx)}.`,
      );
    case 700016:
      return at(
        `Tenant ${ctx.tenant} has no app with client id ${ctx.clientId}: the wrong tenant, a typo in the client id, or an app made moments ago that Entra has not replicated yet.`,
        'Check --tenant and --client-id (Entra admin center > App registrations > Overview); for a new app, wait a minute and run again.',
      );
    case 7000229:
      return at(
        `${app} has no service principal (enterprise application) in tenant ${ctx.tenant}.`,
        ctx.profile
          ? `${initCommand(ctx)} creates what is missing.`
          : 'Create it: open the app in Entra and choose "Create enterprise application".',
      );
    case 90002:
    case 90038:
      return at(
        `Tenant "${ctx.tenant}" is not known in the ${ctx.cloud} cloud: a typo, or the tenant lives in another national cloud.`,
        'Check --tenant, or pick the cloud the tenant lives in with --cloud usgov|usgovhigh|dod|china.',
      );
    case 500011:
      return at(
        `Entra knows no Dataverse environment at ${ctx.environmentUrl} in tenant ${ctx.tenant}: the URL is wrong, or the environment belongs to another tenant.`,
        'Copy the environment URL from the Power Platform admin center (Environments > the environment > Environment URL), and check --tenant.',
      );
    case 700027:
      if (/key used is expired/i.test(text)) {
        return at(
          `The certificate${ctx.credential?.thumbprint ? ` (thumbprint ${ctx.credential?.thumbprint})` : ''} has expired.`,
          `Make a new one: ${newCredentialFix(ctx)}.`,
        );
      }
      return at(
        `The certificate${ctx.credential?.thumbprint ? ` (thumbprint ${ctx.credential?.thumbprint})` : ''} does not match any certificate registered on ${app}.`,
        `Use the certificate uploaded to the app (Entra > App registrations > Certificates & secrets), or make a new one: ${newCredentialFix(ctx)}.`,
      );
    case 7000112:
      return at(
        `${app} is disabled in tenant ${ctx.tenant}, so it may not sign in.`,
        'Enable it: Entra admin center > Enterprise applications > the app > Properties > "Enabled for users to sign-in?" Yes.',
      );
    case 53003:
      return at(
        `A Conditional Access policy blocked the sign-in of ${app}.`,
        "Ask an Entra admin to allow this workload identity (Entra > Sign-in logs > the failure names the policy), e.g. from this machine's network location.",
      );
    default:
      return at(
        `Entra refused the sign-in of ${app}: ${text}`,
        `Check the tenant, client id and credential; the AADSTS code is explained at https://login.microsoftonline.com/error?code=${code}`,
      );
  }
}
