// init --push: once the credential is stored and proven, each new profile remembers its destinations
// and delivers to them. A destination that fails is reported (exit 1); the profile is set up all the
// same, and `dynauth rotate-secret` (or init again) delivers what is missing.
import { UsageError } from '../../cli/errors.ts';
import type { Cloud } from '../../clouds.ts';
import type { Storage } from '../../connection/storage.ts';
import type { Deps } from '../../deps.ts';
import type { DestinationSpec } from '../../destinations/spec.ts';
import type { Profile } from '../../profiles/profile.ts';
import { readList, type FlagValues } from '../../cli/flags/read.ts';
import {
  deliverToDestinations,
  DeliveryFailedError,
  parsePushSpecs,
  withDestinations,
  type DeliveryResult,
} from '../../steps/deliver-destinations.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';

/** --push (DYNAUTH_PUSH) read and checked before anything is done; one environment only (each would overwrite the other's). */
export function readPushFlags(options: FlagValues, cloud: Cloud, environments: number): DestinationSpec[] {
  const pushes = parsePushSpecs(readList(options, 'push'), cloud);
  if (pushes.length && environments > 1) {
    throw new UsageError('--push delivers one connection: give it with one --environment (run init once per environment).', {
      code: 'bad-destination',
    });
  }
  return pushes;
}

/** Delivers each profile's credential to its destinations; false when one of them failed (already reported). */
export async function pushAfterInit(
  deps: Deps,
  cloud: Cloud,
  session: AdminSession,
  storage: Storage,
  profiles: Profile[],
  pushes: DestinationSpec[],
): Promise<{ ok: boolean; results: DeliveryResult[] }> {
  const results: DeliveryResult[] = [];
  let ok = true;
  for (const profile of profiles) {
    let current = withDestinations(profile, pushes);
    if (current !== profile) {
      current = { ...current, updatedOn: deps.clock.now().toISOString() };
      await storage.profiles.write(current);
    }
    try {
      results.push(...(await deliverToDestinations({ deps, cloud, storage, adminToken: async () => session.token }, current)).results);
    } catch (error) {
      if (!(error instanceof DeliveryFailedError)) throw error;
      results.push(...error.results);
      deps.ui.error(
        error.message,
        `Fix what is said above, then run dynauth init --profile ${profile.name} again or dynauth rotate-secret --profile ${profile.name}: each delivers what is missing.`,
      );
      ok = false;
    }
  }
  return { ok, results };
}
