import { parseAuthMethod, type AuthMethod } from '../../auth/methods.ts';
import { UsageError } from '../../cli/errors.ts';
import {
  readDateSpan,
  readDuration,
  readList,
  readLifetimeDays,
  readStorageFlags,
  readSwitch,
  readText,
  type FlagValues,
  type StorageFlags,
} from '../../cli/flags/read.ts';
import { validateTenant } from '../../cli/flags/validate.ts';
import type { Env } from '../../deps.ts';
import { validateProfileNameFlag } from '../../profiles/profile-name.ts';

export interface RotateFlags extends StorageFlags {
  profile: string | undefined;
  all: boolean;
  auth: AuthMethod | undefined;
  tenant: string | undefined;
  lifetimeDays: number | undefined;
  revokeOld: boolean;
  finish: boolean;
  revokeAfterMs: number | undefined;
  expiringWithinMs: number | undefined;
  showSecret: boolean;
  waitMs: number;
  /** Revoke without asking, even in a terminal. */
  yes: boolean;
  /** --push destinations to add to the profile's (checked against the cloud in run). */
  push: string[];
}

export function parseRotateFlags(options: FlagValues, env: Env): RotateFlags {
  const flags: RotateFlags = {
    profile: readText(options, 'profile'),
    all: readSwitch(options, 'all'),
    auth: parseAuthMethod(readText(options, 'auth')),
    tenant: readText(options, 'tenant'),
    lifetimeDays: readLifetimeDays(options, 'secretExpiry', '--secret-expiry'),
    revokeOld: readSwitch(options, 'revokeOld'),
    finish: readSwitch(options, 'finish'),
    revokeAfterMs: readDateSpan(options, 'revokeAfter', '--revoke-after'),
    expiringWithinMs: readDateSpan(options, 'ifExpiringWithin', '--if-expiring-within'),
    showSecret: readSwitch(options, 'showSecret'),
    waitMs: readDuration(options, 'wait', '--wait', '5m'),
    ...readStorageFlags(options, env),
    yes: readSwitch(options, 'yes'),
    push: readList(options, 'push'),
  };
  if (flags.profile !== undefined) validateProfileNameFlag(flags.profile);
  if (flags.tenant !== undefined) validateTenant(flags.tenant);
  if (flags.all && flags.profile) throw new UsageError('Give either --profile or --all, not both.');
  if (flags.expiringWithinMs !== undefined && !flags.all) throw new UsageError('--if-expiring-within goes with --all.');
  if (flags.push.length && flags.all) throw new UsageError('--push names destinations of one profile: give it with --profile, not --all.');
  if (flags.finish && (flags.revokeOld || flags.lifetimeDays !== undefined)) {
    throw new UsageError('--finish only revokes what earlier rotations left pending; it takes no --revoke-old or --secret-expiry.');
  }
  return flags;
}
