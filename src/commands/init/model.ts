import type { StoredCredential } from '../../connection/credential.ts';
import type { ApplicationUser, BusinessUnit, DataverseApi } from '../../clients/dataverse.ts';
import type { Application, FederatedCredential, PermissionGrant, ServicePrincipal } from '../../clients/graph.ts';
import type { FederationSpec } from '../../connection/federation-spec.ts';
import type { ConnectionFlow } from '../../profiles/profile.ts';
import type { RolePreset } from '../../roles/presets.ts';
import type { PolicyReads } from '../../steps/credential-policy.ts';
import type { TargetEnvironment } from '../../steps/resolve-environments.ts';

export type RoleChoice = { kind: 'preset'; preset: RolePreset } | { kind: 'existing'; names: string[] };

/** A delegated setup's answers: the app's platform, and how (whether) the integration account signs in. */
export interface DelegatedAnswers {
  publicClient: boolean;
  /** http://localhost first, then --redirect-uri's. */
  redirectUris: string[];
  /** undefined with --no-sign-in. */
  signIn: 'browser' | 'device-code' | undefined;
}

/** Every answer, from flags, environment or prompts, before anything is planned. */
export interface InitAnswers {
  /** app-user unless --flow delegated (then `delegated` is set). */
  flow: ConnectionFlow;
  delegated?: DelegatedAnswers;
  appName: string;
  /** When known (--add-environment), the app is found by client id rather than by name. */
  appId?: string;
  /** federated: no secret or certificate, federated identity credentials for `federation`. */
  credential: 'secret' | 'certificate' | 'federated';
  /** --credential federated: the pipelines whose tokens sign the app in. */
  federation?: FederationSpec[];
  lifetimeDays: number;
  /** Why lifetimeDays is shorter than asked: the app-management policy's maximum. */
  lifetimeNote?: string;
  roleChoice: RoleChoice;
  businessUnit: string | undefined;
  targets: Array<TargetEnvironment & { profile: string }>;
}

export interface RoleState {
  name: string;
  /** The role in the application user's business unit, when it exists already. */
  id: string | undefined;
  create: boolean;
  missingPrivileges: string[];
  assigned: boolean;
}

export interface EnvironmentState {
  target: InitAnswers['targets'][number];
  dataverse: DataverseApi;
  rootBusinessUnit: BusinessUnit;
  businessUnit: BusinessUnit;
  appUser: ApplicationUser | undefined;
  roles: RoleState[];
  /** The custom preset's privileges this environment has, in the preset's order ([] for built-in or existing roles). */
  presetPrivileges: Array<{ privilegeid: string; name: string }>;
  /** The custom preset's privileges this environment has no table for (no Dynamics 365 apps there). */
  unavailablePrivileges: string[];
}

/** What already exists, found with read calls only; the plan and a re-run are built on it. */
export interface Discovery {
  app: Application | undefined;
  servicePrincipal: ServicePrincipal | undefined;
  crm: ServicePrincipal | undefined;
  grant: PermissionGrant | undefined;
  credential: StoredCredential | undefined;
  /** The app-management policies that may govern a new client secret (read only for --credential secret). */
  policies: PolicyReads | undefined;
  environments: EnvironmentState[];
  /** --credential federated: the app's federated identity credentials. */
  federation?: FederatedCredential[];
  /** Delegated setups: Microsoft Graph's service principal and the app's admin consent to its sign-in scopes. */
  graph?: ServicePrincipal | undefined;
  graphGrant?: PermissionGrant | undefined;
}

export interface PlanItem {
  action: 'create' | 'assign' | 'reuse' | 'update' | 'omit';
  what: string;
}

export interface Outcome {
  created: string[];
  reused: string[];
}
