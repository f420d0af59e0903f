// What startEmulator accepts: the seeded tenant, faults, replication lag and the knobs tests turn.
import type { FaultRule } from './fault-rules.ts';
import type { ReplicationLag, SeedOptions } from './types.ts';

export interface EmulatorOptions {
  seed?: SeedOptions;
  /** GitHub repositories (OWNER/REPO) and their deployment environments (default contoso/dataverse-deploy with production). */
  githubRepositories?: import('./github.ts').SeedGithubRepository[];
  faults?: FaultRule[];
  /** Longest replication delay per kind (default 300 ms each; all 0 turns replication lag off). */
  replicationLag?: ReplicationLag;
  /** Seed of the delays and of the errors chosen among equals (default: DYNAUTH_EMULATOR_SEED when set, else random). */
  replicationSeed?: number;
  /** Added to every request. */
  latencyMs?: number;
  /** Lifetime of issued access tokens (default 3599 s, like Entra's usual value). */
  tokenLifetimeSeconds?: number;
  /** Largest Dataverse page before @odata.nextLink (default 5,000, as Dataverse); small values test paging. */
  dataversePageSize?: number;
  /** RetrieveUserPrivileges on oneself needs prvReadUser too (default: it does not; unconfirmed either way). */
  strictSelfPrivileges?: boolean;
}
