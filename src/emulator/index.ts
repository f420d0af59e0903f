// The local emulator of the Microsoft cloud dynauth talks to (Entra ID, Graph, Power Platform
// admin, Dataverse). Used by tests and by `dynauth sandbox`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appManagementPolicy, tenantAppManagementPolicy } from './app-management-policies.ts';
import type { EmulatorContext } from './context.ts';
import type { FaultRule } from './fault-rules.ts';
import { createFaultStore } from './faults.ts';
import type { Reply, RequestContext } from './http.ts';
import { createRecorder } from './record.ts';
import { createReplication, replicationSeed } from './replication.ts';
import { handleBap } from './routes/bap.ts';
import { handleDataverse } from './routes/dataverse.ts';
import { handleGraph } from './routes/graph.ts';
import { handleLogin } from './routes/login.ts';
import { handleOidc } from './routes/oidc.ts';
import { createOidcIssuer, type MintOptions } from './oidc-issuer.ts';
import { startDestinations, type EmulatedGithub, type EmulatedKeyVault } from './destinations.ts';
import { seedState } from './seed.ts';
import { startListener, stopListener, type Listener } from './server.ts';
import type { EmulatorState, User } from './state.ts';
import { createEmulatorTls } from './tls.ts';
import { createTokenSigner } from './tokens.ts';
import type { EmulatorOptions } from './options.ts';
import type { RecordedRequest, ReplicationLag, SeedAppManagementPolicy } from './types.ts';
import type { Cloud } from '../clouds.ts';

export { parseFaultSpec } from './faults.ts';
export { DEFAULT_REPLICATION_LAG_MS } from './replication.ts';
export type { FaultRule } from './fault-rules.ts';
export type { EmulatorOptions } from './options.ts';
export type {
  RecordedRequest,
  ReplicationLag,
  SeedAppManagementPolicy,
  SeedApplication,
  SeedOptions,
  ServiceName,
  TokenSummary,
} from './types.ts';
export type { EmulatorState } from './state.ts';
export type { EmulatedGithub, EmulatedKeyVault } from './destinations.ts';
export type { MintOptions } from './oidc-issuer.ts';
export { GITHUB_ACTIONS_ISSUER, TOKEN_EXCHANGE_AUDIENCE } from './oidc-issuer.ts';

/** The custom-cloud JSON the CLI reads via --cloud-config / DYNAUTH_CLOUD_CONFIG. */
export type CloudConfig = Omit<Cloud, 'name'>;

type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export interface Emulator {
  cloudConfig: CloudConfig;
  caCertPem: string;
  /** Writes cloud-config.json and ca.pem (for DYNAUTH_CLOUD_CONFIG and NODE_EXTRA_CA_CERTS of child processes). */
  writeFiles(dir: string): Promise<{ cloudConfigPath: string; caCertPath: string }>;
  tenant: { id: string; domain: string; displayName: string };
  admin: { userPrincipalName: string; objectId: string };
  /** The integration account: delegated apps' sign-ins are approved as this user (not the admin). */
  integration: { userPrincipalName: string; objectId: string };
  /** A seeded app with Graph application permissions, registered for BAP, and System Administrator in every Dataverse environment. */
  automation: { clientId: string; clientSecret: string };
  environments: Array<{ id: string; uniqueName: string; displayName: string; url: string | undefined }>;
  /** Every request, in arrival order (credentials redacted). */
  requests: RecordedRequest[];
  /** Live, read-only view of the emulated cloud for assertions. */
  state: DeepReadonly<EmulatorState>;
  faults: { add(rule: FaultRule): void; clear(): void };
  /** Policies switched on after start, e.g. for an app init made: what the seed options do for seeded apps. */
  policies: {
    /** An admin policy keeps the app out of these Dataverse environments (uniqueNames; default all): 403 0x80095ffc. */
    blockInDataverse(appId: string, environments?: string[]): void;
    /** A Conditional Access policy blocks the app's sign-in: AADSTS53003. */
    blockByConditionalAccess(appId: string): void;
    /** Replaces the tenant's default app-management policy (enabled unless isEnabled is false). */
    setDefaultAppManagementPolicy(policy: SeedAppManagementPolicy): void;
    /** Assigns a new app-management policy to the app (by appId): while enabled it replaces the default for it. Returns its id. */
    assignAppManagementPolicy(appId: string, policy: SeedAppManagementPolicy): string;
  };
  /** What happens to a signed-in user's sessions (delegated refresh tokens), by the user's object id. */
  users: {
    /** Graph's revokeSignInSessions: every refresh token of the user's earlier sign-ins is refused (AADSTS50173). */
    revokeSignInSessions(userId: string): void;
    /** A password change or reset: public clients' refresh tokens die (50173), confidential clients' live on. */
    changePassword(userId: string): void;
    /** A Conditional Access policy demands MFA of the user from now on: 50076, or 50079 while not enrolled. */
    requireMfa(userId: string, options?: { enrolled?: boolean }): void;
    /** Moves the last use of every refresh token (of one user, or all) `days` into the past: 90 idle days is AADSTS700082. */
    idleRefreshTokens(days: number, userId?: string): void;
  };
  /** Longest replication delay per kind for objects created from now on (kinds not given keep theirs). */
  setReplicationLag(lag: ReplicationLag): void;
  /** Seed of the replication delays and choices: DYNAUTH_EMULATOR_SEED=<it> replays a run. */
  readonly replicationSeed: number;
  /** Lifetime of tokens issued from now on (e.g. to make one expire on the way). */
  setTokenLifetime(seconds: number): void;
  /**
   * The external OIDC issuer federated credentials trust (GitHub Actions-like): `mint` makes the
   * platform's token with the chosen subject (and issuer, audience, expiry); `origin` serves its
   * discovery document and keys.
   */
  oidc: { issuer: string; origin: string; mint(options: MintOptions): string };
  /** GitHub's Actions secrets API (GITHUB_API_URL, GH_TOKEN), with the sealed values opened for assertions. */
  github: EmulatedGithub;
  /** One Azure Key Vault of the emulated cloud (its suffix and scope are in cloudConfig). */
  keyVault: EmulatedKeyVault;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const seeded = seedState(options.seed ?? {}, Date.now());
  const tls = createEmulatorTls();
  const recorder = createRecorder();
  const replication = createReplication(options.replicationLag, replicationSeed(options.replicationSeed));
  const setReplicationLag = (next: ReplicationLag): void => replication.setLag(next);
  const faults = createFaultStore(setReplicationLag);
  for (const rule of options.faults ?? []) faults.add(rule);
  const latencyMs = options.latencyMs ?? 0;
  if (!(latencyMs >= 0)) throw new Error('latencyMs must be zero or more');

  const origins = { login: '', graph: '', bap: '' };
  let oidcOrigin = '';
  const ctx: EmulatorContext = {
    state: seeded.state,
    origins,
    signer: createTokenSigner(() => origins.login),
    oidc: createOidcIssuer(() => Date.now()),
    replication,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    dataversePageSize: options.dataversePageSize ?? 5000,
    strictSelfPrivileges: options.strictSelfPrivileges ?? false,
    admin: seeded.admin,
    integration: seeded.integration,
    authorizationCodes: new Map(),
    deviceCodes: new Map(),
    refreshTokens: new Map(),
    now: () => Date.now(),
  };
  const pipeline = { faults, recorder, latencyMs: () => latencyMs };
  const listeners: Listener[] = [];
  const listen = async (
    service: 'login' | 'graph' | 'bap' | 'oidc' | 'github' | 'keyvault',
    route: (req: RequestContext) => Promise<Reply> | Reply,
  ): Promise<string> => {
    const listener = await startListener(tls, { service, route }, pipeline);
    listeners.push(listener);
    return listener.origin;
  };
  let destinations: Awaited<ReturnType<typeof startDestinations>>;
  try {
    origins.login = await listen('login', (req) => handleLogin(ctx, req));
    origins.graph = await listen('graph', (req) => handleGraph(ctx, req));
    origins.bap = await listen('bap', (req) => handleBap(ctx, req));
    oidcOrigin = await listen('oidc', (req) => handleOidc(ctx, req));
    for (const env of ctx.state.environments.filter((e) => e.dataverse)) {
      const listener = await startListener(
        tls,
        { service: 'dataverse', environment: env.uniqueName, route: (req) => handleDataverse(ctx, req, env) },
        pipeline,
      );
      listeners.push(listener);
      env.url = listener.origin;
    }
    destinations = await startDestinations(ctx, listen, {
      githubRepositories: options.githubRepositories,
      automationClientId: seeded.automation.clientId,
    });
  } catch (error) {
    await Promise.all(listeners.map(stopListener));
    throw error;
  }

  const cloudConfig: CloudConfig = {
    authorityHost: origins.login,
    graphEndpoint: origins.graph,
    graphScope: `${origins.graph}/.default`,
    powerPlatformEndpoint: origins.bap,
    powerPlatformScope: `${origins.bap}/.default`,
    dataverseHostSuffixes: ['127.0.0.1'],
    keyVaultSuffix: '127.0.0.1',
    keyVaultScope: `${destinations.keyVault.url}/.default`,
  };
  const { tenant } = ctx.state;
  let closed: Promise<void> | undefined;
  return {
    cloudConfig,
    caCertPem: tls.caCertPem,
    async writeFiles(dir) {
      await mkdir(dir, { recursive: true });
      const cloudConfigPath = join(dir, 'cloud-config.json');
      const caCertPath = join(dir, 'ca.pem');
      await writeFile(cloudConfigPath, `${JSON.stringify(cloudConfig, null, 2)}\n`);
      await writeFile(caCertPath, tls.caCertPem);
      return { cloudConfigPath, caCertPath };
    },
    tenant: { id: tenant.id, domain: tenant.domain, displayName: tenant.displayName },
    admin: { userPrincipalName: seeded.admin.userPrincipalName, objectId: seeded.admin.id },
    integration: { userPrincipalName: seeded.integration.userPrincipalName, objectId: seeded.integration.id },
    automation: seeded.automation,
    environments: ctx.state.environments.map((e) => ({ id: e.id, uniqueName: e.uniqueName, displayName: e.displayName, url: e.url })),
    requests: recorder.requests,
    github: destinations.github,
    keyVault: destinations.keyVault,
    state: ctx.state,
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    policies: {
      blockInDataverse(appId, environments) {
        for (const env of ctx.state.environments) {
          if (!env.dataverse || (environments && !environments.includes(env.uniqueName))) continue;
          if (!env.dataverse.blockedAppIds.includes(appId.toLowerCase())) env.dataverse.blockedAppIds.push(appId.toLowerCase());
        }
      },
      blockByConditionalAccess(appId) {
        const list = ctx.state.policies.conditionalAccessBlockedApps;
        if (!list.includes(appId.toLowerCase())) list.push(appId.toLowerCase());
      },
      setDefaultAppManagementPolicy(policy) {
        ctx.state.policies.defaultAppManagement = tenantAppManagementPolicy(policy);
      },
      assignAppManagementPolicy(appId, policy) {
        const app = ctx.state.applications.find((a) => a.appId === appId.toLowerCase());
        if (!app) throw new Error(`emulator: no application ${appId}`);
        const assigned = appManagementPolicy(policy, [app.id]);
        ctx.state.policies.appManagement.push(assigned);
        return assigned.id;
      },
    },
    users: {
      revokeSignInSessions(userId) {
        userOf(ctx, userId).signInSessionsValidFrom = ctx.now();
      },
      changePassword(userId) {
        userOf(ctx, userId).passwordChangedAt = ctx.now();
      },
      requireMfa(userId, options = {}) {
        userOf(ctx, userId).mfa = options.enrolled === false ? 'unregistered' : 'required';
      },
      idleRefreshTokens(days, userId) {
        const shift = days * 86_400_000;
        for (const entry of ctx.refreshTokens.values()) {
          if (userId && entry.userId !== userId) continue;
          entry.expiresAt -= shift;
          entry.issuedAt -= shift;
          entry.authTime -= shift;
        }
      },
    },
    setReplicationLag,
    replicationSeed: replication.seed,
    setTokenLifetime: (seconds: number) => {
      ctx.tokenLifetimeSeconds = seconds;
    },
    oidc: { issuer: ctx.oidc.issuer, origin: oidcOrigin, mint: (options) => ctx.oidc.mint(options) },
    close() {
      closed ??= Promise.all(listeners.map(stopListener)).then(() => undefined);
      return closed;
    },
  };
}

function userOf(ctx: EmulatorContext, userId: string): User {
  const user = ctx.state.users.find((u) => u.id === userId);
  if (!user) throw new Error(`emulator: no user ${userId}`);
  return user;
}
