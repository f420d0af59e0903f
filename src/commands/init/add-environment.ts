import { UsageError } from '../../cli/errors.ts';
import { PRESETS, ROLE_PRESETS } from '../../roles/presets.ts';
import type { InitFlags } from './flags.ts';
import type { Storage } from '../../connection/storage.ts';
import { parseFederationSpecs } from '../../connection/federation-spec.ts';

/**
 * `init --profile P --add-environment E`: the app of profile P (found by its client id) gets an
 * application user in E with the same roles, and P's credential is reused when still valid.
 */
export async function addEnvironmentSelectors(
  storage: Storage,
  flags: InitFlags,
): Promise<{ flags: Partial<InitFlags>; sourceProfile: string }> {
  const name = flags.profile!;
  const profile = await storage.profiles.read(name);
  if (!profile) {
    const known = await storage.profiles.list();
    throw new UsageError(`No profile "${name}".`, { hint: known.length ? `Profiles: ${known.join(', ')}.` : 'Run dynauth init first.' });
  }
  const preset = ROLE_PRESETS.find((key) => profile.roles.some((role) => role.name === PRESETS[key].roleName));
  const rolesGiven = Boolean(flags.rolePreset || flags.roles.length);
  if (!rolesGiven && !preset && !profile.roles.length) {
    throw new UsageError(`Profile "${name}" records no security roles to repeat.`, { hint: 'Pass --role-preset or --role.' });
  }
  return {
    flags: {
      appId: profile.clientId,
      appName: profile.appDisplayName,
      credential: profile.credential?.type ?? (profile.federation?.length ? 'federated' : 'secret'),
      // A federated profile's app trusts the same pipelines in the new environment (unless --federation says otherwise).
      ...(profile.federation?.length && !flags.federation.length
        ? { federation: parseFederationSpecs(profile.federation.map((f) => f.spec)) }
        : {}),
      profile: undefined,
      ...(rolesGiven ? {} : preset ? { rolePreset: preset } : { roles: profile.roles.map((role) => role.name) }),
    },
    sourceProfile: name,
  };
}
