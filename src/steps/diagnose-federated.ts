// Why Entra refused a federated sign-in (workload identity federation), with the token's own issuer
// and subject shown beside the ones the app trusts: most failures are a subject that differs by a
// word (learn.microsoft.com/entra/workload-id/workload-identity-federation; Entra matches
// case-sensitively since 2024: learn.microsoft.com/entra/identity-platform/reference-breaking-changes).
import { aadstsCode, aadstsMessage } from '../auth/token-error.ts';
import { DynauthError } from '../cli/errors.ts';
import { GITHUB_ISSUER, TOKEN_EXCHANGE_AUDIENCE } from '../connection/federation-spec.ts';
import { utcMinute } from '../util/utc-time.ts';
import { initCommand, type Diagnosis, type DiagnosisContext, type FederatedDiagnosisFacts } from './diagnosis.ts';

export function diagnoseFederated(error: unknown, facts: FederatedDiagnosisFacts, ctx: DiagnosisContext): Diagnosis | undefined {
  if (error instanceof DynauthError && error.code.startsWith('federated-token-')) {
    return { code: error.code, cause: error.message, fix: error.hint ?? 'Give the file the platform wrote its token to.', auth: false };
  }
  const code = aadstsCode(error);
  if (code === undefined) return undefined;
  const at = (cause: string, fix: string): Diagnosis => ({ code: `AADSTS${code}`, cause, fix, auth: true });
  // Unread (dynauth token, dynauth api): Entra's own text names the token's issuer or subject.
  const token = facts.token ?? claimsNamedIn(aadstsMessage(error));
  const presented = `The token: issuer ${token.issuer ?? '(none)'}, subject ${token.subject ?? '(none)'}.`;
  const trusted = `The app trusts: ${facts.configured.map((c) => `issuer ${c.issuer}, subject ${c.subject} ("${c.name}")`).join('; ') || "(not known here: compare with the app's Certificates & secrets > Federated credentials in Entra)"}.`;
  const exact = facts.configured.some((c) => c.issuer === token.issuer && c.subject === token.subject);
  const trustIt =
    token.issuer && token.subject
      ? `, or trust this token's subject too: ${initCommand(ctx, `--credential federated --federation ${specOf(token.issuer, token.subject)} ${roleFlags(facts.roles)} --yes`)}`
      : '';
  switch (code) {
    case 700211:
    case 700213:
    case 7002138:
    case 70021: {
      if (exact) {
        return at(
          `The app trusts exactly this issuer and subject, but Entra does not match it yet: a federated credential added moments ago takes a while to replicate. ${presented}`,
          'Wait a minute or two and run the same test again.',
        );
      }
      const what =
        code === 700211
          ? "No federated credential of the app trusts the token's issuer."
          : code === 7002138
            ? "The token's subject differs from a trusted one only in upper and lower case, and Entra compares subjects case-sensitively."
            : "No federated credential of the app matches the token's subject.";
      return at(`${what} ${presented} ${trusted}`, `${subjectAdvice(token.issuer)}${trustIt}.`);
    }
    case 700212:
      return at(
        `The token's audience (${token.audiences.join(', ') || 'none'}) is not the one the app's federated credentials accept (${TOKEN_EXCHANGE_AUDIENCE}).`,
        `Request the platform's token for audience ${TOKEN_EXCHANGE_AUDIENCE} (GitHub Actions: &audience=${TOKEN_EXCHANGE_AUDIENCE} on the ID token request; azure/login and pac do so).`,
      );
    case 700024:
      return at(
        `The platform's token is not valid now${token.expiresOn ? `: it expired at ${utcMinute(token.expiresOn)}` : ''}. Platform tokens live minutes (GitHub Actions) to an hour (Kubernetes).`,
        `Request a fresh token right before signing in, and test again with it (--federated-token-file ${facts.tokenFile}).`,
      );
    case 700027:
      return at(
        `Entra could not verify the token's signature with the keys ${token.issuer ?? 'its issuer'} publishes: the token was altered, or another party made it.`,
        "Use the token exactly as the platform wrote it, and check that the issuer's /.well-known/openid-configuration is reachable from the internet.",
      );
    default:
      return undefined;
  }
}

/** How the platform decides a token's subject, where it is known. */
function subjectAdvice(issuer: string | undefined): string {
  if (issuer === GITHUB_ISSUER) {
    return 'GitHub sets the subject from the job: with `environment: NAME` it is repo:OWNER/REPO:environment:NAME, otherwise a push gives repo:OWNER/REPO:ref:refs/heads/BRANCH (or refs/tags/TAG) and a pull request repo:OWNER/REPO:pull_request; an organisation may customise the template, and repositories created or renamed after mid-2026 use repo:owner-ID/repo-ID. Run the job so that its subject is a trusted one';
  }
  return "Make the platform present a trusted issuer and subject (an Azure DevOps service connection shows both; a Kubernetes token's subject is system:serviceaccount:NAMESPACE:SERVICEACCOUNT)";
}

function claimsNamedIn(text: string): NonNullable<FederatedDiagnosisFacts['token']> {
  const issuer = /assertion issuer '([^']*)'/.exec(text)?.[1];
  const subject = /assertion subject '([^']*)'/.exec(text)?.[1];
  return { ...(issuer !== undefined ? { issuer } : {}), ...(subject !== undefined ? { subject } : {}), audiences: [] };
}

/** init without a terminal needs the roles named: the profile's own, or a placeholder when it records none (a setup made by hand). */
function roleFlags(roles: string[] | undefined): string {
  if (!roles?.length) return '--role "<role name>"';
  return roles.map((role) => `--role "${role.replace(/["\\$`]/g, '\\$&')}"`).join(' ');
}

function specOf(issuer: string, subject: string): string {
  return issuer === GITHUB_ISSUER ? `github:subject:${subject}` : `oidc:${issuer}:${subject}`;
}
