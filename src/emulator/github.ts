// The emulated GitHub: repositories (and their deployment environments) whose Actions secrets
// arrive sealed with libsodium's crypto_box_seal against a public key the emulator holds the
// private half of, so a test can open what arrived (docs.github.com/rest/actions/secrets).
import { randomBytes } from 'node:crypto';
import sodium from 'libsodium-wrappers';

/** What the token may do in a repository: admin (write secrets), read (403 on secrets), none (404, as for a private repo). */
export type GithubAccess = 'admin' | 'read' | 'none';

export interface SealedSecret {
  encryptedValue: string;
  keyId: string;
  updatedAt: string;
}

interface SecretKeyPair {
  keyId: string;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export interface GithubSecretScope {
  key: SecretKeyPair;
  secrets: Map<string, SealedSecret>;
}

export interface GithubRepository {
  owner: string;
  name: string;
  access: GithubAccess;
  actions: GithubSecretScope;
  environments: Map<string, GithubSecretScope>;
}

export interface GithubState {
  token: string;
  repositories: GithubRepository[];
}

export interface SeedGithubRepository {
  /** OWNER/REPO */
  fullName: string;
  environments?: string[];
}

export const DEFAULT_GITHUB_REPOSITORIES: SeedGithubRepository[] = [{ fullName: 'contoso/dataverse-deploy', environments: ['production'] }];

export async function createGithubState(seed: SeedGithubRepository[] = DEFAULT_GITHUB_REPOSITORIES): Promise<GithubState> {
  await sodium.ready;
  return {
    token: `ghp_${randomBytes(18).toString('base64url')}`,
    repositories: seed.map(({ fullName, environments = [] }) => {
      const [owner = '', name = ''] = fullName.split('/');
      return {
        owner,
        name,
        access: 'admin',
        actions: newScope(),
        environments: new Map(environments.map((environment) => [environment.toLowerCase(), newScope()])),
      };
    }),
  };
}

/** Owner and repository names are not case-sensitive on GitHub. */
export function findRepository(state: GithubState, owner: string, name: string): GithubRepository | undefined {
  return state.repositories.find((r) => r.owner.toLowerCase() === owner.toLowerCase() && r.name.toLowerCase() === name.toLowerCase());
}

export function scopeOf(repository: GithubRepository, environment: string | undefined): GithubSecretScope | undefined {
  return environment === undefined ? repository.actions : repository.environments.get(environment.toLowerCase());
}

export function publicKeyOf(scope: GithubSecretScope): { key_id: string; key: string } {
  return { key_id: scope.key.keyId, key: Buffer.from(scope.key.publicKey).toString('base64') };
}

/** Opens a sealed value with the scope's private key (the key it was sealed for); undefined when it does not open. */
export function openSealed(scope: GithubSecretScope, encryptedValue: string): string | undefined {
  try {
    const opened = sodium.crypto_box_seal_open(Buffer.from(encryptedValue, 'base64'), scope.key.publicKey, scope.key.privateKey);
    return Buffer.from(opened).toString('utf8');
  } catch {
    return undefined;
  }
}

/** GitHub may replace a repository's secrets key: values sealed for the old one are then refused. */
export function rotateKey(scope: GithubSecretScope): void {
  scope.key = newKeyPair();
}

function newScope(): GithubSecretScope {
  return { key: newKeyPair(), secrets: new Map() };
}

function newKeyPair(): SecretKeyPair {
  const pair = sodium.crypto_box_keypair();
  // GitHub's key ids are long decimal strings (e.g. "568250167242549743").
  const keyId = BigInt(`0x${randomBytes(7).toString('hex')}`).toString();
  return { keyId, publicKey: pair.publicKey, privateKey: pair.privateKey };
}
