import { UsageError } from '../../cli/errors.ts';
import { readList, readStorageFlags, readSwitch, readText, type FlagValues, type StorageFlags } from '../../cli/flags/read.ts';
import type { Env } from '../../deps.ts';
import { validateProfileNameFlag } from '../../profiles/profile-name.ts';

export interface TokenFlags extends StorageFlags {
  profile: string | undefined;
  /** Empty: the environment's own scope. */
  scopes: string[];
  showSecret: boolean;
}

export function parseTokenFlags(options: FlagValues, env: Env): TokenFlags {
  const profile = readText(options, 'profile');
  if (profile !== undefined) validateProfileNameFlag(profile);
  const scopes = readList(options, 'scope').flatMap((scope) => scope.split(/\s+/).filter(Boolean));
  // Scopes are URLs or names such as offline_access: anything else (a control character, a quote) is a typo or worse.
  const bad = scopes.find((scope) => !/^[\w.:/~%@+-]+$/.test(scope) || scope.length > 500);
  if (bad !== undefined)
    throw new UsageError('--scope takes scopes such as https://contoso.crm.dynamics.com/.default; one given is not one.');
  return { profile, scopes, showSecret: readSwitch(options, 'showSecret'), ...readStorageFlags(options, env) };
}
