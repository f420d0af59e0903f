// Proof of a delegated app's new client secret: the integration account's refresh token redeemed
// with it, as the product will redeem it. The refresh token lives in its own item and is kept
// (rotated by the redemption, saved at once); only the secret changes.
import type { StoredCredential } from '../connection/credential.ts';
import { delegatedScopes, redeemAndKeep } from '../connection/delegated-session.ts';
import { DynauthError } from '../cli/errors.ts';
import type { KeyedProfile } from '../profiles/profile.ts';
import { StoredConnectionMissing } from '../secrets/errors.ts';
import { pollUntil, type PollWaiting } from '../util/poll.ts';
import type { Cloud } from '../clouds.ts';
import type { Storage } from '../connection/storage.ts';
import type { Deps } from '../deps.ts';
import { delegatedAadsts, delegatedContext } from './diagnose-delegated.ts';
import { diagnosedError } from './diagnosed-error.ts';

/**
 * A new secret is refused as invalid (7000215) for seconds while it replicates (microsoft-graph-docs
 * issue 17966: 4-18 s): waited out by polling, like the app-user proof in verify-connection.ts.
 */
const REPLICATING = new Set([7000215]);

/** What the proof needs of a rotation (rotate-credential.ts's RotationContext has it). */
export interface DelegatedProofContext {
  deps: Pick<Deps, 'http' | 'clock' | 'ui'>;
  cloud: Cloud;
  storage: Storage;
  waiting: PollWaiting;
}

/** Returns the profile with the redemption recorded, so the rotation's next writes keep it. */
export async function proveDelegatedSecret(
  ctx: DelegatedProofContext,
  profile: KeyedProfile,
  credential: StoredCredential,
): Promise<KeyedProfile> {
  if (credential.kind !== 'secret')
    throw new DynauthError(`Profile "${profile.name}" is a delegated app: it signs in with a client secret, not a certificate.`);
  const refreshToken = await ctx.storage.vault.loadRefreshToken(profile.name);
  if (!refreshToken) {
    throw new StoredConnectionMissing(
      `No refresh token stored for profile "${profile.name}" in ${ctx.storage.vault.description}, so the new secret cannot be proved.`,
      `The new secret is kept; sign the integration account in again: dynauth init --flow delegated --profile ${profile.name}`,
    );
  }
  const now = () => ctx.deps.clock.now();
  const login = { refreshToken, clientSecret: credential.clientSecret };
  const { profile: written } = await pollUntil(
    async () => {
      try {
        const redeemed = await redeemAndKeep(ctx.deps.http, ctx.cloud, ctx.storage, profile, login, delegatedScopes(profile), now);
        return { done: true, value: redeemed };
      } catch (error) {
        const code = delegatedAadsts(error);
        if (code !== undefined && REPLICATING.has(code)) return { done: false, reason: `AADSTS${code}` };
        throw diagnosedError(error, delegatedContext(profile, now()), now());
      }
    },
    { ...ctx.waiting, waitingFor: 'Entra to accept the new client secret' },
  );
  const user = profile.delegated?.user?.userPrincipalName;
  ctx.deps.ui.success(`New secret works: the refresh token${user ? ` of ${user}` : ''} was redeemed with it (and its successor stored)`);
  return { ...profile, ...(written.delegated ? { delegated: written.delegated } : {}) };
}
