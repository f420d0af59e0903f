// The places dynauth delivers credentials to (--push), emulated beside the Microsoft cloud: GitHub's
// Actions secrets API and one Azure Key Vault. Tests read what arrived through the handles below.
import type { EmulatorContext } from './context.ts';
import {
  createGithubState,
  findRepository,
  openSealed,
  rotateKey,
  scopeOf,
  type GithubAccess,
  type SeedGithubRepository,
} from './github.ts';
import type { Reply, RequestContext } from './http.ts';
import { createKeyVaultState, latest, objectKey } from './keyvault.ts';
import { handleGithub } from './routes/github.ts';
import { handleKeyVault } from './routes/keyvault.ts';
import type { ServiceName } from './types.ts';

export interface EmulatedGithub {
  /** For GITHUB_API_URL. */
  apiUrl: string;
  /** A token with admin rights on every seeded repository (for GH_TOKEN). */
  token: string;
  repositories: string[];
  /** admin (default), read (403 on secrets) or none (404, as a private repository the token cannot see). */
  setAccess(fullName: string, access: GithubAccess): void;
  /** A secret's value as it arrived, opened with the private key it was sealed for. */
  openSecret(fullName: string, name: string, environment?: string): string | undefined;
  secretNames(fullName: string, environment?: string): string[];
  /** GitHub replaces the secrets key: values sealed for the old one are refused from now on. */
  rotateKey(fullName: string, environment?: string): void;
}

export interface VaultSecretView {
  value: string;
  contentType?: string;
  expiresOn?: Date;
  tags: Record<string, string>;
  versions: number;
}

export interface EmulatedKeyVault {
  /** The vault URL, https://127.0.0.1:<port> (the emulated cloud's Key Vault suffix is 127.0.0.1). */
  url: string;
  name: string;
  secret(name: string): VaultSecretView | undefined;
  certificate(name: string): { x5t: string; expiresOn?: Date; tags: Record<string, string>; versions: number } | undefined;
  /** Takes the principal's data-plane role on the vault away (403 ForbiddenByRbac), or gives it back. */
  setAccess(objectId: string, allowed: boolean): void;
}

type Listen = (service: Exclude<ServiceName, 'dataverse'>, route: (req: RequestContext) => Promise<Reply> | Reply) => Promise<string>;

export async function startDestinations(
  ctx: EmulatorContext,
  listen: Listen,
  options: { githubRepositories?: SeedGithubRepository[]; automationClientId: string },
): Promise<{ github: EmulatedGithub; keyVault: EmulatedKeyVault }> {
  const github = await createGithubState(options.githubRepositories);
  const automation = ctx.state.servicePrincipals.find((sp) => sp.appId === options.automationClientId.toLowerCase());
  const vault = createKeyVaultState('contoso-kv', [ctx.admin.id, ...(automation ? [automation.id] : [])]);
  const apiUrl = await listen('github', (req) => handleGithub(github, req));
  const vaultUrl = await listen('keyvault', (req) => handleKeyVault(ctx, vault, vaultUrl, req));
  ctx.origins.keyvault = vaultUrl;
  const repository = (fullName: string) => {
    const [owner = '', name = ''] = fullName.split('/');
    const found = findRepository(github, owner, name);
    if (!found) throw new Error(`emulator: no GitHub repository ${fullName}`);
    return found;
  };
  const scope = (fullName: string, environment?: string) => {
    const found = scopeOf(repository(fullName), environment);
    if (!found) throw new Error(`emulator: no environment ${environment} in ${fullName}`);
    return found;
  };
  const seconds = (value: number | undefined) => (value === undefined ? undefined : new Date(value * 1000));
  return {
    github: {
      apiUrl,
      token: github.token,
      repositories: github.repositories.map((r) => `${r.owner}/${r.name}`),
      setAccess: (fullName, access) => {
        repository(fullName).access = access;
      },
      openSecret: (fullName, name, environment) => {
        const target = scope(fullName, environment);
        const sealed = target.secrets.get(name.toUpperCase());
        return sealed && openSealed(target, sealed.encryptedValue);
      },
      secretNames: (fullName, environment) => [...scope(fullName, environment).secrets.keys()].sort(),
      rotateKey: (fullName, environment) => rotateKey(scope(fullName, environment)),
    },
    keyVault: {
      url: vaultUrl,
      name: vault.name,
      secret: (name) => {
        const versions = vault.secrets.get(objectKey(name));
        const last = latest(versions);
        if (!last) return undefined;
        const expiresOn = seconds(last.attributes.exp);
        return {
          value: last.value,
          ...(last.contentType ? { contentType: last.contentType } : {}),
          ...(expiresOn ? { expiresOn } : {}),
          tags: last.tags,
          versions: versions!.length,
        };
      },
      certificate: (name) => {
        const versions = vault.certificates.get(objectKey(name));
        const last = latest(versions);
        if (!last) return undefined;
        const expiresOn = seconds(last.attributes.exp);
        return { x5t: last.x5t, ...(expiresOn ? { expiresOn } : {}), tags: last.tags, versions: versions!.length };
      },
      setAccess: (objectId, allowed) => {
        if (allowed) vault.officers.add(objectId.toLowerCase());
        else vault.officers.delete(objectId.toLowerCase());
      },
    },
  };
}
