import { DynauthError, ExitCode, isAbortError } from '../../cli/errors.ts';
import type { Cloud } from '../../clouds.ts';
import type { Deps } from '../../deps.ts';
import type { Profile } from '../../profiles/profile.ts';
import { assertStoredCredential, resumeRotation, rotate, type RotationContext } from '../../steps/rotate-credential.ts';
import { revokePending, type PendingEntry } from '../../steps/rotate-revoke.ts';
import { signInAdmin, type AdminSession } from '../../steps/sign-in-admin.ts';
import type { Storage } from '../init/store.ts';
import { assertSameCloud, chooseProfile, openProfiles, openStorageFor } from '../test-connection/subject-profile.ts';
import { MAX_LIFETIME_DAYS, parseRotateFlags, type RotateFlags } from './flags.ts';
import { formatResults, type ProfileResult } from './report.ts';

export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const flags = parseRotateFlags(options, deps.env);
  const cloud = await deps.cloud();
  const profiles = await openProfiles(deps);
  const chosen = flags.all ? await readAll(profiles) : [await chooseProfile(deps, profiles, flags.profile)];
  const now = deps.clock.now();
  const selected = chosen.filter((p) => !flags.all || flags.finish || isDue(p, flags, now));
  if (flags.all && !selected.length) deps.ui.info('No profile needs rotating.');
  const storage = await openStorageFor(deps, selected, flags);
  const sessions = new Map<string, Promise<AdminSession>>();
  const signIn = (tenant: string) => {
    let session = sessions.get(tenant);
    if (!session) sessions.set(tenant, (session = signInAdmin(deps, cloud, { auth: flags.auth, tenant: flags.tenant ?? tenant })));
    return session;
  };

  const results: ProfileResult[] = [];
  for (const profile of selected) {
    try {
      results.push(await rotateOne(deps, cloud, storage, await signIn(profile.tenantId), profile, flags));
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
    { ok: failed.length === 0, profiles: results.map(({ connectionString: _secret, exitCode: _code, ...rest }) => rest) },
    () => formatResults(results, { showSecret: flags.showSecret, finish: flags.finish, vault: storage.vault.description }),
  );
  if (!failed.length) return ExitCode.ok;
  const codes = new Set(failed.map((r) => r.exitCode ?? ExitCode.failure));
  return codes.size === 1 ? [...codes][0]! : ExitCode.failure;
}

async function rotateOne(deps: Deps, cloud: Cloud, storage: Storage, session: AdminSession, profile: Profile, flags: RotateFlags): Promise<ProfileResult> {
  assertSameCloud(profile, cloud);
  await assertStoredCredential(storage, profile);
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
  };
  deps.ui.step(`${flags.finish ? 'Revoking replaced credentials of' : 'Rotating'} ${profile.name} (app ${profile.appDisplayName})…`);
  let rotated = await resumeRotation(ctx, profile);
  const refreshed = rotated?.profile ?? (await storage.profiles.read(profile.name)) ?? profile;
  if (!rotated && !flags.finish) {
    const lifetimeDays = flags.lifetimeDays ?? Math.min(Math.max(refreshed.credential.lifetimeDays, 1), MAX_LIFETIME_DAYS);
    rotated = await rotate(ctx, refreshed, lifetimeDays);
  }
  const current = rotated?.profile ?? refreshed;
  const now = deps.clock.now();
  const replaced = rotated ? current.pendingRevocation?.at(-1)?.keyId : undefined;
  const due = (entry: PendingEntry) =>
    flags.finish ||
    (flags.revokeOld && entry.keyId === replaced) ||
    (flags.revokeAfterMs !== undefined && Date.parse(entry.replacedOn) + flags.revokeAfterMs <= now.getTime());
  const revocation = await revokePending(session.graph, storage.profiles, current, due, now);
  for (const keyId of revocation.revoked) deps.ui.success(`Revoked the replaced credential ${keyId}`);
  for (const keyId of revocation.keptForOthers) deps.ui.info(`Credential ${keyId} is still used by another profile of this app; it stays until that profile rotates.`);
  const final = revocation.profile;
  return {
    profile: final.name,
    ok: true,
    rotated: rotated !== undefined,
    resumed: rotated?.resumed ?? false,
    credential: { type: final.credential.type, keyId: final.credential.keyId, expiresOn: final.credential.expiresOn, ...(final.credential.thumbprint ? { thumbprint: final.credential.thumbprint } : {}) },
    environment: final.environment.url,
    clientId: final.clientId,
    revoked: revocation.revoked,
    pendingRevocation: final.pendingRevocation ?? [],
    connectionString: rotated?.connectionString,
  };
}

async function readAll(profiles: Awaited<ReturnType<typeof openProfiles>>): Promise<Profile[]> {
  const found: Profile[] = [];
  for (const name of await profiles.list()) {
    const profile = await profiles.read(name);
    if (profile) found.push(profile);
  }
  return found;
}

function isDue(profile: Profile, flags: RotateFlags, now: Date): boolean {
  if (profile.rotation || flags.expiringWithinMs === undefined) return true;
  return Date.parse(profile.credential.expiresOn) - now.getTime() <= flags.expiringWithinMs;
}
