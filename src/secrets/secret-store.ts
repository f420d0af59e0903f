/** Where sealed credential bytes live: the OS keychain, an encrypted-file directory, or memory (tests). */
export interface SecretStore {
  get(account: string): Promise<Uint8Array | undefined>;
  set(account: string, value: Uint8Array): Promise<void>;
  /** Resolves true if an item was deleted, false if there was none. */
  delete(account: string): Promise<boolean>;
  /** Human-readable location, e.g. `OS keychain (service "dynauth")`. */
  readonly description: string;
  /**
   * 'file' means the bytes sit in plain files, so the Vault refuses to keep a
   * data key there and requires a passphrase instead.
   */
  readonly kind?: 'keychain' | 'file' | 'memory';
  /** Lets go of what the store holds open (the keychain's helper thread); a later call reopens it. */
  release?(): void;
}
