import type { Deps } from '../../deps.ts';
import { exitCodeOf, testConnection } from '../../steps/test-connection.ts';
import { parseTestConnectionFlags } from './flags.ts';
import { formatReport } from './report.ts';
import { handMadeSubject } from './subject-by-hand.ts';
import { openStorageFor } from '../../connection/profile-storages.ts';
import { recordSuccess } from '../../connection/profile-writes.ts';
import { assertSameCloud, chooseProfile } from '../../connection/select-profile.ts';
import { openProfiles } from '../../connection/storage.ts';
import { profileSubject } from '../../steps/profile-subject.ts';
import { federatedProfileSubject } from './federated.ts';

export async function run(deps: Deps, options: Record<string, unknown>): Promise<number> {
  const cloud = await deps.cloud();
  const flags = parseTestConnectionFlags(options, cloud, deps.env);
  const profiles = flags.handMade ? undefined : await openProfiles(deps);
  const profile = profiles ? await chooseProfile(deps, profiles, flags.profile) : undefined;
  if (profile) assertSameCloud(profile, cloud);
  const subject = profile
    ? profile.federation?.length
      ? federatedProfileSubject(deps, profile, flags.federatedTokenFile)
      : profileSubject(profile, await openStorageFor(deps, profile, flags), () => deps.clock.now())
    : await handMadeSubject(deps, cloud, flags);
  deps.ui.step(
    `Testing ${subject.profile ? `profile "${subject.profile}"` : `client id ${subject.clientId}`} against ${subject.environmentUrl}…`,
  );
  const report = await testConnection(deps, cloud, subject, { timeoutMs: flags.timeoutMs, readTables: flags.readTables });
  if (report.ok && profile && profiles) await recordSuccess(profiles, profile, deps.clock.now());
  deps.ui.result(report, () => formatReport(report, deps.ui.style));
  return exitCodeOf([report]);
}
