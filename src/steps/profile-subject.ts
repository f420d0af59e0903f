// The setup under test (test-connection, status --check), read from a profile and its stored credential.
import { appSecretOf } from '../connection/credential.ts';
import type { Storage } from '../connection/storage.ts';
import { readCredential } from '../connection/stored-credential.ts';
import { DynauthError } from '../cli/errors.ts';
import type { Profile } from '../profiles/profile.ts';
import type { ConnectionSubject, DelegatedSubject } from './connection-report.ts';
import { setupOfProfile } from './diagnosis.ts';
import { delegatedScopes, loadDelegatedLogin, redeemAndKeep } from '../connection/delegated-session.ts';
import { StoredConnectionMissing } from '../secrets/errors.ts';

export function profileSubject(profile: Profile, storage: Storage, now: () => Date = () => new Date()): ConnectionSubject {
  const credential = profile.credential;
  const delegated = profile.flow === 'delegated' ? delegatedSubject(profile, storage, now) : undefined;
  if (!credential && !delegated) {
    throw new DynauthError(`Profile "${profile.name}" has no client secret or certificate for test-connection to sign in with.`, {
      code: 'no-key-credential',
    });
  }
  return {
    ...setupOfProfile(profile),
    ...(credential
      ? {
          credential: {
            type: credential.type,
            keyId: credential.keyId,
            thumbprint: credential.thumbprint,
            expiresOn: credential.expiresOn,
          },
        }
      : {}),
    expectedPrivileges: profile.expectedPrivileges,
    recordedRoles: profile.roles.map((role) => role.name),
    recordedApplicationUserId: delegated ? profile.delegated?.user?.systemUserId : profile.applicationUserId || undefined,
    async loadSecret() {
      const read = await readCredential(storage, profile);
      if (!read) throw new StoredConnectionMissing(`No stored credential for profile "${profile.name}" in ${storage.vault.description}.`);
      if (!read.credential)
        throw new StoredConnectionMissing(
          `The stored credential of profile "${profile.name}" is not the ${credential?.type ?? 'key'} the profile records.`,
        );
      return appSecretOf(read.credential);
    },
    ...(delegated ? { delegated } : {}),
  };
}

/** A delegated profile signs in as its integration account with the stored refresh token. */
function delegatedSubject(profile: Profile, storage: Storage, now: () => Date): DelegatedSubject {
  const facts = profile.delegated;
  return {
    publicClient: facts?.publicClient ?? false,
    ...(facts?.user ? { user: { objectId: facts.user.objectId, userPrincipalName: facts.user.userPrincipalName } } : {}),
    ...(facts?.refreshToken ? { lastRedeemedOn: facts.refreshToken.lastRedeemedOn } : {}),
    loadLogin: () => loadDelegatedLogin(storage, profile),
    redeem: async (login, http, cloud) => (await redeemAndKeep(http, cloud, storage, profile, login, delegatedScopes(profile), now)).tokens,
  };
}
