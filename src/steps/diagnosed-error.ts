// A failure of a one-shot call with a profile (dynauth token, dynauth api), diagnosed as a
// connection test diagnoses it: one cause, one fix, exit 4 when it is about authentication.
import { DynauthError, ExitCode } from '../cli/errors.ts';
import type { Cloud } from '../clouds.ts';
import type { Deps } from '../deps.ts';
import type { Profile } from '../profiles/profile.ts';
import { StoredConnectionMissing } from '../secrets/errors.ts';
import { profileKind } from '../connection/access-token.ts';
import { diagnose } from './diagnose.ts';
import { delegatedContext } from './diagnose-delegated.ts';
import { proxyInUse } from './diagnose-network.ts';
import { setupOfProfile, type DiagnosisContext } from './diagnosis.ts';

export function diagnosisContextFor(
  deps: Pick<Deps, 'env' | 'clock'>,
  cloud: Cloud,
  profile: Profile,
  timeoutMs: number,
): DiagnosisContext {
  if (profileKind(profile) === 'delegated')
    return { ...delegatedContext(profile, deps.clock.now()), cloud: cloud.name, proxy: proxyInUse(deps.env), timeoutMs };
  return {
    ...setupOfProfile(profile),
    cloud: cloud.name,
    credential: {
      type: profile.credential?.type ?? 'secret',
      ...(profile.credential?.expiresOn ? { expiresOn: profile.credential.expiresOn } : {}),
      ...(profile.credential?.thumbprint ? { thumbprint: profile.credential.thumbprint } : {}),
    },
    proxy: proxyInUse(deps.env),
    timeoutMs,
    now: deps.clock.now(),
    // Entra's refusal names the token's issuer or subject; the trusted ones come from the profile.
    ...(profileKind(profile) === 'federated'
      ? {
          federation: {
            tokenFile: deps.env.AZURE_FEDERATED_TOKEN_FILE ?? '',
            configured: (profile.federation ?? []).map(({ name, issuer, subject }) => ({ name, issuer, subject })),
            roles: profile.roles.map((role) => role.name),
          },
        }
      : {}),
  };
}

/** The error as the user should see it: usage errors and cancellations pass unchanged, the rest is diagnosed. */
export function diagnosedError(error: unknown, ctx: DiagnosisContext, now: Date): unknown {
  if (error instanceof DynauthError && (error.exitCode === ExitCode.usage || error.exitCode === ExitCode.cancelled)) return error;
  // A missing item says itself what restores it (a refresh token is not restored the way a secret is).
  if (error instanceof StoredConnectionMissing && error.hint) return error;
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'ExitPromptError')) return error;
  const diagnosis = diagnose(error, { ...ctx, now });
  return new DynauthError(diagnosis.cause, {
    hint: diagnosis.fix,
    code: diagnosis.code,
    exitCode: diagnosis.auth ? ExitCode.auth : ExitCode.failure,
    cause: error,
  });
}
