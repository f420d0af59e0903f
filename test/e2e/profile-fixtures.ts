import { randomBytes, randomUUID } from 'node:crypto';
import { formatConnectionString } from '../../src/secrets/connection-string.ts';
import type { Profile } from '../../src/profiles/profile.ts';
import type { Sandbox } from '../support/sandbox.ts';

export interface ProfileFixture {
  name: string;
  environment?: string;
  clientId?: string;
  appDisplayName?: string;
  /** Stored in the vault unless null. */
  secret?: string | null;
  keyId?: string;
  expiresOn?: string;
  expectedPrivileges?: string[];
  lastSuccessfulTest?: string;
}

/** Writes a profile and its vault item directly, for states init would never leave behind. */
export async function seedProfile(sandbox: Sandbox, fixture: ProfileFixture): Promise<Profile> {
  const { vault, profiles } = await sandbox.storage();
  const environment = sandbox.emulator.environments.find((e) => e.uniqueName === (fixture.environment ?? 'contososales'))!;
  const now = new Date().toISOString();
  const clientId = fixture.clientId ?? randomUUID();
  const profile: Profile = {
    version: 1,
    name: fixture.name,
    cloud: 'custom',
    tenantId: sandbox.emulator.tenant.id,
    clientId,
    applicationObjectId: randomUUID(),
    servicePrincipalId: randomUUID(),
    appDisplayName: fixture.appDisplayName ?? `app-${fixture.name}`,
    environment: { id: environment.id, url: environment.url!, uniqueName: environment.uniqueName, displayName: environment.displayName },
    applicationUserId: '',
    businessUnitId: '',
    roles: [],
    expectedPrivileges: fixture.expectedPrivileges ?? [],
    credential: {
      type: 'secret',
      keyId: fixture.keyId ?? randomUUID(),
      expiresOn: fixture.expiresOn ?? new Date(Date.now() + 180 * 86_400_000).toISOString(),
      createdOn: now,
      lifetimeDays: 180,
    },
    keychain: vault.keychainReference(fixture.name),
    ...(fixture.lastSuccessfulTest ? { lastSuccessfulTest: fixture.lastSuccessfulTest } : {}),
    createdOn: now,
    updatedOn: now,
  };
  if (fixture.secret !== null) {
    const clientSecret = fixture.secret ?? `${randomBytes(4).toString('hex')}8Q~${randomBytes(18).toString('base64url')}`;
    await vault.saveConnection(
      fixture.name,
      formatConnectionString({ authType: 'ClientSecret', url: environment.url!, clientId, clientSecret }),
    );
  }
  await profiles.write(profile);
  return profile;
}

export function days(n: number): string {
  return new Date(Date.now() + n * 86_400_000).toISOString();
}
