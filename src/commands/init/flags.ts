import { parseAuthMethod, type AuthMethod } from '../../auth/methods.ts';
import { MissingInputError, UsageError } from '../../cli/errors.ts';
import { readDuration, readLifetimeDays, readList, readStorageFlags, readSwitch, readText, type FlagValues } from '../../cli/flags/read.ts';
import { validateAppName, validateEnvironmentSelector, validatePlainName, validateTenant } from '../../cli/flags/validate.ts';
import type { Cloud } from '../../clouds.ts';
import type { Env } from '../../deps.ts';
import { validateProfileNameFlag } from '../../profiles/profile-name.ts';
import type { RolePresetName } from '../../roles/presets.ts';
import { assertWritableFile } from '../../util/output-file.ts';
import { passphraseProblem } from '../../secrets/passphrase.ts';
import type { FederationSpec } from '../../connection/federation-spec.ts';
import { missingFederation, readFederationFlags } from './federation-flags.ts';

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
  credential: 'secret' | 'certificate' | 'federated' | undefined;
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
  /** --federation: the pipelines whose tokens sign the app in (implies --credential federated). */
  federation: FederationSpec[];
}

export function parseInitFlags(options: FlagValues, cloud: Cloud, env: Env): InitFlags {
  const tenant = readText(options, 'tenant');
  if (tenant !== undefined) validateTenant(tenant);
  const environments = readList(options, 'environment');
  const addEnvironment = readText(options, 'addEnvironment');
  for (const selector of [...environments, ...(addEnvironment ? [addEnvironment] : [])]) {
    validatePlainName(selector, addEnvironment === selector ? '--add-environment' : '--environment');
    validateEnvironmentSelector(selector, cloud);
  }
  const appName = readText(options, 'appName');
  if (appName !== undefined) validateAppName(appName);
  const lifetimeDays = readLifetimeDays(options, 'secretExpiry', '--secret-expiry');
  const roles = readList(options, 'role');
  for (const role of roles) validatePlainName(role, '--role');
  const rolePreset = readText(options, 'rolePreset') as RolePresetName | undefined;
  if (roles.length && rolePreset) throw new UsageError('Give either --role or --role-preset, not both.');
  const profile = readText(options, 'profile');
  if (profile !== undefined) validateProfileNameFlag(profile);
  const credential = readText(options, 'credential') as InitFlags['credential'];
  const certificateOut = readText(options, 'certificateOut');
  if (certificateOut && credential !== 'certificate') throw new UsageError('--certificate-out goes with --credential certificate.');
  if (certificateOut) assertWritableFile(certificateOut, '--certificate-out');
  if (environments.length > 1 && profile) {
    throw new UsageError('--profile names one environment; with several --environment each profile is named after its environment.');
  }
  if (addEnvironment && (!profile || environments.length)) {
    throw new UsageError('--add-environment needs --profile <existing profile> and no --environment.');
  }
  const { store, usePassphrase, passphrase } = readStorageFlags(options, env);
  if (store === 'file' && !usePassphrase) throw new UsageError('--store file needs --passphrase: the file is encrypted with it.');
  const weakPassphrase = passphrase ? passphraseProblem(passphrase) : undefined;
  if (weakPassphrase) {
    throw new UsageError(`DYNAUTH_PASSPHRASE is too short to encrypt the new credential: give ${weakPassphrase}, as the prompt asks.`, {
      code: 'weak-passphrase',
    });
  }
  return {
    auth: parseAuthMethod(readText(options, 'auth')),
    tenant,
    environments,
    addEnvironment,
    appName,
    lifetimeDays,
    roles,
    rolePreset,
    businessUnit: validatePlainName(readText(options, 'businessUnit'), '--business-unit'),
    skipMissingTables: readSwitch(options, 'skipMissingTables'),
    profile,
    certificateOut,
    waitMs: readDuration(options, 'wait', '--wait', '5m'),
    passphrase,
    usePassphrase,
    store,
    yes: readSwitch(options, 'yes'),
    dryRun: readSwitch(options, 'dryRun'),
    showSecret: readSwitch(options, 'showSecret'),
    ...readFederationFlags(options, credential, { lifetimeDays, certificateOut }),
  };
}

/** Without a terminal (or with --yes) nothing is asked: every missing answer is one usage error. */
export function assertNothingMissing(flags: InitFlags, options: { needsYes: boolean }): void {
  const missing: string[] = [];
  if (!flags.environments.length && !flags.addEnvironment) missing.push('--environment <id|url|name>');
  if (!flags.roles.length && !flags.rolePreset && !flags.addEnvironment)
    missing.push('--role-preset <contact-center|read-only|system-administrator> or --role <name>');
  if (flags.usePassphrase && !flags.passphrase) missing.push('DYNAUTH_PASSPHRASE (for --passphrase)');
  missing.push(...missingFederation(flags));
  if (options.needsYes) missing.push('--yes (to apply the plan without a confirmation prompt), or --dry-run');
  if (missing.length) throw new MissingInputError(missing);
}
