import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { Env } from '../../deps.ts';

export interface SandboxStore {
  service: string;
  env: Env;
  note?: string;
}

/**
 * The sandbox keeps its items under a keychain service of its own, removed when it stops; on a
 * machine without a keychain it falls back to dynauth's encrypted file store.
 */
export async function sandboxStore(env: Env): Promise<SandboxStore> {
  const service = `dynauth-sandbox-${randomBytes(4).toString('hex')}`;
  if (env.DYNAUTH_STORE === 'file' || !(await keychainWorks(service))) {
    return {
      service,
      env: { DYNAUTH_STORE: 'file', DYNAUTH_PASSPHRASE: env.DYNAUTH_PASSPHRASE ?? randomBytes(16).toString('hex') },
      note: 'No OS keychain is reachable here, so the sandbox keeps its secrets in an encrypted file store.',
    };
  }
  return { service, env: {} };
}

async function keychainWorks(service: string): Promise<boolean> {
  const { createKeyringStore } = await import('../../secrets/keyring-store.ts');
  try {
    const store = createKeyringStore(service, { timeoutMs: 2000 });
    await store.set('probe', new Uint8Array([1]));
    await store.delete('probe');
    return true;
  } catch {
    return false;
  }
}

export async function cleanSandboxKeychain(service: string, profilesDir: string): Promise<void> {
  const { createKeyringStore } = await import('../../secrets/keyring-store.ts');
  const { DATA_KEY_ACCOUNT } = await import('../../secrets/vault.ts');
  const store = createKeyringStore(service);
  const profiles = (await readdir(profilesDir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  for (const account of [DATA_KEY_ACCOUNT, ...profiles.flatMap((p) => [p, `${p}#next`])]) {
    await store.delete(account).catch(() => false);
  }
}
