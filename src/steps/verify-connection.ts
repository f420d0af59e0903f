import { createAppCredential, type AppSecret } from '../auth/app-credential.ts';
import { aadstsCode, aadstsMessage } from '../auth/token-error.ts';
import { AuthError } from '../cli/errors.ts';
import { ApiError } from '../clients/api-error.ts';
import { createDataverseApi, MISSING_PRIVILEGE, NOT_A_MEMBER, type UserPrivilege, type WhoAmI } from '../clients/dataverse.ts';
import { dataverseScope, type Cloud } from '../clouds.ts';
import type { Deps } from '../deps.ts';
import { pollUntil, type PollWaiting } from '../util/poll.ts';

export interface ConnectionUnderTest {
  tenantId: string;
  clientId: string;
  secret: AppSecret;
  environmentUrl: string;
  expectedPrivileges: string[];
  /** When known, its privileges are read beside WhoAmI instead of after it. */
  applicationUserId?: string;
  /**
   * Reads the application user's privileges another way (as the admin) when the app may not read
   * its own: presets grant no prvReadUser, and Dataverse may demand it even for oneself.
   */
  privilegesAsAdmin?: (userId: string) => Promise<UserPrivilege[]>;
}

export interface VerifiedConnection {
  whoAmI: WhoAmI;
  privileges: UserPrivilege[];
  missingPrivileges: string[];
  tokenMs: number;
  apiMs: number;
}

export interface AppToken {
  token: string;
  tokenMs: number;
}

type VerifyDeps = Pick<Deps, 'http' | 'clock' | 'cancellation' | 'ui'>;

/**
 * Codes that right after a create mean "Entra has not replicated it yet", not "wrong": a new app is
 * unknown (700016) or has no service principal yet (7000229); a new secret is refused as invalid
 * for seconds (7000215; microsoft-graph-docs issue 17966 reports 4-18 s); a new certificate's key
 * is "not found" (700027) while it replicates.
 */
const REPLICATING = new Set([700016, 7000215, 7000229]);
const REPLICATING_CERTIFICATE = new Set([...REPLICATING, 700027]);

/** A client-credentials token for the environment with the new credential, waiting out replication. */
export async function acquireAppToken(
  deps: VerifyDeps,
  cloud: Cloud,
  connection: Pick<ConnectionUnderTest, 'tenantId' | 'clientId' | 'secret' | 'environmentUrl'>,
  waiting: PollWaiting,
): Promise<AppToken> {
  const credential = await createAppCredential(cloud, connection.tenantId, connection.clientId, connection.secret, {
    trace: (line) => deps.ui.verbose(line),
  });
  const scope = dataverseScope(connection.environmentUrl);
  return pollUntil(
    async () => {
      const started = deps.clock.now().getTime();
      try {
        const result = await credential.getToken(scope, { abortSignal: deps.cancellation.signal });
        if (!result) throw new Error('Entra returned no token');
        return { done: true, value: { token: result.token, tokenMs: deps.clock.now().getTime() - started } };
      } catch (error) {
        const code = aadstsCode(error);
        const replicating = connection.secret.kind === 'certificate' ? REPLICATING_CERTIFICATE : REPLICATING;
        if (code !== undefined && replicating.has(code)) return { done: false, reason: `AADSTS${code}` };
        throw new AuthError(`The new credential could not get a token: ${aadstsMessage(error)}`, {
          cause: error,
          code: code ? `AADSTS${code}` : 'token',
        });
      }
    },
    { ...waiting, waitingFor: 'Entra to accept the new credential' },
  );
}

/**
 * Proves a new credential end to end as the integration will use it: a client-credentials token
 * for the environment, WhoAmI, then the application user's effective privileges. Replication of
 * the new app, secret and application user is waited out by polling. A token acquired earlier
 * (beside other work) may be handed in.
 */
export async function verifyNewConnection(
  deps: VerifyDeps,
  cloud: Cloud,
  connection: ConnectionUnderTest,
  waiting: PollWaiting,
  tokenReady?: Promise<AppToken>,
): Promise<VerifiedConnection> {
  const { token, tokenMs } = await (tokenReady ?? acquireAppToken(deps, cloud, connection, waiting));
  const dataverse = createDataverseApi(connection.environmentUrl, deps.http, async () => token, 'app');
  let apiMs = 0;
  // Read once: when WhoAmI must be asked again (the user not active yet), privileges already read are kept.
  let read: Promise<UserPrivilege[]> | undefined;
  const readOnce = (userId: string) =>
    (read ??= ownPrivileges(dataverse, userId, connection.privilegesAsAdmin).catch((error: unknown) => {
      read = undefined;
      throw error;
    }));
  const [whoAmI, privileges] = await pollUntil(
    async () => {
      const started = deps.clock.now().getTime();
      try {
        const known = connection.applicationUserId;
        // Nothing expected (existing roles, a rotation): the privileges need not be read at all.
        const own = async (userId: string) => (connection.expectedPrivileges.length ? readOnce(userId) : []);
        const [me, held] = await Promise.all([dataverse.whoAmI(), known ? own(known) : undefined]);
        apiMs = deps.clock.now().getTime() - started;
        return { done: true, value: [me, held ?? (await own(me.UserId))] as const };
      } catch (error) {
        if (error instanceof ApiError && error.remoteCode === NOT_A_MEMBER)
          return { done: false, reason: 'application user not active yet' };
        throw error;
      }
    },
    { ...waiting, waitingFor: 'Dataverse to activate the application user' },
  );
  const held = new Set(privileges.map((p) => p.PrivilegeName));
  return { whoAmI, privileges, missingPrivileges: connection.expectedPrivileges.filter((name) => !held.has(name)), tokenMs, apiMs };
}

async function ownPrivileges(
  dataverse: ReturnType<typeof createDataverseApi>,
  userId: string,
  asAdmin: ((userId: string) => Promise<UserPrivilege[]>) | undefined,
): Promise<UserPrivilege[]> {
  try {
    return await dataverse.retrieveUserPrivileges(userId);
  } catch (error) {
    if (asAdmin && error instanceof ApiError && error.remoteCode === MISSING_PRIVILEGE) return asAdmin(userId);
    throw error;
  }
}
