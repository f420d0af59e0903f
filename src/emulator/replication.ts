// Entra's eventual consistency, modelled: every new app, service principal, secret, certificate
// and application user becomes visible after its own delay, drawn from a seeded PRNG so a failing
// run can be replayed (DYNAUTH_EMULATOR_SEED). Real Entra has no SLA: seconds usually, minutes
// sometimes (devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/).
import { randomInt } from 'node:crypto';
import type { ReplicationLag } from './types.ts';

/** The longest delay of each kind not given in the options: short, so the test suite stays fast. */
export const DEFAULT_REPLICATION_LAG_MS = 300;

export type ReplicatedKind = 'app' | 'servicePrincipal' | 'secret' | 'certificate' | 'appUser' | 'federatedCredential';

const FIELDS: Record<ReplicatedKind, keyof ReplicationLag> = {
  app: 'appMs',
  servicePrincipal: 'servicePrincipalMs',
  secret: 'secretMs',
  certificate: 'certificateMs',
  appUser: 'appUserMs',
  federatedCredential: 'federatedCredentialMs',
};

export interface Replication {
  readonly seed: number;
  /** The current maxima, per kind. */
  readonly lag: Readonly<Required<ReplicationLag>>;
  /** Sets the maxima for objects created from now on (kinds not given keep theirs). */
  setLag(lag: ReplicationLag): void;
  /** When an object of this kind created at `now` becomes visible: now + uniform [max/2, max]. */
  visibleAt(kind: ReplicatedKind, now: number): number;
  /** One of `choices`, from its own seeded stream (e.g. which of several errors a request gets). */
  choose<T>(stream: string, choices: readonly T[]): T;
}

export function createReplication(lag: ReplicationLag | undefined, seed: number): Replication {
  const maxima: Required<ReplicationLag> = {
    appMs: DEFAULT_REPLICATION_LAG_MS,
    servicePrincipalMs: DEFAULT_REPLICATION_LAG_MS,
    secretMs: DEFAULT_REPLICATION_LAG_MS,
    certificateMs: DEFAULT_REPLICATION_LAG_MS,
    appUserMs: DEFAULT_REPLICATION_LAG_MS,
    federatedCredentialMs: DEFAULT_REPLICATION_LAG_MS,
  };
  // One stream per kind: the n-th app gets the same delay whatever else ran concurrently.
  const streams = new Map<string, () => number>();
  const next = (stream: string): number => {
    let random = streams.get(stream);
    if (!random) {
      random = mulberry32(hash32(`${seed}:${stream}`));
      streams.set(stream, random);
    }
    return random();
  };
  const replication: Replication = {
    seed,
    lag: maxima,
    setLag(update) {
      for (const [key, value] of Object.entries(update) as Array<[keyof ReplicationLag, number | undefined]>) {
        if (value === undefined) continue;
        if (!(key in maxima)) throw new Error(`unknown replication lag kind ${key}`);
        if (!(value >= 0)) throw new Error(`replication lag ${key} must be zero or more milliseconds`);
        maxima[key] = value;
      }
    },
    visibleAt(kind, now) {
      const max = maxima[FIELDS[kind]];
      const draw = next(kind);
      return max === 0 ? now : now + Math.round(max / 2 + (draw * max) / 2);
    },
    choose(stream, choices) {
      if (choices.length === 0) throw new Error('choose: no choices');
      return choices[Math.floor(next(`choice:${stream}`) * choices.length)]!;
    },
  };
  if (lag) replication.setLag(lag);
  return replication;
}

/** The seed given, else DYNAUTH_EMULATOR_SEED, else a random one. */
export function replicationSeed(option: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return checkSeed(option, 'replicationSeed');
  const text = env['DYNAUTH_EMULATOR_SEED'];
  if (text !== undefined && text.trim() !== '') return checkSeed(Number(text), `DYNAUTH_EMULATOR_SEED ("${text}")`);
  return randomInt(0, 2 ** 32 - 1);
}

function checkSeed(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 32) throw new Error(`${name} must be a whole number from 0 to 4294967295`);
  return value;
}

/** A small, well-distributed PRNG: uniform in [0, 1). */
function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the text. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
