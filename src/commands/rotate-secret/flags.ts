import { UsageError } from '../../cli/errors.ts';
import type { Env } from '../../deps.ts';
import { MAX_SECRET_LIFETIME_DAYS } from '../../microsoft.ts';
import { MAX_DATE_SPAN_MS, parseDuration, parseLifetimeDays } from '../../util/duration.ts';
import { validateProfileName, validateTenant } from '../init/flags.ts';
import { AUTH_METHODS, type AuthMethod } from '../shared-options.ts';

export const MAX_LIFETIME_DAYS = MAX_SECRET_LIFETIME_DAYS;

export interface RotateFlags {
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
  store: 'keychain' | 'file';
  usePassphrase: boolean;
  passphrase: string | undefined;
  /** Revoke without asking, even in a terminal. */
  yes: boolean;
}

export function parseRotateFlags(options: Record<string, unknown>, env: Env): RotateFlags {
  const text = (key: string) => (typeof options[key] === 'string' ? (options[key] as string).trim() : undefined);
  const expiry = text('secretExpiry');
  const flags: RotateFlags = {
    profile: text('profile'),
    all: options.all === true,
    auth: text('auth') as AuthMethod | undefined,
    tenant: text('tenant'),
    lifetimeDays: expiry === undefined ? undefined : parseLifetimeDays(expiry, '--secret-expiry'),
    revokeOld: options.revokeOld === true,
    finish: options.finish === true,
    revokeAfterMs: text('revokeAfter') === undefined ? undefined : parseDuration(text('revokeAfter')!, '--revoke-after', MAX_DATE_SPAN_MS),
    expiringWithinMs: text('ifExpiringWithin') === undefined ? undefined : parseDuration(text('ifExpiringWithin')!, '--if-expiring-within', MAX_DATE_SPAN_MS),
    showSecret: options.showSecret === true,
    waitMs: parseDuration(text('wait') ?? '5m', '--wait'),
    store: (text('store') ?? 'keychain') as RotateFlags['store'],
    usePassphrase: options.passphrase === true || Boolean(env.DYNAUTH_PASSPHRASE),
    passphrase: env.DYNAUTH_PASSPHRASE || undefined,
    yes: options.yes === true,
  };
  if (flags.lifetimeDays !== undefined && (flags.lifetimeDays < 1 || flags.lifetimeDays > MAX_LIFETIME_DAYS)) {
    throw new UsageError(`--secret-expiry "${expiry}" is out of range: give 1 to ${MAX_LIFETIME_DAYS} days (dynauth's own limit: two years, the longest the Entra admin center offers).`, {
      hint: 'Microsoft recommends short-lived credentials; a tenant app-management policy may allow less still.',
      code: 'expiry-out-of-range',
    });
  }
  if (flags.auth !== undefined && !AUTH_METHODS.includes(flags.auth)) throw new UsageError(`--auth must be one of: ${AUTH_METHODS.join(', ')}`);
  if (flags.profile !== undefined) validateProfileName(flags.profile);
  if (flags.tenant !== undefined) validateTenant(flags.tenant);
  if (flags.all && flags.profile) throw new UsageError('Give either --profile or --all, not both.');
  if (flags.expiringWithinMs !== undefined && !flags.all) throw new UsageError('--if-expiring-within goes with --all.');
  if (flags.finish && (flags.revokeOld || flags.lifetimeDays !== undefined)) {
    throw new UsageError('--finish only revokes what earlier rotations left pending; it takes no --revoke-old or --secret-expiry.');
  }
  return flags;
}
