import { UsageError } from '../../cli/errors.ts';
import { profileKind } from '../../connection/access-token.ts';
import type { Storage } from '../../connection/storage.ts';
import type { Profile } from '../../profiles/profile.ts';
import type { InitAnswers } from './model.ts';

/**
 * A profile keeps its kind of credential across re-runs: a secret or certificate profile is never
 * turned federated, nor the reverse (the old key's facts would stay beside the new kind, and the
 * profile would go on signing in with the key). A secret may still become a certificate and back.
 */
export async function assertCredentialKindKept(
  storage: Storage,
  answers: Pick<InitAnswers, 'flow' | 'credential' | 'targets'>,
): Promise<void> {
  if (answers.flow === 'delegated') return; // a delegated profile's kind is its flow (assertFlowKept)
  for (const { profile: name } of answers.targets) {
    const existing = await storage.profiles.read(name).catch(() => undefined);
    if (!existing || existing.flow === 'delegated') continue;
    const current = currentKind(existing);
    const wantsFederated = answers.credential === 'federated';
    if (!current || (current === 'federated') === wantsFederated) continue;
    throw new UsageError(
      `Profile "${name}" signs in with ${describe(current)}; this run sets up ${wantsFederated ? 'federated credentials' : `a ${answers.credential === 'certificate' ? 'certificate' : 'client secret'}`} instead.`,
      {
        hint: `Give another --profile for the new setup, or run dynauth remove --profile ${name} first.${current === 'federated' ? ` To add pipelines to this one, give --federation <spec>.` : ''}`,
        code: 'credential-kind-change',
      },
    );
  }
}

function currentKind(profile: Profile): 'secret' | 'certificate' | 'federated' | undefined {
  if (profileKind(profile) === 'federated') return 'federated';
  return profile.credential?.type;
}

function describe(kind: 'secret' | 'certificate' | 'federated'): string {
  return kind === 'federated' ? 'federated credentials (no secret)' : kind === 'certificate' ? 'a certificate' : 'a client secret';
}
