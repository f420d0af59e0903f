// Readers of commander's parsed options, shared by every command's flags.ts: one spelling of
// "a string flag", "a repeatable flag", --store/--passphrase and durations with their bounds.
import { MAX_DATE_SPAN_MS, parseDuration, parseLifetimeDays } from '../../util/duration.ts';
import { UsageError } from '../errors.ts';
import { validateLifetime } from './validate.ts';

/** Commander's parsed options, keyed by attribute name (--secret-expiry is secretExpiry). */
export type FlagValues = Record<string, unknown>;
type Env = Record<string, string | undefined>;

/** A string flag, trimmed; undefined when not given. */
export function readText(options: FlagValues, key: string): string | undefined {
  const value = options[key];
  return typeof value === 'string' ? value.trim() : undefined;
}

/** A repeatable flag's values, trimmed, empty ones dropped. */
export function readList(options: FlagValues, key: string): string[] {
  const value = options[key];
  return Array.isArray(value) ? value.map((item) => String(item).trim()).filter(Boolean) : [];
}

/** A boolean flag: true only when given (or its environment twin reads as true). */
export function readSwitch(options: FlagValues, key: string): boolean {
  return options[key] === true;
}

/** Where the encrypted connection is kept, and whether a passphrase seals it. */
export interface StorageFlags {
  store: 'keychain' | 'file';
  /** --passphrase, or DYNAUTH_PASSPHRASE set (which then is the passphrase). */
  usePassphrase: boolean;
  passphrase: string | undefined;
}

export function readStorageFlags(options: FlagValues, env: Env): StorageFlags {
  return {
    store: readText(options, 'store') === 'file' ? 'file' : 'keychain',
    usePassphrase: options.passphrase === true || Boolean(env.DYNAUTH_PASSPHRASE),
    passphrase: env.DYNAUTH_PASSPHRASE || undefined,
  };
}

/** A duration to wait (--wait): at most a day unless `maxMs` says otherwise. */
export function readDuration(options: FlagValues, key: string, flag: string, fallback: string, maxMs?: number): number;
export function readDuration(options: FlagValues, key: string, flag: string, fallback?: undefined, maxMs?: number): number | undefined;
export function readDuration(options: FlagValues, key: string, flag: string, fallback?: string, maxMs?: number): number | undefined {
  const given = readText(options, key) ?? fallback;
  return given === undefined ? undefined : parseDuration(given, flag, maxMs);
}

/** A span compared with dates, not waited for (--revoke-after, --if-expiring-within): up to a credential's longest lifetime. */
export function readDateSpan(options: FlagValues, key: string, flag: string): number | undefined {
  return readDuration(options, key, flag, undefined, MAX_DATE_SPAN_MS);
}

/** --timeout for each answer from Entra or Dataverse: 1 s to a day. */
export function readTimeout(options: FlagValues): number {
  const timeoutMs = readDuration(options, 'timeout', '--timeout', '30s');
  if (timeoutMs < 1000) throw new UsageError(`--timeout "${readText(options, 'timeout')}" is too short; give at least 1s.`);
  return timeoutMs;
}

/** A new credential's lifetime in days (--secret-expiry), within dynauth's limit; undefined when not given. */
export function readLifetimeDays(options: FlagValues, key: string, flag: string): number | undefined {
  const given = readText(options, key);
  return given === undefined ? undefined : validateLifetime(parseLifetimeDays(given, flag), given, flag);
}
