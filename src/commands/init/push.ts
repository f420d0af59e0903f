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
import type { PlanItem } from './model.ts';

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

/** What the plan says about --push: one line per destination, after the profile is written. */
export function pushPlanItems(pushes: DestinationSpec[]): PlanItem[] {
  return pushes.map((spec) => ({ action: 'update' as const, what: `deliver the connection to ${describe(spec)}` }));
}

function describe(spec: DestinationSpec): string {
  switch (spec.kind) {
    case 'github':
      return `GitHub Actions secrets of ${spec.owner}/${spec.repo}${spec.environment ? ` (environment ${spec.environment})` : ''}: ${[spec.names['tenant-id'], spec.names['client-id'], spec.names['environment-url']].join(', ')} and the secret (${spec.names['client-secret']}) or certificate (${spec.names['client-certificate']})`;
    case 'keyvault':
      return `Key Vault ${spec.vaultUrl}: secret (or certificate) ${spec.name}`;
    case 'file':
      return `file ${spec.path} (mode 0600)`;
  }
}

/** init's --json result with what each destination received (init --push takes one environment, so one profile). */
export function withDeliveries(json: unknown, results: DeliveryResult[]): unknown {
  if (!results.length || typeof json !== 'object' || json === null) return json;
  return {
    ...json,
    destinations: results.map(({ spec, ok, keyId, error }) => ({ spec, ok, ...(keyId ? { keyId } : {}), ...(error ? { error } : {}) })),
  };
}
