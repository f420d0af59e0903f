import { createAppCredential, type AppSecret } from '../auth/app-credential.ts';
import { aadstsCode, aadstsMessage } from '../auth/token-error.ts';
import { AuthError } from '../cli/errors.ts';
import { ApiError } from '../clients/api-error.ts';
import { createDataverseApi, NOT_A_MEMBER, type UserPrivilege, type WhoAmI } from '../clients/dataverse.ts';
import { dataverseScope, type Cloud } from '../clouds.ts';
import type { Deps } from '../deps.ts';
import { pollUntil, type PollOptions } from '../util/poll.ts';

export interface ConnectionUnderTest {
  tenantId: string;
  clientId: string;
  secret: AppSecret;
  environmentUrl: string;
  expectedPrivileges: string[];
}

export interface VerifiedConnection {
  whoAmI: WhoAmI;
  privileges: UserPrivilege[];
  missingPrivileges: string[];
  tokenMs: number;
  apiMs: number;
}

/** Codes that right after a create mean "Entra has not replicated it yet", not "wrong". */
const REPLICATING = new Set([700016, 7000215, 7000229]);

/**
 * Proves a new credential end to end as the integration will use it: a client-credentials token
 * for the environment, WhoAmI, then the application user's effective privileges. Replication of
 * the new app, secret and application user is waited out by polling.
 */
export async function verifyNewConnection(
  deps: Pick<Deps, 'http' | 'clock' | 'cancellation'>,
  cloud: Cloud,
  connection: ConnectionUnderTest,
  waiting: Omit<PollOptions, 'waitingFor'>,
): Promise<VerifiedConnection> {
  const credential = await createAppCredential(cloud, connection.tenantId, connection.clientId, connection.secret);
  const scope = dataverseScope(connection.environmentUrl);
  let tokenMs = 0;
  const token = await pollUntil(
    async () => {
      const started = deps.clock.now().getTime();
      try {
        const result = await credential.getToken(scope, { abortSignal: deps.cancellation.signal });
        if (!result) throw new Error('Entra returned no token');
        tokenMs = deps.clock.now().getTime() - started;
        return { done: true, value: result.token };
      } catch (error) {
        const code = aadstsCode(error);
        if (code !== undefined && REPLICATING.has(code)) return { done: false, reason: `AADSTS${code}` };
        throw new AuthError(`The new credential could not get a token: ${aadstsMessage(error)}`, { cause: error, code: code ? `AADSTS${code}` : 'token' });
      }
    },
    { ...waiting, waitingFor: 'Entra to accept the new credential' },
  );
  const dataverse = createDataverseApi(connection.environmentUrl, deps.http, async () => token, 'app');
  let apiMs = 0;
  const whoAmI = await pollUntil(
    async () => {
      const started = deps.clock.now().getTime();
      try {
        const value = await dataverse.whoAmI();
        apiMs = deps.clock.now().getTime() - started;
        return { done: true, value };
      } catch (error) {
        if (error instanceof ApiError && error.remoteCode === NOT_A_MEMBER) return { done: false, reason: 'application user not active yet' };
        throw error;
      }
    },
    { ...waiting, waitingFor: 'Dataverse to activate the application user' },
  );
  const privileges = await dataverse.retrieveUserPrivileges(whoAmI.UserId);
  const held = new Set(privileges.map((p) => p.PrivilegeName));
  return { whoAmI, privileges, missingPrivileges: connection.expectedPrivileges.filter((name) => !held.has(name)), tokenMs, apiMs };
}
