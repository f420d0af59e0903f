import { MissingInputError, UsageError } from '../../cli/errors.ts';
import { InvalidProfileNameError } from '../../profiles/errors.ts';
import { validateProfileName as checkProfileName } from '../../profiles/profile-name.ts';
import { describeDataverseHosts, isDataverseHost, otherCloudHint, type Cloud } from '../../clouds.ts';
import type { Env } from '../../deps.ts';
import { MAX_SECRET_LIFETIME_DAYS } from '../../microsoft.ts';
import type { RolePresetName } from '../../roles/presets.ts';
import { parseDuration, parseLifetimeDays } from '../../util/duration.ts';
import { assertWritableFile } from '../../util/output-file.ts';
import { unsafeCharacter } from '../../util/terminal-text.ts';
import { passphraseProblem } from '../../secrets/passphrase.ts';
import type { AuthMethod } from '../shared-options.ts';

export const MAX_APP_NAME_LENGTH = 120;
export const DEFAULT_LIFETIME_DAYS = 180;

/** What the flags (and their environment twins) said, validated; undefined means "not given". */
export interface InitFlags {
  /** Set by --add-environment: the app of the profile, found by its client id. */
  appId?: string;
  auth: AuthMethod | undefined;
  tenant: string | undefined;
  environments: string[];
  addEnvironment: string | undefined;
  appName: string | undefined;
  credential: 'secret' | 'certificate' | undefined;
  lifetimeDays: number | undefined;
  roles: string[];
  rolePreset: RolePresetName | undefined;
  businessUnit: string | undefined;
  /** Make the preset's role without the privileges of tables the environment lacks (no Dynamics 365 apps there). */
  skipMissingTables: boolean;
  profile: string | undefined;
  certificateOut: string | undefined;
  waitMs: number;
  passphrase: string | undefined;
  usePassphrase: boolean;
  store: 'keychain' | 'file';
  yes: boolean;
  dryRun: boolean;
  showSecret: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function parseInitFlags(options: Record<string, unknown>, cloud: Cloud, env: Env): InitFlags {
  const text = (key: string) => (typeof options[key] === 'string' ? (options[key] as string).trim() : undefined);
  const list = (key: string) => (Array.isArray(options[key]) ? (options[key] as string[]).map((v) => v.trim()).filter(Boolean) : []);
  const tenant = text('tenant');
  if (tenant !== undefined) validateTenant(tenant);
  const environments = list('environment');
  const addEnvironment = text('addEnvironment');
  for (const selector of [...environments, ...(addEnvironment ? [addEnvironment] : [])]) {
    validatePlainName(selector, addEnvironment === selector ? '--add-environment' : '--environment');
    validateEnvironmentSelector(selector, cloud);
  }
  const appName = text('appName');
  if (appName !== undefined) validateAppName(appName);
  const expiry = text('secretExpiry');
  const lifetimeDays = expiry === undefined ? undefined : validateLifetime(parseLifetimeDays(expiry, '--secret-expiry'), expiry);
  const roles = list('role');
  for (const role of roles) validatePlainName(role, '--role');
  const rolePreset = text('rolePreset') as RolePresetName | undefined;
  if (roles.length && rolePreset) throw new UsageError('Give either --role or --role-preset, not both.');
  const profile = text('profile');
  if (profile !== undefined) validateProfileName(profile);
  const credential = text('credential') as InitFlags['credential'];
  const certificateOut = text('certificateOut');
  if (certificateOut && credential !== 'certificate') throw new UsageError('--certificate-out goes with --credential certificate.');
  if (certificateOut) assertWritableFile(certificateOut, '--certificate-out');
  if (environments.length > 1 && profile) {
    throw new UsageError('--profile names one environment; with several --environment each profile is named after its environment.');
  }
  if (addEnvironment && (!profile || environments.length)) {
    throw new UsageError('--add-environment needs --profile <existing profile> and no --environment.');
  }
  const usePassphrase = options.passphrase === true || Boolean(env.DYNAUTH_PASSPHRASE);
  const store = (text('store') ?? 'keychain') as InitFlags['store'];
  if (store === 'file' && !usePassphrase) throw new UsageError('--store file needs --passphrase: the file is encrypted with it.');
  const weakPassphrase = usePassphrase && env.DYNAUTH_PASSPHRASE ? passphraseProblem(env.DYNAUTH_PASSPHRASE) : undefined;
  if (weakPassphrase) {
    throw new UsageError(`DYNAUTH_PASSPHRASE is too short to encrypt the new credential: give ${weakPassphrase}, as the prompt asks.`, { code: 'weak-passphrase' });
  }
  return {
    auth: text('auth') as AuthMethod | undefined,
    tenant,
    environments,
    addEnvironment,
    appName,
    credential,
    lifetimeDays,
    roles,
    rolePreset,
    businessUnit: validatePlainName(text('businessUnit'), '--business-unit'),
    skipMissingTables: options.skipMissingTables === true,
    profile,
    certificateOut,
    waitMs: parseDuration(text('wait') ?? '5m', '--wait'),
    passphrase: usePassphrase ? env.DYNAUTH_PASSPHRASE || undefined : undefined,
    usePassphrase,
    store,
    yes: options.yes === true,
    dryRun: options.dryRun === true,
    showSecret: options.showSecret === true,
  };
}

/** Without a terminal (or with --yes) nothing is asked: every missing answer is one usage error. */
export function assertNothingMissing(flags: InitFlags, options: { needsYes: boolean }): void {
  const missing: string[] = [];
  if (!flags.environments.length && !flags.addEnvironment) missing.push('--environment <id|url|name>');
  if (!flags.roles.length && !flags.rolePreset && !flags.addEnvironment) missing.push('--role-preset <contact-center|read-only|system-administrator> or --role <name>');
  if (flags.usePassphrase && !flags.passphrase) missing.push('DYNAUTH_PASSPHRASE (for --passphrase)');
  if (options.needsYes) missing.push('--yes (to apply the plan without a confirmation prompt), or --dry-run');
  if (missing.length) throw new MissingInputError(missing);
}

export function validateTenant(tenant: string): void {
  if (!GUID.test(tenant) && !DOMAIN.test(tenant)) {
    throw new UsageError(`--tenant "${tenant}" is neither a tenant id (GUID) nor a domain such as contoso.onmicrosoft.com.`);
  }
}

export function validateEnvironmentSelector(selector: string, cloud: Cloud): void {
  if (!/^https?:\/\//i.test(selector)) return;
  let url: URL;
  try {
    url = new URL(selector);
  } catch {
    throw new UsageError(`"${selector}" is not a valid environment URL.`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`Environment URL ${selector} must use https.`);
  if (!isDataverseHost(cloud, url.hostname)) {
    throw new UsageError(`${url.hostname} is not a Dataverse host of the ${cloud.name} cloud (${describeDataverseHosts(cloud)}).`, {
      hint: otherCloudHint(url.hostname),
    });
  }
}

/**
 * Names go to Entra and Dataverse, whose consent screen and portals show them: a newline ("dynauth\n
 * Approved by Microsoft") or a bidi override ("dynauth-\u202Etxt.exe" shows as "dynauth-exe.txt")
 * would make a name say what it is not. Control and bidi characters are refused.
 */
export function validatePlainName<T extends string | undefined>(name: T, flag: string): T {
  const unsafe = name === undefined ? undefined : unsafeCharacter(name);
  if (unsafe) {
    throw new UsageError(`${flag} holds a control or bidirectional-override character (${unsafe}); names are shown in the Entra admin center and on consent screens, where such characters disguise them.`, {
      hint: 'Type the name with visible characters only.',
      code: 'unsafe-name',
    });
  }
  return name;
}

export function validateAppName(name: string): void {
  if (!name) throw new UsageError('--app-name must not be empty.');
  validatePlainName(name, '--app-name');
  if (name.length > MAX_APP_NAME_LENGTH) {
    throw new UsageError(`--app-name is ${name.length} characters; Entra allows at most ${MAX_APP_NAME_LENGTH}.`);
  }
}

export function validateLifetime(days: number, given: string, label = '--secret-expiry'): number {
  if (days < 1) throw new UsageError(`${label} "${given}" is not in the future.`);
  if (days > MAX_SECRET_LIFETIME_DAYS) {
    throw new UsageError(`${label} "${given}" is ${days} days; dynauth allows at most ${MAX_SECRET_LIFETIME_DAYS} days (two years, the longest the Entra admin center offers).`, {
      hint: 'Microsoft recommends short-lived credentials (dynauth defaults to 180 days); dynauth rotate-secret renews one with no downtime.',
      code: 'expiry-out-of-range',
    });
  }
  return days;
}

/** The profile store's own rule, as a usage error worded for the command line. */
export function validateProfileName(name: string): void {
  try {
    checkProfileName(name);
  } catch (error) {
    if (!(error instanceof InvalidProfileNameError)) throw error;
    throw new UsageError(`Profile name "${name}" is not safe as a file name on every system.`, { hint: error.hint, code: 'bad-profile-name' });
  }
}
