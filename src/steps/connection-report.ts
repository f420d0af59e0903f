// What a connection test reports: its checks, the subject tested and the report; shared by test-connection*.ts and the commands that print it.
import type { AppSecret } from '../auth/app-credential.ts';
import type { Diagnosis } from './diagnosis.ts';

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
  credential: CredentialFacts;
  expectedPrivileges: string[];
  /** Roles recorded in the profile, shown when Dataverse does not let the app read its own. */
  recordedRoles: string[];
  recordedApplicationUserId: string | undefined;
  loadSecret(): Promise<AppSecret>;
}

export interface ConnectionReport {
  ok: boolean;
  profile: string | undefined;
  tenantId: string;
  clientId: string;
  environment: string;
  credential: CredentialFacts & { daysLeft?: number };
  applicationUserId?: string;
  businessUnitId?: string;
  organizationId?: string;
  roles: { names: string[]; source: 'dataverse' | 'profile' };
  privileges: Array<{ name: string; present: boolean }>;
  latency: { tokenMs?: number; webApiMs?: number };
  checks: Check[];
}

export interface CheckRecorder {
  pass(id: CheckId, summary: string, status?: CheckStatus): void;
  /** Records the failure with its diagnosis and ends the test: it never returns. */
  fail(id: CheckId, summary: string, error: unknown): never;
}
