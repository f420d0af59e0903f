import type { SecretStore } from './secret-store.ts';

export interface MemorySecretStore extends SecretStore {
  /** Accounts currently stored, sorted; for assertions in tests. */
  accounts(): string[];
}

/** A working in-process SecretStore. Values are copied in and out so callers cannot alias them. */
export function createMemoryStore(description = 'in-memory store'): MemorySecretStore {
  const items = new Map<string, Uint8Array>();
  return {
    description,
    kind: 'memory',
    async get(account) {
      const value = items.get(account);
      return value === undefined ? undefined : Uint8Array.from(value);
    },
    async set(account, value) {
      items.set(account, Uint8Array.from(value));
    },
    async delete(account) {
      return items.delete(account);
    },
    accounts() {
      return [...items.keys()].sort();
    },
  };
}
