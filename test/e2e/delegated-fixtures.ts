// A delegated profile made the way Entra would see one: an app registered in the emulator (web
// redirect http://localhost, or the public-client platform), admin consent to Dynamics CRM
// user_impersonation, a refresh token obtained through the emulator's own authorize and token
// endpoints (PKCE), then the profile and its sealed items written as init --flow delegated leaves them.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import tls from 'node:tls';
import { hashSecret } from '../../src/emulator/seed.ts';
import { type EmulatorState, USER_IMPERSONATION_SCOPE_ID, WELL_KNOWN_APP_IDS } from '../../src/emulator/state.ts';
import type { Profile } from '../../src/profiles/profile.ts';
import { formatConnectionString } from '../../src/secrets/connection-string.ts';
import type { Sandbox } from '../support/sandbox.ts';

export interface DelegatedFixture {
  name: string;
  environment?: string;
  /** A public client (no secret, isFallbackPublicClient, the public-client platform). */
  publicClient?: boolean;
  /** Ask for the refresh token as a public client even though the profile records a confidential app. */
  signInAsPublicClient?: boolean;
  /** Days ago the profile says the refresh token was last redeemed (default 0). */
  lastRedeemedDaysAgo?: number;
  secretExpiresInDays?: number;
}

export interface DelegatedSetup {
  profile: Profile;
  appId: string;
  user: { objectId: string; userPrincipalName: string };
  refreshToken: string;
  clientSecret: string | undefined;
}

const REDIRECT = 'http://localhost';
const DAY_MS = 86_400_000;

/** An app registered for a delegated integration, with admin consent, and how to sign in to it. */
export interface DelegatedApp {
  appId: string;
  appObjectId: string;
  spId: string;
  clientSecret: string | undefined;
  keyId: string;
  secretEnd: string;
}

type EmulatorOf = Sandbox['emulator'];

/** Registers the app in the emulator's state as init --flow delegated leaves it (replicated already). */
export function registerDelegatedApp(
  emulator: EmulatorOf,
  options: { name: string; publicClient?: boolean; allowPublicFlows?: boolean; secretExpiresInDays?: number },
): DelegatedApp {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), emulator.caCertPem]);
  const state = emulator.state as unknown as EmulatorState;
  const now = Date.now();
  const appId = randomUUID();
  const publicClient = options.publicClient === true;
  const clientSecret = publicClient ? undefined : `${randomBytes(3).toString('hex')}8Q~${randomBytes(18).toString('base64url')}`;
  const keyId = randomUUID();
  const secretEnd = new Date(now + (options.secretExpiresInDays ?? 180) * DAY_MS).toISOString();
  const appObjectId = randomUUID();
  state.applications.push({
    id: appObjectId,
    appId,
    displayName: `delegated-${options.name}`,
    signInAudience: 'AzureADMyOrg',
    createdDateTime: new Date(now).toISOString(),
    createdAt: now,
    requiredResourceAccess: [
      { resourceAppId: WELL_KNOWN_APP_IDS.dynamicsCrm, resourceAccess: [{ id: USER_IMPERSONATION_SCOPE_ID, type: 'Scope' }] },
    ],
    web: { redirectUris: publicClient ? [] : [REDIRECT] },
    publicClient: { redirectUris: publicClient ? [REDIRECT] : [] },
    spa: { redirectUris: [] },
    isFallbackPublicClient: publicClient || options.allowPublicFlows === true,
    identifierUris: [],
    passwordCredentials: clientSecret
      ? [
          {
            keyId,
            displayName: `dynauth ${new Date(now).toISOString().slice(0, 10)}`,
            hint: clientSecret.slice(0, 3),
            startDateTime: new Date(now - 60_000).toISOString(),
            endDateTime: secretEnd,
            secretHash: hashSecret(clientSecret),
            createdAt: now,
            visibleAt: 0,
          },
        ]
      : [],
    keyCredentials: [],
    visibleAt: 0,
  } as EmulatorState['applications'][number]);
  const spId = randomUUID();
  state.servicePrincipals.push({
    id: spId,
    appId,
    displayName: `delegated-${options.name}`,
    accountEnabled: true,
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: emulator.tenant.id,
    servicePrincipalNames: [appId],
    oauth2PermissionScopes: [],
    appRoles: [],
    createdAt: now,
    visibleAt: 0,
  });
  const crm = state.servicePrincipals.find((sp) => sp.appId === WELL_KNOWN_APP_IDS.dynamicsCrm)!;
  state.oauth2PermissionGrants.push({
    id: randomUUID(),
    clientId: spId,
    consentType: 'AllPrincipals',
    principalId: null,
    resourceId: crm.id,
    scope: 'user_impersonation',
  });
  return { appId, appObjectId, spId, clientSecret, keyId, secretEnd };
}

export async function seedDelegatedProfile(sandbox: Sandbox, fixture: DelegatedFixture): Promise<DelegatedSetup> {
  const { emulator } = sandbox;
  const environment = emulator.environments.find((e) => e.uniqueName === (fixture.environment ?? 'contososales'))!;
  const app = registerDelegatedApp(emulator, {
    name: fixture.name,
    ...(fixture.publicClient ? { publicClient: true } : {}),
    ...(fixture.signInAsPublicClient ? { allowPublicFlows: true } : {}),
    ...(fixture.secretExpiresInDays !== undefined ? { secretExpiresInDays: fixture.secretExpiresInDays } : {}),
  });
  const { appId, clientSecret, keyId } = app;
  const signInSecret = fixture.publicClient || fixture.signInAsPublicClient ? undefined : clientSecret;
  const { refreshToken, user } = await signInDelegated(emulator, appId, environment.url!, signInSecret);
  const profile = await writeProfile(sandbox, fixture, {
    appId,
    appObjectId: app.appObjectId,
    spId: app.spId,
    environment,
    user,
    credential: clientSecret ? { keyId, expiresOn: app.secretEnd } : undefined,
  });
  const { vault } = await sandbox.storage();
  if (clientSecret) {
    await vault.saveConnection(
      fixture.name,
      formatConnectionString({ authType: 'ClientSecret', url: environment.url!, clientId: appId, clientSecret }),
      { keyId },
    );
  }
  await vault.saveRefreshToken(fixture.name, refreshToken);
  return { profile, appId, user, refreshToken, clientSecret };
}

/** Plays the browser: the authorize URL with PKCE, its redirect's code, redeemed at the token endpoint. */
export async function signInDelegated(
  emulator: EmulatorOf,
  appId: string,
  environmentUrl: string,
  clientSecret: string | undefined,
): Promise<{ refreshToken: string; user: { objectId: string; userPrincipalName: string } }> {
  const base = `${emulator.cloudConfig.authorityHost}/${emulator.tenant.id}/oauth2/v2.0`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const scope = `${new URL(environmentUrl).origin}/user_impersonation offline_access openid profile`;
  const authorize = new URL(`${base}/authorize`);
  const state = randomBytes(8).toString('hex');
  for (const [key, value] of Object.entries({
    client_id: appId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }))
    authorize.searchParams.set(key, value);
  const redirect = await fetch(authorize, { redirect: 'manual' });
  const location = new URL(redirect.headers.get('location') ?? 'http://localhost/');
  const code = location.searchParams.get('code');
  if (!code || location.searchParams.get('state') !== state) throw new Error(`authorize did not answer with a code: ${location}`);
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: appId,
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    scope,
    ...(clientSecret ? { client_secret: clientSecret } : {}),
  });
  const answer = await fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const body = (await answer.json()) as { refresh_token?: string; id_token?: string; error_description?: string };
  if (!body.refresh_token || !body.id_token) throw new Error(`the code was not redeemed: ${body.error_description ?? answer.status}`);
  const claims = JSON.parse(Buffer.from(body.id_token.split('.')[1]!, 'base64url').toString('utf8')) as {
    oid: string;
    preferred_username: string;
  };
  return { refreshToken: body.refresh_token, user: { objectId: claims.oid, userPrincipalName: claims.preferred_username } };
}

async function writeProfile(
  sandbox: Sandbox,
  fixture: DelegatedFixture,
  made: {
    appId: string;
    appObjectId: string;
    spId: string;
    environment: Sandbox['emulator']['environments'][number];
    user: { objectId: string; userPrincipalName: string };
    credential: { keyId: string; expiresOn: string } | undefined;
  },
): Promise<Profile> {
  const { vault, profiles } = await sandbox.storage();
  const now = new Date();
  const redeemed = new Date(now.getTime() - (fixture.lastRedeemedDaysAgo ?? 0) * DAY_MS).toISOString();
  const { environment } = made;
  const profile: Profile = {
    version: 1,
    name: fixture.name,
    flow: 'delegated',
    cloud: 'custom',
    tenantId: sandbox.emulator.tenant.id,
    clientId: made.appId,
    applicationObjectId: made.appObjectId,
    servicePrincipalId: made.spId,
    appDisplayName: `delegated-${fixture.name}`,
    environment: { id: environment.id, url: environment.url!, uniqueName: environment.uniqueName, displayName: environment.displayName },
    applicationUserId: '',
    businessUnitId: '',
    roles: [],
    expectedPrivileges: [],
    ...(made.credential
      ? {
          credential: {
            type: 'secret' as const,
            keyId: made.credential.keyId,
            expiresOn: made.credential.expiresOn,
            createdOn: now.toISOString(),
            lifetimeDays: 180,
          },
        }
      : {}),
    delegated: {
      publicClient: fixture.publicClient === true,
      redirectUris: [REDIRECT],
      user: made.user,
      refreshToken: { obtainedOn: redeemed, lastRedeemedOn: redeemed },
    },
    keychain: vault.keychainReference(fixture.name),
    createdOn: now.toISOString(),
    updatedOn: now.toISOString(),
  };
  await profiles.write(profile);
  return profile;
}

/** The refresh token the store holds for a profile now. */
export async function storedRefreshToken(sandbox: Sandbox, name: string): Promise<string | undefined> {
  const { vault } = await sandbox.storage();
  return vault.loadRefreshToken(name);
}

/** Asserts no refresh token or client secret of these setups appears in any output or plain file of the sandbox. */
export async function assertNoDelegatedSecretLeaked(sandbox: Sandbox, setups: DelegatedSetup[], names: string[]): Promise<void> {
  const secrets = [
    ...setups.flatMap((s) => [s.refreshToken, ...(s.clientSecret ? [s.clientSecret] : [])]),
    ...(await Promise.all(names.map((name) => storedRefreshToken(sandbox, name).catch(() => undefined)))).filter((t): t is string => !!t),
  ];
  for (const output of sandbox.outputs) {
    for (const secret of secrets)
      if (output.includes(secret)) throw new Error('a refresh token or client secret appeared in the CLI output');
  }
  await sandbox.assertNoSecretLeaked();
}
