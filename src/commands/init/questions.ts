import { UsageError } from '../../cli/errors.ts';
import { validateAppName, validateLifetime } from '../../cli/flags/validate.ts';
import type { Deps } from '../../deps.ts';
import { validateProfileNameFlag } from '../../profiles/profile-name.ts';
import { PRESETS, ROLE_PRESETS } from '../../roles/presets.ts';
import type { AdminSession } from '../../steps/sign-in-admin.ts';
import type { TargetEnvironment } from '../../steps/resolve-environments.ts';
import { parseLifetimeDays } from '../../util/duration.ts';
import { plainName } from '../../util/terminal-text.ts';
import { DEFAULT_LIFETIME_DAYS, type InitFlags } from './flags.ts';
import type { InitAnswers, RoleChoice } from './model.ts';
import type { ConnectionFlow } from '../../profiles/profile.ts';
import { DEFAULT_DELEGATED_REDIRECT_URI } from '../../microsoft.ts';

/** Fills every answer the flags left open: asked in a terminal, else the documented default. */
export async function completeAnswers(
  deps: Pick<Deps, 'prompter' | 'canPrompt' | 'ui'>,
  flags: InitFlags,
  session: AdminSession,
  targets: TargetEnvironment[],
): Promise<InitAnswers> {
  const ask = deps.canPrompt && !flags.yes;
  const first = targets[0]!;
  // A flag only an application user has (roles, a business unit, a certificate…) already says app-user.
  const appUserFlags =
    flags.roles.length > 0 ||
    flags.rolePreset !== undefined ||
    flags.businessUnit !== undefined ||
    flags.skipMissingTables ||
    (flags.credential !== undefined && flags.credential !== 'secret') ||
    flags.addEnvironment !== undefined;
  const flow = flags.flow ?? (ask && !appUserFlags ? await chooseFlow(deps) : 'app-user');
  if (flow === 'delegated') return delegatedAnswers(deps, flags, targets, ask);
  const appName = await askAppName(deps, flags, first, ask);
  const credential =
    flags.credential ??
    (ask
      ? await deps.prompter.select({
          message: 'Credential',
          choices: [
            {
              name: 'Client secret',
              value: 'secret' as const,
              description: 'a password the integration sends; rotate it with dynauth rotate-secret',
            },
            {
              name: 'Certificate',
              value: 'certificate' as const,
              description: 'a self-signed certificate; the private key stays in the keychain',
            },
            {
              name: 'Federated (no secret)',
              value: 'federated' as const,
              description: 'a pipeline (GitHub Actions, Azure DevOps, Kubernetes) signs in with its own token',
            },
          ],
        })
      : 'secret');
  const lifetimeDays =
    flags.lifetimeDays ??
    (ask && credential !== 'federated'
      ? parseLifetimeDays(
          await deps.prompter.input({
            message: 'Credential lifetime (days, or e.g. 6mo, 1y)',
            default: String(DEFAULT_LIFETIME_DAYS),
            validate: valid((text) => validateLifetime(parseLifetimeDays(text, 'Lifetime'), text, 'Lifetime')),
          }),
          'lifetime',
        )
      : DEFAULT_LIFETIME_DAYS);
  const roleChoice = await chooseRoles(deps, flags, session, first);
  if (roleChoice.kind === 'preset' && roleChoice.preset.name === 'system-administrator') {
    deps.ui.warn(
      'System Administrator grants the app everything in the environment; prefer a least-privilege preset when the integration allows it.',
    );
  }
  const businessUnit = flags.businessUnit ?? (ask ? await chooseBusinessUnit(deps, session, first) : undefined);
  const withProfiles = await profilesFor(deps, flags, targets, ask);
  return { flow, appName, appId: flags.appId, credential, lifetimeDays, roleChoice, businessUnit, targets: withProfiles };
}

async function profilesFor(
  deps: Pick<Deps, 'prompter'>,
  flags: InitFlags,
  targets: TargetEnvironment[],
  ask: boolean,
): Promise<InitAnswers['targets']> {
  const profileFor = async (target: TargetEnvironment) =>
    flags.profile ??
    (ask && targets.length === 1
      ? await deps.prompter.input({
          message: 'Profile name for this connection',
          default: target.uniqueName,
          validate: valid(validateProfileNameFlag),
        })
      : target.uniqueName);
  const withProfiles: InitAnswers['targets'] = [];
  for (const target of targets) withProfiles.push({ ...target, profile: await profileFor(target) });
  for (const target of withProfiles) validateProfileNameFlag(target.profile);
  return withProfiles;
}

async function chooseFlow(deps: Pick<Deps, 'prompter'>): Promise<ConnectionFlow> {
  return deps.prompter.select({
    message: 'How will the integration connect?',
    choices: [
      {
        name: 'As an application user (server-to-server)',
        value: 'app-user' as const,
        description: 'the app signs in as itself; dynauth makes its Dataverse application user and roles',
      },
      {
        name: 'As a signed-in user (delegated)',
        value: 'delegated' as const,
        description: 'the app acts as an integration account through a refresh token (authorization code + PKCE)',
      },
    ],
  });
}

/** A delegated setup asks only for the app's name, its kind of client and the profile: there are no roles to pick. */
async function delegatedAnswers(
  deps: Pick<Deps, 'prompter'>,
  flags: InitFlags,
  targets: TargetEnvironment[],
  ask: boolean,
): Promise<InitAnswers> {
  const first = targets[0]!;
  const appName = await askAppName(deps, flags, first, ask);
  // Asked only when the flow itself was chosen by prompt: --flow delegated alone means a confidential app.
  const publicClient =
    flags.publicClient ||
    (ask && flags.flow === undefined
      ? await deps.prompter.select({
          message: 'Kind of client',
          choices: [
            { name: 'Confidential (web app with a client secret)', value: false, description: 'the product sends a client secret' },
            { name: 'Public (no secret, PKCE alone)', value: true, description: 'the same as --public-client' },
          ],
        })
      : false);
  if (flags.userSignIn === 'device-code' && !publicClient) {
    throw new UsageError('--user-sign-in device-code needs --public-client: Entra allows the device code flow to public clients only.');
  }
  const redirectUris = [...new Set([DEFAULT_DELEGATED_REDIRECT_URI, ...flags.redirectUris])];
  return {
    flow: 'delegated',
    delegated: { publicClient, redirectUris, signIn: flags.signIn ? (flags.userSignIn ?? 'browser') : undefined },
    appName,
    appId: flags.appId,
    credential: 'secret',
    lifetimeDays: flags.lifetimeDays ?? DEFAULT_LIFETIME_DAYS,
    roleChoice: { kind: 'existing', names: [] },
    businessUnit: undefined,
    targets: await profilesFor(deps, flags, targets, ask),
  };
}

async function chooseRoles(
  deps: Pick<Deps, 'prompter'>,
  flags: InitFlags,
  session: AdminSession,
  target: TargetEnvironment,
): Promise<RoleChoice> {
  if (flags.rolePreset) return { kind: 'preset', preset: PRESETS[flags.rolePreset] };
  if (flags.roles.length) return { kind: 'existing', names: flags.roles };
  const picked = await deps.prompter.select<string>({
    message: 'Security role for the application user',
    choices: [
      ...ROLE_PRESETS.map((name) => ({ name: `${name}: ${PRESETS[name].summary}`, value: name })),
      { name: 'existing roles…: pick roles that already exist in the environment', value: '' },
    ],
  });
  if (picked) return { kind: 'preset', preset: PRESETS[picked as keyof typeof PRESETS] };
  const dataverse = session.dataverse(target.url);
  const root = await dataverse.rootBusinessUnit();
  const roles = await dataverse.listRoles(root.businessunitid);
  const names = await deps.prompter.checkbox({
    message: 'Roles to assign',
    choices: roles.map((role) => ({ name: role.name, value: role.name })),
    required: true,
  });
  return { kind: 'existing', names };
}

async function chooseBusinessUnit(
  deps: Pick<Deps, 'prompter'>,
  session: AdminSession,
  target: TargetEnvironment,
): Promise<string | undefined> {
  const dataverse = session.dataverse(target.url);
  const [root, units] = await Promise.all([dataverse.rootBusinessUnit(), dataverse.listBusinessUnits()]);
  if (units.length <= 1) return undefined;
  const chosen = await deps.prompter.select({
    message: 'Business unit of the application user',
    choices: units.map((unit) => ({
      name: unit.businessunitid === root.businessunitid ? `${unit.name} (root)` : unit.name,
      value: unit.businessunitid,
    })),
    default: root.businessunitid,
  });
  return chosen === root.businessunitid ? undefined : units.find((unit) => unit.businessunitid === chosen)!.name;
}

function valid(check: (value: string) => unknown): (value: string) => string | true {
  return (value) => {
    try {
      check(value.trim());
      return true;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
}

/** --app-name, or asked (default dynauth-<environment>). */
async function askAppName(deps: Pick<Deps, 'prompter'>, flags: InitFlags, first: TargetEnvironment, ask: boolean): Promise<string> {
  if (flags.appName !== undefined) return flags.appName;
  const fallback = `dynauth-${plainName(first.uniqueName)}`;
  return ask
    ? deps.prompter.input({ message: 'Name of the app registration', default: fallback, validate: valid(validateAppName) })
    : fallback;
}
