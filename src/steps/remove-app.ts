// What `dynauth remove --delete-app` finds and removes in the cloud: the application user of the
// profile's environment is deactivated (Dataverse has no delete for an active application user),
// then the app registration is deleted (Entra keeps it in deleted items for 30 days, with its
// service principal). Found first, so the confirmation names each object; each step is skipped
// when a cut-short earlier run already did it.
import { ApiError } from '../clients/api-error.ts';
import type { Application } from '../clients/graph.ts';
import { DynauthError } from '../cli/errors.ts';
import { profileKind } from '../connection/access-token.ts';
import type { Profile } from '../profiles/profile.ts';
import type { AdminSession } from './sign-in-admin.ts';

export interface AppObjects {
  /** Undefined: already deleted (an earlier run, or by hand). */
  app: Pick<Application, 'id' | 'appId' | 'displayName'> | undefined;
  applicationUser: { environment: string; systemUserId: string; disabled: boolean } | undefined;
}

export async function findAppObjects(session: AdminSession, profile: Profile): Promise<AppObjects> {
  const app = await session.graph.getApplication(profile.applicationObjectId).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  });
  if (app && app.appId.toLowerCase() !== profile.clientId.toLowerCase()) {
    throw new DynauthError(
      `The app registration ${profile.applicationObjectId} the profile names has client id ${app.appId}, not the profile's ${profile.clientId}: it is not deleted.`,
      { hint: 'The profile file was edited; delete the app by hand in the Entra admin center if it is yours.', code: 'profile-tampered' },
    );
  }
  // A delegated profile's app acts as a person's own account: that user is not the app's to deactivate.
  let applicationUser: AppObjects['applicationUser'];
  if (profileKind(profile) !== 'delegated') {
    const user = await session.dataverse(profile.environment.url).findApplicationUser(profile.clientId);
    if (user)
      applicationUser = { environment: profile.environment.url, systemUserId: user.systemuserid, disabled: user.isdisabled === true };
  }
  return { app: app && { id: app.id, appId: app.appId, displayName: app.displayName }, applicationUser };
}

/** What of the profile is stored besides its file: a key credential, a refresh token, both or neither (a federated profile). */
function storedLine(profile: Profile, vaultDescription: string): string {
  const stored = [
    profile.credential && (profile.credential.type === 'certificate' ? 'certificate' : 'client secret'),
    profileKind(profile) === 'delegated' && 'refresh token',
  ].filter((item): item is string => typeof item === 'string');
  return stored.length
    ? `profile "${profile.name}" and its stored ${stored.join(' and ')} (${vaultDescription})`
    : `profile "${profile.name}" (nothing of it is stored in ${vaultDescription})`;
}

/** The confirmation's lines: each object, and what happens to it. */
export function describeRemoval(profile: Profile, objects: AppObjects | undefined, vaultDescription: string): string[] {
  const lines = [storedLine(profile, vaultDescription)];
  const delivered = (profile.destinations ?? []).map((destination) => destination.spec);
  if (delivered.length) lines.push(`(kept: the copies delivered to ${delivered.join(', ')}; delete them there)`);
  if (!objects) {
    lines.push(
      `(kept in the cloud: the app registration "${profile.appDisplayName}"${profileKind(profile) === 'delegated' ? '' : ' and its application user'}; --delete-app removes them too)`,
    );
    return lines;
  }
  const user = objects.applicationUser;
  if (user && !user.disabled)
    lines.push(
      `application user ${user.systemUserId} in ${new URL(user.environment).host}: deactivated (Dataverse deletes no active application user; once deactivated, it can be deleted in the Power Platform admin center after its records are reassigned)`,
    );
  if (user?.disabled) lines.push(`application user ${user.systemUserId} in ${new URL(user.environment).host}: already deactivated`);
  if (objects.app)
    lines.push(
      `app registration "${objects.app.displayName}" (client id ${objects.app.appId}, object id ${objects.app.id}) and its service principal: deleted (Entra keeps them in deleted items for 30 days, restorable there)`,
    );
  else lines.push(`app registration ${profile.clientId}: already deleted`);
  return lines;
}

/** Deactivates the application user, then deletes the app: a re-run after either finishes the other. */
export async function removeAppObjects(session: AdminSession, objects: AppObjects): Promise<{ deactivated: boolean; deleted: boolean }> {
  const user = objects.applicationUser;
  let deactivated = false;
  if (user && !user.disabled) {
    await session.dataverse(user.environment).disableUser(user.systemUserId);
    deactivated = true;
  }
  let deleted = false;
  if (objects.app) {
    deleted = await session.graph.deleteApplication(objects.app.id).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return false;
        throw error;
      },
    );
  }
  return { deactivated, deleted };
}
