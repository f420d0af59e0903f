import { UsageError } from '../../cli/errors.ts';
import { PRESETS, ROLE_PRESETS } from '../../roles/presets.ts';
import type { InitFlags } from './flags.ts';
import type { StoredCredential } from './model.ts';
import { lookupStoredCredential, type Storage } from './store.ts';

/**
 * `init --profile P --add-environment E`: the app of profile P gets an application user in E,
 * with the same roles, and reuses P's credential.
 */
export async function addEnvironmentSelectors(
  storage: Storage,
  flags: InitFlags,
): Promise<{ flags: Partial<InitFlags>; credential: StoredCredential | undefined }> {
  const name = flags.profile!;
  const profile = await storage.profiles.read(name);
  if (!profile) {
    const known = await storage.profiles.list();
    throw new UsageError(`No profile "${name}".`, { hint: known.length ? `Profiles: ${known.join(', ')}.` : 'Run dynauth init first.' });
  }
  const preset = ROLE_PRESETS.find((key) => profile.roles.some((role) => role.name === PRESETS[key].roleName));
  const app = { id: profile.applicationObjectId, appId: profile.clientId, displayName: profile.appDisplayName, passwordCredentials: [], keyCredentials: [] };
  const credential = await lookupStoredCredential(storage, name, { ...app, passwordCredentials: [{ keyId: profile.credential.keyId, displayName: null, startDateTime: '', endDateTime: profile.credential.expiresOn }] }, new Date(0));
  return {
    flags: {
      appName: profile.appDisplayName,
      credential: profile.credential.type,
      profile: undefined,
      ...(flags.rolePreset || flags.roles.length ? {} : preset ? { rolePreset: preset } : { roles: profile.roles.map((role) => role.name) }),
    },
    credential,
  };
}
