// What a diagnosis is, and the commands its fixes name; shared by diagnose.ts and each diagnose-*.ts.
import type { Profile } from '../profiles/profile.ts';

export interface Diagnosis {
  /** Stable, for --json and scripts: AADSTS7000215, dataverse-0x80072560, network-dns, keychain-missing, … */
  code: string;
  /** What went wrong, in the user's terms; never a secret. */
  cause: string;
  /** What to do about it; a dynauth command where one exists. */
  fix: string;
  /** Authentication failures exit 4; everything else 1. */
  auth: boolean;
}

export interface DiagnosisContext {
  profile: string | undefined;
  /** Display name of the app registration, when a profile records it. */
  appName: string | undefined;
  tenant: string;
  clientId: string;
  environmentUrl: string;
  cloud: string;
  /** Absent for a delegated public client, which holds no key. */
  credential?: {
    type: 'secret' | 'certificate';
    expiresOn?: string;
    thumbprint?: string;
    /** The secret given has the shape of a GUID (a secret's ID, never its value). */
    secretLooksLikeId?: boolean;
    /** The secret given equals the keyId recorded for this credential. */
    secretIsKeyId?: boolean;
  };
  /** host:port of the HTTPS proxy in use, if any (never its credentials). */
  proxy: string | undefined;
  timeoutMs: number;
  /** Retry-After of the last 429, in seconds. */
  retryAfterSeconds?: number;
  /** The audience a 401 from Dataverse asked for (its WWW-Authenticate resource_id). */
  expectedAudience?: string;
  /** Claims of the Dataverse token, to explain a 401. */
  token?: { aud?: string; exp?: number };
  now: Date;
  /** Set for a delegated profile: the app acts as a signed-in user, with a refresh token. */
  delegated?: DelegatedDiagnosisFacts;
  /** Set for a federated profile: the app signs in with a platform's token (workload identity federation). */
  federation?: FederatedDiagnosisFacts;
}

export interface FederatedDiagnosisFacts {
  /** Where the platform's token was read from. */
  tokenFile: string;
  /** The federated credentials the profile records on the app. */
  configured: Array<{ name: string; issuer: string; subject: string }>;
  /** The security roles the profile records: a re-run of init that trusts another subject names them again. */
  roles?: string[];
  /** What the token claims, read without verifying, once it was read. */
  token?: { issuer?: string; subject?: string; audiences: string[]; expiresOn?: string };
}

export interface DelegatedDiagnosisFacts {
  publicClient: boolean;
  /** The integration account's sign-in name, when known. */
  user?: string;
  /** When dynauth last redeemed the refresh token (ISO). */
  lastRedeemedOn?: string;
}

/** Which setup a test or a diagnosis is about, as a profile names it (shared by ConnectionSubject and DiagnosisContext). */
export function setupOfProfile(
  profile: Pick<Profile, 'name' | 'appDisplayName' | 'tenantId' | 'clientId' | 'environment'>,
): Pick<DiagnosisContext, 'profile' | 'appName' | 'tenant' | 'clientId' | 'environmentUrl'> {
  return {
    profile: profile.name,
    appName: profile.appDisplayName,
    tenant: profile.tenantId,
    clientId: profile.clientId,
    environmentUrl: profile.environment.url,
  };
}

/** The command that mints a new credential for this setup. */
export function newCredentialFix(ctx: Pick<DiagnosisContext, 'profile' | 'credential'>): string {
  return ctx.profile
    ? `dynauth rotate-secret --profile ${ctx.profile}`
    : `create a new ${ctx.credential?.type === 'certificate' ? 'certificate' : 'client secret'} for the app in Entra (App registrations > Certificates & secrets)`;
}

/** `dynauth init` for this very app and environment (re-running init reuses what exists). */
export function initCommand(ctx: Pick<DiagnosisContext, 'profile' | 'appName' | 'environmentUrl'>, extra = ''): string {
  const app = ctx.appName ? ` --app-name "${ctx.appName}"` : '';
  const profile = ctx.profile ? ` --profile ${ctx.profile}` : '';
  return `dynauth init --environment ${ctx.environmentUrl}${app}${profile}${extra ? ` ${extra}` : ''}`;
}
