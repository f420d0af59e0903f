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
import type { ConnectionFlow } from '../../profiles/profile.ts';

/** How the integration account of a delegated setup signs in. */
export type UserSignInMethod = 'browser' | 'device-code';

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
  /** --flow: app-user (an application user, the default) or delegated (the app acts as a signed-in user). */
  flow: ConnectionFlow | undefined;
  /** --redirect-uri: a delegated app's redirect URIs besides http://localhost (a product's own callback). */
  redirectUris: string[];
  /** --public-client: a delegated app with no secret (PKCE alone; device code allowed). */
  publicClient: boolean;
  /** false with --no-sign-in: the delegated app is set up, and the integration account signs in later. */
  signIn: boolean;
  /** --user-sign-in: how the integration account signs in (browser, or device code for a public client). */
  userSignIn: UserSignInMethod | undefined;
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
  const delegated = readDelegatedFlags(options);
  if (delegated.flow === 'delegated') {
    const refused = [
      roles.length && '--role',
      rolePreset && '--role-preset',
      readText(options, 'businessUnit') && '--business-unit',
      readSwitch(options, 'skipMissingTables') && '--skip-missing-tables',
      credential === 'certificate' && '--credential certificate',
      addEnvironment && '--add-environment',
      delegated.publicClient && lifetimeDays !== undefined && '--secret-expiry (a public client has no secret)',
    ].filter(Boolean);
    if (refused.length) {
      throw new UsageError(
        `--flow delegated makes no application user and signs in with a client secret or none: ${refused.join(', ')} do not apply.`,
      );
    }
    if (environments.length > 1) throw new UsageError('--flow delegated sets up one environment at a time: give one --environment.');
  }
  return {
    ...delegated,
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

type DelegatedFlags = Pick<InitFlags, 'flow' | 'redirectUris' | 'publicClient' | 'signIn' | 'userSignIn'>;

/** --flow and the flags only a delegated setup has; any of those implies --flow delegated. */
function readDelegatedFlags(options: FlagValues): DelegatedFlags {
  const redirectUris = readList(options, 'redirectUri').map(validateRedirectUri);
  const publicClient = readSwitch(options, 'publicClient');
  const signIn = options.signIn !== false;
  const userSignIn = readText(options, 'userSignIn') as UserSignInMethod | undefined;
  const given = [
    redirectUris.length && '--redirect-uri',
    publicClient && '--public-client',
    !signIn && '--no-sign-in',
    userSignIn && '--user-sign-in',
  ].filter((flag): flag is string => Boolean(flag));
  const flow = (readText(options, 'flow') as ConnectionFlow | undefined) ?? (given.length ? 'delegated' : undefined);
  if (flow === 'app-user' && given.length) throw new UsageError(`${given.join(', ')} go with --flow delegated, not --flow app-user.`);
  if (userSignIn && !signIn) throw new UsageError('--user-sign-in and --no-sign-in contradict each other.');
  return { flow, redirectUris, publicClient, signIn, userSignIn };
}

/**
 * Entra's rules for a redirect URI (learn.microsoft.com/entra/identity-platform/reply-url):
 * https, or http on localhost / 127.0.0.1 only; at most 256 characters; no wildcard.
 */
export function validateRedirectUri(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--redirect-uri "${text}" is not a URL.`);
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new UsageError(`--redirect-uri "${text}" must use https (http is allowed for localhost and 127.0.0.1 only).`);
  }
  if (text.length > 256) throw new UsageError('--redirect-uri is longer than the 256 characters Entra allows.');
  if (text.includes('*')) throw new UsageError('--redirect-uri may not contain a wildcard (*).');
  return text;
}

/** Without a terminal (or with --yes) nothing is asked: every missing answer is one usage error. */
export function assertNothingMissing(flags: InitFlags, options: { needsYes: boolean }): void {
  const missing: string[] = [];
  // A delegated profile is repaired with --profile alone: its environment is the profile's.
  const repairing = flags.flow === 'delegated' && flags.profile !== undefined;
  if (!flags.environments.length && !flags.addEnvironment && !repairing) missing.push('--environment <id|url|name>');
  if (!flags.roles.length && !flags.rolePreset && !flags.addEnvironment && flags.flow !== 'delegated')
    missing.push('--role-preset <contact-center|read-only|system-administrator> or --role <name>');
  if (flags.usePassphrase && !flags.passphrase) missing.push('DYNAUTH_PASSPHRASE (for --passphrase)');
  missing.push(...missingFederation(flags));
  if (options.needsYes) missing.push('--yes (to apply the plan without a confirmation prompt), or --dry-run');
  if (missing.length) throw new MissingInputError(missing);
}
