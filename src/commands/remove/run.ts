import { CancelledError, DynauthError, ExitCode, MissingInputError, UsageError } from '../../cli/errors.ts';
import type { Deps } from '../../deps.ts';
import { profilesSharingApp, removeProfileLocally } from '../../connection/remove-profile.ts';
import { assertSameCloud, chooseProfile, missingProfileFlag } from '../../connection/select-profile.ts';
import { openProfiles } from '../../connection/storage.ts';
import { lockProfiles } from '../../profiles/profile-lock.ts';
import type { Profile } from '../../profiles/profile.ts';
import { describeRemoval, findAppObjects, removeAppObjects, type AppObjects } from '../../steps/remove-app.ts';
import { signInAdmin, type AdminSession } from '../../steps/sign-in-admin.ts';
import { parseRemoveFlags, type RemoveFlags } from './flags.ts';

/** `dynauth remove`: the profile and its secrets, and with --delete-app what init made in the cloud. */
export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const flags = parseRemoveFlags(options);
  const profiles = await openProfiles(deps);
  // Said before anything else: nothing can be confirmed without a terminal (with the --profile it cannot ask for either).
  if (!flags.yes && !deps.canPrompt) {
    const alsoMissing = await missingProfileFlag(deps, profiles, flags.profile);
    if (alsoMissing.length) throw new MissingInputError([...alsoMissing, '--yes (removing a profile cannot be undone)']);
    throw new UsageError('Removing a profile cannot be undone: without a terminal to confirm it in, add --yes.', {
      code: 'missing-yes',
    });
  }
  const profile = await chooseProfile(deps, profiles, flags.profile, 'There is nothing to remove.');
  if (flags.deleteApp) await assertAppNotShared(profiles, profile);
  const cloud = flags.deleteApp ? await deps.cloud() : undefined;
  if (cloud) assertSameCloud(profile, cloud);
  const lock = await lockProfiles(profiles.directory, [profile.name], 'remove', deps.clock.now());
  try {
    let session: AdminSession | undefined;
    let objects: AppObjects | undefined;
    if (cloud) {
      session = await signInAdmin(deps, cloud, { auth: flags.auth, tenant: flags.tenant ?? profile.tenantId });
      if (session.tenantId.toLowerCase() !== profile.tenantId.toLowerCase()) {
        throw new UsageError(`Profile "${profile.name}" belongs to tenant ${profile.tenantId}, not ${session.tenantId} you signed in to.`, {
          hint: `Run dynauth remove --profile ${profile.name} --delete-app --tenant ${profile.tenantId}.`,
          code: 'wrong-tenant',
        });
      }
      objects = await findAppObjects(session, profile);
    }
    await confirm(deps, profile, objects, flags);
    const cloudDone = session && objects ? await removeAppObjects(session, objects) : undefined;
    if (cloudDone?.deactivated) deps.ui.success(`Application user ${objects!.applicationUser!.systemUserId} deactivated`);
    if (cloudDone?.deleted)
      deps.ui.success(`App registration "${objects!.app!.displayName}" deleted (in Entra's deleted items for 30 days)`);
    const local = await removeProfileLocally(deps, profiles, profile, flags.store);
    deps.ui.success(`Profile "${profile.name}" removed (${local.itemsDeleted} stored item${local.itemsDeleted === 1 ? '' : 's'} deleted)`);
    const result = {
      ok: true,
      profile: profile.name,
      storedItemsDeleted: local.itemsDeleted,
      ...(objects
        ? {
            app: {
              clientId: profile.clientId,
              objectId: profile.applicationObjectId,
              status: cloudDone?.deleted ? 'deleted' : 'already-deleted',
            },
            applicationUser: objects.applicationUser
              ? {
                  environment: objects.applicationUser.environment,
                  systemUserId: objects.applicationUser.systemUserId,
                  status: cloudDone?.deactivated ? 'deactivated' : 'already-deactivated',
                }
              : null,
          }
        : {}),
    };
    deps.ui.result(result, () => `Removed profile ${profile.name}${objects ? ' and its app' : ''}.`);
  } finally {
    await lock.release();
  }
  return ExitCode.ok;
}

/**
 * Deleting an app that other profiles use would break their connections without a word: refused,
 * naming them. Each is removed on its own first; the last one's --delete-app then deletes the app.
 */
async function assertAppNotShared(profiles: Awaited<ReturnType<typeof openProfiles>>, profile: Profile): Promise<void> {
  const { sharing, unreadable } = await profilesSharingApp(profiles, profile);
  // A profile that cannot be read may use the app as well: not deleted blind (as rotate-secret revokes nothing then).
  if (unreadable.length && !sharing.length) {
    throw new DynauthError(
      `Not deleting the app "${profile.appDisplayName}": profile ${unreadable.map((name) => `"${name}"`).join(', ')} cannot be read, so dynauth cannot tell whether ${unreadable.length === 1 ? 'it uses' : 'they use'} the app. Nothing was removed.`,
      {
        hint: `Fix or delete ${unreadable.length === 1 ? 'that profile file' : 'those profile files'} (${unreadable.map((name) => profiles.fileFor(name)).join(', ')}), then run dynauth remove --profile ${profile.name} --delete-app again.`,
        code: 'profile-unreadable',
      },
    );
  }
  if (!sharing.length) return;
  throw new UsageError(
    `The app "${profile.appDisplayName}" (client id ${profile.clientId}) is also used by profile${sharing.length === 1 ? '' : 's'} ${sharing.join(', ')}: deleting it would break ${sharing.length === 1 ? 'it' : 'them'}.`,
    {
      hint: `Remove ${sharing.length === 1 ? 'that profile' : 'those profiles'} first (${sharing.map((name) => `dynauth remove --profile ${name}`).join('; ')}), or remove only this one: dynauth remove --profile ${profile.name}.`,
      code: 'app-in-use',
    },
  );
}

async function confirm(deps: Deps, profile: Profile, objects: AppObjects | undefined, flags: RemoveFlags): Promise<void> {
  const lines = describeRemoval(profile, objects, profile.keychain.store === 'file' ? 'the encrypted file store' : 'the keychain');
  const said = `This removes:\n${lines.map((line) => `  - ${line}`).join('\n')}`;
  // Shown even with --quiet when it is asked about.
  if (flags.yes) deps.ui.info(said);
  else deps.ui.notice(said);
  if (flags.yes) return;
  const yes = await deps.prompter.confirm({ message: `Remove ${objects ? 'these' : 'it'}? This cannot be undone.`, default: false });
  if (!yes) throw new CancelledError('Nothing was removed.');
}
