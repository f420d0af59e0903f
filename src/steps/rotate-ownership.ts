// A profile file is plain JSON anyone with the user's rights can edit; the keychain item is sealed.
// Before anything is added to or removed from an app, the app the profile names must be the one its
// sealed credential signs in as, and a key is only ever removed if dynauth made it.
import { DynauthError } from '../cli/errors.ts';
import { ApiError } from '../clients/api-error.ts';
import type { Application, GraphApi } from '../clients/graph.ts';
import type { Profile } from '../profiles/profile.ts';
import type { ProfileStore } from '../profiles/profile-store.ts';
import type { Vault } from '../secrets/vault.ts';
import { parseConnectionString } from '../secrets/connection-string.ts';

/** The names dynauth gives the keys it adds: "dynauth 2026-01-31", "… rotation 1a2b3c4d", "CN=app (dynauth 2026-01-31)". */
const DYNAUTH_KEY_NAME = /^(?:dynauth \d{4}-\d\d-\d\d(?: (?:rotation|init) [0-9a-f]{8})?|CN=.* \(dynauth \d{4}-\d\d-\d\d\))$/u;

/**
 * The app the profile names, once Entra confirms it is the app of the profile's client id and of the
 * client id its stored credential signs in as; an edited profile is refused before anything changes.
 */
export async function assertProfileApp(
  graph: GraphApi,
  storage: { vault: Pick<Vault, 'loadConnection'>; profiles: Pick<ProfileStore, 'fileFor'> },
  profile: Profile,
): Promise<Application> {
  const app = await graph.getApplication(profile.applicationObjectId).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) {
      throw new DynauthError(
        `The app of profile "${profile.name}" (object id ${profile.applicationObjectId}) does not exist in the tenant.`,
        {
          hint: `If it was deleted, run dynauth init --profile ${profile.name} to set up a new one; if the profile file was edited, restore it.`,
          code: 'app-missing',
        },
      );
    }
    throw error;
  });
  const stored = await storage.vault.loadConnection(profile.name);
  const storedClientId = stored ? parseConnectionString(stored.connectionString).clientId : undefined;
  const mismatch =
    app.appId.toLowerCase() !== profile.clientId.toLowerCase()
      ? `names app object id ${app.id}, which Entra says is "${app.displayName}" (client id ${app.appId}), not the client id ${profile.clientId} it records`
      : storedClientId !== undefined && storedClientId.toLowerCase() !== app.appId.toLowerCase()
        ? `names the app with client id ${app.appId}, but its stored credential signs in as client id ${storedClientId}`
        : undefined;
  if (mismatch) {
    throw new DynauthError(
      `Profile "${profile.name}" ${mismatch}. The profile file was edited or damaged; nothing was changed on either app.`,
      {
        hint: `Restore ${storage.profiles.fileFor(profile.name)}, or delete it and run dynauth init --profile ${profile.name} again.`,
        code: 'profile-app-mismatch',
      },
    );
  }
  return app;
}

/** Whether the key with this id on the app carries a name dynauth gives the keys it makes. */
export function mintedByDynauth(app: Application, keyId: string): boolean {
  const key = [...app.passwordCredentials, ...app.keyCredentials].find((k) => k.keyId === keyId);
  return typeof key?.displayName === 'string' && DYNAUTH_KEY_NAME.test(key.displayName);
}

/** Refuses to remove keys dynauth did not make: a profile lists a key for revocation only if dynauth put it there. */
export function assertMintedByDynauth(app: Application, profile: Profile, keyIds: string[]): void {
  const foreign = keyIds.filter((keyId) => !mintedByDynauth(app, keyId));
  if (!foreign.length) return;
  const names = foreign.map((keyId) => {
    const key = [...app.passwordCredentials, ...app.keyCredentials].find((k) => k.keyId === keyId);
    return `${keyId} ("${key?.displayName ?? 'no description'}")`;
  });
  throw new DynauthError(
    `Not revoking ${names.join(', ')} of app "${app.displayName}": dynauth did not make ${foreign.length === 1 ? 'it' : 'them'}, so profile "${profile.name}" cannot have recorded ${foreign.length === 1 ? 'it' : 'them'} as replaced. Nothing was revoked.`,
    {
      hint: 'The profile file was edited or damaged. Remove credentials dynauth did not create in the Azure portal, if that is what you want.',
      code: 'not-minted-by-dynauth',
    },
  );
}
