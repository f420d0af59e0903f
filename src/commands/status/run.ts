import { DynauthError, ExitCode } from '../../cli/errors.ts';
import type { Deps } from '../../deps.ts';
import { exitCodeOf, testConnection } from '../../steps/test-connection.ts';
import { openStoragesFor } from '../../connection/profile-storages.ts';
import { recordSuccess } from '../../connection/profile-writes.ts';
import { assertSameCloud } from '../../connection/select-profile.ts';
import { openProfiles } from '../../connection/storage.ts';
import { profileSubject } from '../../steps/profile-subject.ts';
import { federatedSubject } from '../../steps/federated-subject.ts';
import { formatStatus } from './format.ts';
import { expiryCalendar, reminderCount } from './ics.ts';
import { writeOutputFile } from '../../util/output-file.ts';
import { parseStatusFlags } from './flags.ts';
import { readRows, type StatusRow } from './rows.ts';

const DAY_MS = 86_400_000;

export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const flags = parseStatusFlags(options, deps.env);
  const profiles = await openProfiles(deps);
  const entries = await readRows(deps, profiles, flags.store);
  const rows = entries.map((entry) => entry.row);
  if (flags.check && entries.length) {
    const cloud = await deps.cloud();
    const checkable = entries.filter((entry) => entry.profile);
    const storages = await openStoragesFor(
      deps,
      checkable.map((entry) => entry.profile!),
      flags,
    );
    deps.ui.step(`Testing ${checkable.length} profile${checkable.length === 1 ? '' : 's'}…`);
    await Promise.all(
      checkable.map(async ({ row, profile }) => {
        try {
          assertSameCloud(profile!, cloud);
        } catch (error) {
          row.problem = (error as Error).message;
          row.problemCode = error instanceof DynauthError ? error.code : 'unexpected';
          return;
        }
        // A federated profile is tested only where a platform token is at hand (AZURE_FEDERATED_TOKEN_FILE).
        const tokenFile = profile!.federation?.length ? deps.env.AZURE_FEDERATED_TOKEN_FILE : undefined;
        if (profile!.federation?.length && !tokenFile) {
          deps.ui.info(`${profile!.name}: federated; tested only where its pipeline's token is (AZURE_FEDERATED_TOKEN_FILE)`);
          return;
        }
        row.check = await testConnection(
          deps,
          cloud,
          tokenFile
            ? federatedSubject(profile!, tokenFile, (token) => deps.redactor.add(token))
            : profileSubject(profile!, storages.of(profile!), () => deps.clock.now()),
          { timeoutMs: flags.timeoutMs },
        );
        if (row.check.ok) {
          await recordSuccess(profiles, profile!, deps.clock.now());
          row.lastSuccessfulTest = deps.clock.now().toISOString();
        }
      }),
    );
  }
  const now = deps.clock.now();
  const secretExpiring = (row: StatusRow) =>
    !!row.credential && Date.parse(row.credential.expiresOn) - now.getTime() <= flags.warnDays! * DAY_MS;
  // A refresh token unused for 90 days dies (AADSTS700082): the days left of that window count like an expiry.
  const refreshDying = (row: StatusRow) =>
    row.delegated?.refreshToken.daysLeft !== undefined && row.delegated.refreshToken.daysLeft <= flags.warnDays!;
  const expiring = flags.warnDays === undefined ? [] : rows.filter((row) => secretExpiring(row) || refreshDying(row));
  if (flags.ics) {
    await writeOutputFile(flags.ics, expiryCalendar(rows, now), '--ics');
    deps.ui.success(`Calendar with ${reminderCount(rows)} expiry reminder(s) written to ${flags.ics}`);
  }
  deps.ui.result(
    { profiles: rows, ...(flags.warnDays !== undefined ? { warnDays: flags.warnDays, expiring: expiring.map((row) => row.profile) } : {}) },
    () => formatStatus(rows, deps.ui.style, flags.warnDays, now),
  );
  for (const row of expiring) {
    if (secretExpiring(row))
      deps.ui.warn(
        `The ${row.credential!.type} of ${row.profile} expires within ${flags.warnDays} days (${row.credential!.expiresOn.slice(0, 10)}): dynauth rotate-secret --profile ${row.profile}`,
      );
    if (refreshDying(row)) deps.ui.warn(refreshWarning(row));
  }
  return exitCodeFor(rows, expiring);
}

function exitCodeFor(rows: StatusRow[], expiring: StatusRow[]): number {
  const checked = exitCodeOf(rows.flatMap((row) => (row.check ? [row.check] : [])));
  if (checked !== ExitCode.ok) return checked;
  if (rows.some((row) => row.problem)) return ExitCode.failure;
  return expiring.length ? ExitCode.expiring : ExitCode.ok;
}

function refreshWarning(row: StatusRow): string {
  const { daysLeft, lastRedeemedOn } = row.delegated!.refreshToken;
  const last = lastRedeemedOn!.slice(0, 10);
  return daysLeft! <= 0
    ? `The refresh token of ${row.profile} has not been redeemed since ${last}: Entra has ended it (90 days unused). Sign in again: dynauth init --flow delegated --profile ${row.profile}`
    : `The refresh token of ${row.profile} dies unused in ${daysLeft} day${daysLeft === 1 ? '' : 's'} (last redeemed ${last}): dynauth test-connection --profile ${row.profile} redeems it and keeps the new one`;
}
