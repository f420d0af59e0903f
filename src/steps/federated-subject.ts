// A federated profile under test: the app signs in with the platform's own OIDC token (GitHub
// Actions, Azure DevOps, Kubernetes) as the client assertion, as the pipeline will.
import { federatedTokenClaims, readFederatedToken } from '../auth/federated-token.ts';
import type { Profile } from '../profiles/profile.ts';
import { utcMinute } from '../util/utc-time.ts';
import type { Check, ConnectionSubject } from './connection-report.ts';
import { setupOfProfile, type FederatedDiagnosisFacts } from './diagnosis.ts';

export function federatedSubject(profile: Profile, tokenFile: string, onSecret: (token: string) => void): ConnectionSubject {
  return {
    ...setupOfProfile(profile),
    expectedPrivileges: profile.expectedPrivileges,
    recordedRoles: profile.roles.map((role) => role.name),
    recordedApplicationUserId: profile.applicationUserId || undefined,
    ...platformToken(
      tokenFile,
      {
        configured: (profile.federation ?? []).map(({ name, issuer, subject }) => ({ name, issuer, subject })),
        roles: profile.roles.map((role) => role.name),
      },
      onSecret,
    ),
  };
}

/** A setup made by hand (--tenant, --client-id, --environment) tested with a platform's token: what the app trusts is not known here. */
export function handMadeFederatedSubject(
  setup: { tenant: string; clientId: string; environmentUrl: string },
  tokenFile: string,
  onSecret: (token: string) => void,
): ConnectionSubject {
  return {
    profile: undefined,
    appName: undefined,
    ...setup,
    expectedPrivileges: [],
    recordedRoles: [],
    recordedApplicationUserId: undefined,
    ...platformToken(tokenFile, { configured: [] }, onSecret),
  };
}

function platformToken(
  tokenFile: string,
  recorded: Pick<FederatedDiagnosisFacts, 'configured' | 'roles'>,
  onSecret: (token: string) => void,
): Pick<ConnectionSubject, 'federation' | 'loadSecret'> {
  const federation: FederatedDiagnosisFacts = { tokenFile, ...recorded };
  return {
    federation,
    async loadSecret() {
      // Read afresh at each test: platforms rotate the file (a projected service account token, hourly).
      const token = await readFederatedToken(tokenFile, onSecret);
      federation.token = federatedTokenClaims(token);
      return { kind: 'federated', token };
    },
  };
}

/** The expiry check of a federated test: the platform's token, not a key (there is none). */
export function federatedTokenExpiry(facts: FederatedDiagnosisFacts, now: Date): Check {
  const expiresOn = facts.token?.expiresOn;
  if (!expiresOn) return { id: 'expiry', status: 'warn', summary: 'the platform token states no expiry (exp)' };
  if (Date.parse(expiresOn) <= now.getTime())
    return { id: 'expiry', status: 'warn', summary: `the platform token expired at ${utcMinute(expiresOn)}: Entra will refuse it` };
  return { id: 'expiry', status: 'pass', summary: `no key to expire; the platform token is valid until ${utcMinute(expiresOn)}` };
}
