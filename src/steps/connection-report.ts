// What a connection test reports: its checks, the subject tested and the report; shared by test-connection*.ts and the commands that print it.
import type { AppSecret } from '../auth/app-credential.ts';
import type { DelegatedTokens } from '../auth/delegated-token.ts';
import type { DelegatedLogin } from '../connection/delegated-session.ts';
import type { Cloud } from '../clouds.ts';
import type { Http } from '../http/http.ts';
import type { Diagnosis, FederatedDiagnosisFacts } from './diagnosis.ts';

export interface CredentialFacts {
  type: 'secret' | 'certificate';
  keyId?: string;
  thumbprint?: string;
  /** Unknown for a secret given by hand: only Entra knows it. */
  expiresOn?: string;
}

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
export type CheckId = 'credential' | 'expiry' | 'token' | 'whoami' | 'privileges' | 'expected-privileges' | 'read';
export interface Check {
  id: CheckId;
  status: CheckStatus;
  summary: string;
  diagnosis?: Diagnosis;
}

export interface ConnectionSubject {
  profile: string | undefined;
  appName: string | undefined;
  tenant: string;
  clientId: string;
  environmentUrl: string;
  /** Absent for a delegated public client: it has no key. */
  credential?: CredentialFacts;
  expectedPrivileges: string[];
  /** Roles recorded in the profile, shown when Dataverse does not let the app read its own. */
  recordedRoles: string[];
  recordedApplicationUserId: string | undefined;
  loadSecret(): Promise<AppSecret>;
  /** Set for a delegated profile: the test signs in as its integration account with the stored refresh token. */
  delegated?: DelegatedSubject;
  /** Set for a federated profile: loadSecret reads the platform's token, and fills in `token` with its claims. */
  federation?: FederatedDiagnosisFacts;
}

/** A delegated profile under test: how it signs in as its user, and what it knows of that user. */
export interface DelegatedSubject {
  publicClient: boolean;
  user?: { objectId: string; userPrincipalName: string };
  lastRedeemedOn?: string;
  /** The stored refresh token (and client secret of a confidential app). */
  loadLogin(): Promise<DelegatedLogin>;
  /** Redeems it for the environment as the user; the rotated token is saved and the redemption recorded. */
  redeem(login: DelegatedLogin, http: Http, cloud: Cloud): Promise<DelegatedTokens>;
}

export interface ConnectionReport {
  ok: boolean;
  profile: string | undefined;
  tenantId: string;
  clientId: string;
  environment: string;
  /** Absent for a delegated public client. */
  credential?: CredentialFacts & { daysLeft?: number };
  /** A delegated profile: the user it acts as and its refresh token's health. */
  delegated?: {
    publicClient: boolean;
    user?: string;
    refreshToken: { lastRedeemedOn?: string; daysLeft?: number };
  };
  /** A federated profile: the credentials the app trusts, and what the platform's token claimed. */
  federation?: FederatedDiagnosisFacts;
  /** WhoAmI's user id: an app-user profile's application user… */
  applicationUserId?: string;
  /** …or, for a delegated profile (which has no application user), the signed-in user's. */
  userId?: string;
  businessUnitId?: string;
  organizationId?: string;
  roles: { names: string[]; source: 'dataverse' | 'profile' };
  privileges: Array<{ name: string; present: boolean }>;
  latency: { tokenMs?: number; webApiMs?: number };
  checks: Check[];
}

/** The systemuser WhoAmI answered as, whichever key the report holds it under. */
export function whoAmIUserId(report: ConnectionReport): string | undefined {
  return report.userId ?? report.applicationUserId;
}

export interface CheckRecorder {
  pass(id: CheckId, summary: string, status?: CheckStatus): void;
  /** Records the failure with its diagnosis and ends the test: it never returns. */
  fail(id: CheckId, summary: string, error: unknown): never;
}
