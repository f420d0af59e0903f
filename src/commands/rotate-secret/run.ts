import { DynauthError, ExitCode, isAbortError, MissingInputError, UsageError } from '../../cli/errors.ts';
import type { Cloud } from '../../clouds.ts';
import type { Deps } from '../../deps.ts';
import { MAX_SECRET_LIFETIME_DAYS } from '../../microsoft.ts';
import { hasKeyCredential, type KeyedProfile, type Profile } from '../../profiles/profile.ts';
import { rotationSecretLifetime } from '../../steps/credential-policy.ts';
import { assertStoredCredential, resumeRotation, rotate, type RotationContext } from '../../steps/rotate-credential.ts';
import { revokePending, type PendingEntry } from '../../steps/rotate-revoke.ts';
import { assertProfileApp } from '../../steps/rotate-ownership.ts';
import { lockProfiles } from '../../profiles/profile-lock.ts';
import { signInAdmin, type AdminSession } from '../../steps/sign-in-admin.ts';
import { openStoragesFor } from '../../connection/profile-storages.ts';
import { assertSameCloud, chooseProfile, missingProfileFlag, readAllProfiles } from '../../connection/select-profile.ts';
import { openProfiles, type Storage } from '../../connection/storage.ts';
import { parseRotateFlags, type RotateFlags } from './flags.ts';
import { deliverToDestinations, isStale, parsePushSpecs, withDestinations } from '../../steps/deliver-destinations.ts';
import type { DestinationSpec } from '../../destinations/spec.ts';
import { formatResults, type ProfileResult } from './report.ts';

export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const flags = parseRotateFlags(options, deps.env);
  const revokes = flags.revokeOld || flags.finish || flags.revokeAfterMs !== undefined;
  if (revokes && !flags.yes && !deps.canPrompt) {
    const alsoMissing = flags.all ? [] : await missingProfileFlag(deps, await openProfiles(deps), flags.profile);
    if (alsoMissing.length) throw new MissingInputError([...alsoMissing, '--yes (revoking a credential cannot be undone)']);
    throw new UsageError(
      'Revoking a credential cannot be undone and stops every integration still using it: without a terminal to confirm it in, add --yes.',
      {
        code: 'missing-yes',
      },
    );
  }
  const cloud = await deps.cloud();
  const pushes = parsePushSpecs(flags.push, cloud);
  const profiles = await openProfiles(deps);
  const chosen = flags.all
    ? await readAllProfiles(profiles)
    : [await chooseProfile(deps, profiles, flags.profile, 'Run dynauth init first: it sets up the app and its first credential.')];
  const now = deps.clock.now();
  if (!flags.all && !hasKeyCredential(chosen[0]!)) throw nothingToRotate(chosen[0]!);
  const selected = chosen.filter(hasKeyCredential).filter((p) => !flags.all || flags.finish || isDue(p, flags, now));
  // The human result says it on stdout; beside --json's empty list, stderr says it.
  if (flags.all && !selected.length && deps.globals.json) deps.ui.info('No profile needs rotating.');
  const storages = await openStoragesFor(deps, selected, flags);
  // One sign-in per cloud and tenant however many profiles share them (the run has one cloud).
  const sessions = new Map<string, Promise<AdminSession>>();
  const signIn = async (profile: Profile) => {
    const tenant = flags.tenant ?? profile.tenantId;
    const key = `${cloud.name}\n${tenant.toLowerCase()}`;
    let session = sessions.get(key);
    if (!session) {
      session = signInAdmin(deps, cloud, { auth: flags.auth, tenant });
      sessions.set(key, session);
    }
    const signedIn = await session;
    if (signedIn.tenantId.toLowerCase() !== profile.tenantId.toLowerCase()) {
      throw new UsageError(`Profile "${profile.name}" belongs to tenant ${profile.tenantId}, not ${signedIn.tenantId} you signed in to.`, {
        hint: `Run dynauth rotate-secret --profile ${profile.name} --tenant ${profile.tenantId}.`,
        code: 'wrong-tenant',
      });
    }
    return signedIn;
  };

  const results: ProfileResult[] = [];
  for (const profile of selected) {
    try {
      results.push(await rotateOne(deps, cloud, storages.of(profile), signIn, profile, flags, pushes));
    } catch (error) {
      if (!flags.all || isAbortError(error)) throw error;
      const known = error instanceof DynauthError ? error : undefined;
      deps.ui.error(`${profile.name}: ${error instanceof Error ? error.message : String(error)}`, known?.hint);
      results.push({
        profile: profile.name,
        ok: false,
        exitCode: known?.exitCode ?? ExitCode.failure,
        error: { code: known?.code ?? 'unexpected', message: error instanceof Error ? error.message : String(error), hint: known?.hint },
      });
    }
  }
  const failed = results.filter((r) => !r.ok);
  deps.ui.result(
    { ok: failed.length === 0, profiles: results.map(({ connectionString: _secret, delegated: _flow, exitCode: _code, ...rest }) => rest) },
    () => formatResults(results, { showSecret: flags.showSecret, finish: flags.finish, vault: storages.description }),
    { isRequestedSecret: flags.showSecret && !deps.globals.json },
  );
  if (!failed.length) return ExitCode.ok;
  const codes = new Set(failed.map((r) => r.exitCode ?? ExitCode.failure));
  return codes.size === 1 ? [...codes][0]! : ExitCode.failure;
}

type RotateOne = (
  deps: Deps,
  cloud: Cloud,
  storage: Storage,
  signIn: (profile: Profile) => Promise<AdminSession>,
  profile: KeyedProfile,
  flags: RotateFlags,
  pushes: DestinationSpec[],
) => Promise<ProfileResult>;

/** One run at a time per profile: a second one would add a second secret or lose track of one. */
const rotateOne: RotateOne = async (deps, cloud, storage, signIn, profile, flags, pushes) => {
  const lock = await lockProfiles(storage.profiles.directory, [profile.name], 'rotate-secret', deps.clock.now());
  try {
    // Read again under the lock: a run that held it may have changed the profile.
    const current = (await storage.profiles.read(profile.name)) ?? profile;
    if (!hasKeyCredential(current)) throw nothingToRotate(current);
    return await rotateLocked(deps, cloud, storage, signIn, current, flags, pushes);
  } finally {
    await lock.release();
  }
};

const rotateLocked: RotateOne = async (deps, cloud, storage, signIn, profile, flags, pushes) => {
  // Checked before signing in: a profile that cannot rotate here never costs a sign-in.
  assertSameCloud(profile, cloud);
  await assertStoredCredential(storage, profile);
  const session = await signIn(profile);
  await assertProfileApp(session.graph, storage, profile);
  const ctx: RotationContext = {
    deps,
    cloud,
    graph: session.graph,
    storage,
    waiting: {
      clock: deps.clock,
      signal: deps.cancellation.signal,
      timeoutMs: flags.waitMs,
      onWait: (message) => deps.ui.step(message),
      resumeHint: `Run dynauth rotate-secret --profile ${profile.name} again to finish (the new credential is kept), or allow longer with --wait 10m.`,
    },
    revokeOld: flags.revokeOld,
  };
  deps.ui.step(`${flags.finish ? 'Revoking replaced credentials of' : 'Rotating'} ${profile.name} (app ${profile.appDisplayName})…`);
  let rotated = await resumeRotation(ctx, profile);
  const reread = rotated ? undefined : await storage.profiles.read(profile.name);
  const refreshed = rotated?.profile ?? (reread && hasKeyCredential(reread) ? reread : profile);
  // An earlier --revoke-old run that was cut short before revoking: this run finishes it instead of rotating again.
  const revocationLeft = !rotated && (refreshed.pendingRevocation ?? []).some((entry) => entry.revokeRequested);
  if (revocationLeft) deps.ui.step(`Finishing the revocation an earlier rotation of ${profile.name} left…`);
  // An earlier rotation whose new credential some destination did not take: this run delivers it, then goes on.
  const deliveryLeft =
    !rotated &&
    !revocationLeft &&
    (refreshed.pendingRevocation ?? []).length > 0 &&
    (refreshed.destinations ?? []).some((d) => isStale(refreshed, d));
  if (deliveryLeft && !flags.finish) deps.ui.step(`Finishing the delivery an earlier rotation of ${profile.name} left…`);
  if (!rotated && !flags.finish && !revocationLeft && !deliveryLeft) {
    const asked = flags.lifetimeDays ?? Math.min(Math.max(refreshed.credential.lifetimeDays, 1), MAX_SECRET_LIFETIME_DAYS);
    // A tenant app-management policy may cap or forbid secrets: known before anything is added.
    const lifetimeDays =
      refreshed.credential.type === 'secret'
        ? await rotationSecretLifetime(
            session.graph,
            refreshed,
            { days: asked, chosen: flags.lifetimeDays !== undefined },
            deps.clock.now(),
            (line) => deps.ui.info(line),
          )
        : asked;
    rotated = await rotate(ctx, refreshed, lifetimeDays);
  }
  // Every destination holds the credential in use before any old one is revoked (a failure stops here, exit 1).
  let current = rotated?.profile ?? refreshed;
  const remembered = withDestinations(current, pushes);
  if (remembered !== current) {
    current = { ...current, destinations: remembered.destinations, updatedOn: deps.clock.now().toISOString() };
    await storage.profiles.write(current);
  }
  const delivery = await deliverToDestinations({ deps, cloud, storage, adminToken: async () => session.token }, current);
  current = delivery.profile;
  const now = deps.clock.now();
  const replaced = rotated ? current.pendingRevocation?.at(-1)?.keyId : undefined;
  const due = (entry: PendingEntry) =>
    flags.finish ||
    entry.revokeRequested === true ||
    (flags.revokeOld && entry.keyId === replaced) ||
    (flags.revokeAfterMs !== undefined && Date.parse(entry.replacedOn) + flags.revokeAfterMs <= now.getTime());
  const revocation = await revokePending(session.graph, storage.profiles, current, due, now, (entries) =>
    confirmRevocation(deps, current, entries, flags),
  );
  for (const keyId of revocation.revoked) deps.ui.success(`Revoked the replaced credential ${keyId}`);
  for (const keyId of revocation.declined)
    deps.ui.info(`Credential ${keyId} stays valid; revoke it later with dynauth rotate-secret --finish --profile ${profile.name}.`);
  for (const keyId of revocation.keptForOthers)
    deps.ui.info(`Credential ${keyId} is still used by another profile of this app; it stays until that profile rotates.`);
  const final = revocation.profile;
  return {
    profile: final.name,
    ok: true,
    rotated: rotated !== undefined,
    resumed: (rotated?.resumed ?? false) || revocationLeft,
    credential: {
      type: final.credential.type,
      keyId: final.credential.keyId,
      expiresOn: final.credential.expiresOn,
      ...(final.credential.thumbprint ? { thumbprint: final.credential.thumbprint } : {}),
    },
    environment: final.environment.url,
    clientId: final.clientId,
    revoked: revocation.revoked,
    pendingRevocation: final.pendingRevocation ?? [],
    ...(delivery.results.length ? { destinations: delivery.results } : {}),
    connectionString: rotated?.connectionString,
    ...(final.flow === 'delegated' ? { delegated: true } : {}),
  };
};

/** A public client or a federated profile holds no key: there is nothing to replace. */
function nothingToRotate(profile: Profile): DynauthError {
  const why = profile.federation?.length
    ? 'signs in with federated credentials (tokens from its pipeline), so it has no secret'
    : 'is a public client (PKCE alone), so it has no secret';
  const hint = profile.federation?.length
    ? `Its pipeline's tokens are short-lived and renewed by the platform. To trust another pipeline or deliver its ids (--push), run dynauth init again with --profile ${profile.name} and --federation or --push.`
    : `Its refresh token is what lasts: it stays alive while it is used (dynauth test-connection --profile ${profile.name} redeems it).`;
  return new DynauthError(`Profile "${profile.name}" ${why}: there is nothing to rotate.`, { code: 'nothing-to-rotate', hint });
}

function isDue(profile: KeyedProfile, flags: RotateFlags, now: Date): boolean {
  if (profile.rotation || flags.expiringWithinMs === undefined) return true;
  return Date.parse(profile.credential.expiresOn) - now.getTime() <= flags.expiringWithinMs;
}

/**
 * Revoking breaks every integration still holding the old credential, and cannot be undone: the
 * admin confirms it (default No) unless --yes, which is required without a terminal (see run).
 */
async function confirmRevocation(deps: Deps, profile: Profile, entries: PendingEntry[], flags: RotateFlags): Promise<boolean> {
  if (flags.yes) return true;
  const listed = entries.map((entry) => `${entry.type === 'secret' ? 'client secret' : 'certificate'} ${entry.keyId}`).join(', ');
  deps.ui.warn(`Revoking ${listed} of app ${profile.appDisplayName} stops every integration still using it at once.`);
  return deps.prompter.confirm({ message: `Revoke ${entries.length === 1 ? 'it' : `these ${entries.length}`} now?`, default: false });
}
