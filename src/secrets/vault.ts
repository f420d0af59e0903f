// Credentials at rest: one sealed item per profile and slot ("<profile>", "<profile>#next"),
// encrypted with a random data key kept as its own item, or with a scrypt key from a passphrase.
// The AAD names service and account, so items swapped between accounts fail to open.
import { validateProfileName } from '../profiles/profile-name.ts';
import { parseConnectionString } from './connection-string.ts';
import { deriveKey, envelopeSalt, KEY_BYTES, open, randomKey, randomSalt, seal } from './envelope.ts';
import { DecryptionFailedError, KeychainItemMissing, PassphraseRequiredError } from './errors.ts';
import type { SecretStore } from './secret-store.ts';
import { decodePayload, encodePayload, type StoredConnection } from './vault-payload.ts';

export type { StoredConnection } from './vault-payload.ts';
/** `refresh`: a delegated profile's refresh token, an item of its own because it changes at every redemption. */
export type ConnectionSlot = 'current' | 'next' | 'refresh';
const REFRESH_TOKEN_VERSION = 0x10;

export const DEFAULT_KEYCHAIN_SERVICE = 'dynauth';
export const DATA_KEY_ACCOUNT = 'dynauth:data-key';
const DATA_KEY_VERSION = 0x01;

export interface VaultOptions {
  /** Keychain service name the items live under; also bound into each item's AAD. Default "dynauth". */
  service?: string;
  /** Derive the key from this passphrase (scrypt) instead of keeping a data-key item. */
  passphrase?: string;
  /** Told every secret that passes through (saved or loaded), so output can be scrubbed of it. */
  onSecret?: (secret: string) => void;
}

export interface KeychainReference {
  service: string;
  account: string;
  passphrase: boolean;
  /** The encrypted file store (--store file), or the OS keychain (a memory store stands in for it in tests). */
  store: 'keychain' | 'file';
}

export class Vault {
  readonly #store: SecretStore;
  readonly #service: string;
  readonly #passphrase: string | undefined;
  readonly #onSecret: (secret: string) => void;
  readonly #derivedKeys = new Map<string, Promise<Uint8Array>>();
  #dataKey: Uint8Array | undefined;
  #preparedSalt: Uint8Array | undefined;

  constructor(store: SecretStore, options: VaultOptions = {}) {
    if (options.passphrase === '') throw new RangeError('The passphrase must not be empty.');
    if (store.kind === 'file' && options.passphrase === undefined) {
      throw new PassphraseRequiredError(
        'The file store needs a passphrase: a data key kept next to the encrypted files would protect nothing.',
        'Supply a passphrase for --store file, or use the OS keychain.',
      );
    }
    this.#store = store;
    this.#service = options.service ?? DEFAULT_KEYCHAIN_SERVICE;
    this.#passphrase = options.passphrase;
    this.#onSecret = options.onSecret ?? (() => {});
  }

  #tell(connection: StoredConnection): StoredConnection {
    const secret = parseConnectionString(connection.connectionString).clientSecret;
    if (secret) this.#onSecret(secret);
    if (connection.privateKeyPem) this.#onSecret(connection.privateKeyPem);
    return connection;
  }

  get description(): string {
    return this.#store.description;
  }

  accountFor(profile: string, slot: ConnectionSlot = 'current'): string {
    validateProfileName(profile);
    return slot === 'current' ? profile : `${profile}#${slot}`;
  }

  /** What a profile file records about where its credential lives. */
  keychainReference(profile: string): KeychainReference {
    return {
      service: this.#service,
      account: this.accountFor(profile),
      passphrase: this.#passphrase !== undefined,
      store: this.#store.kind === 'file' ? 'file' : 'keychain',
    };
  }

  /** `keyId`: the credential's key on the app, sealed with it so the two can never disagree. */
  async saveConnection(
    profile: string,
    connectionString: string,
    options: { slot?: ConnectionSlot; privateKeyPem?: string; keyId?: string } = {},
  ): Promise<void> {
    this.#tell({ connectionString, privateKeyPem: options.privateKeyPem }); // also refuses something unusable
    const account = this.accountFor(profile, options.slot);
    const payload = encodePayload({ connectionString, privateKeyPem: options.privateKeyPem, keyId: options.keyId });
    await this.#store.set(account, await this.#seal(payload, account));
  }

  async loadConnection(profile: string, slot: ConnectionSlot = 'current'): Promise<StoredConnection | undefined> {
    const account = this.accountFor(profile, slot);
    const envelope = await this.#store.get(account);
    if (envelope === undefined) return undefined;
    return this.#tell(decodePayload(await this.#open(envelope, account)));
  }

  /** Seals a delegated profile's refresh token in its own item (rewritten whenever Entra hands out a new one). */
  async saveRefreshToken(profile: string, refreshToken: string): Promise<void> {
    if (!refreshToken) throw new TypeError('An empty refresh token cannot be stored.');
    this.#onSecret(refreshToken);
    const account = this.accountFor(profile, 'refresh');
    const payload = new Uint8Array(Buffer.concat([Buffer.of(REFRESH_TOKEN_VERSION), Buffer.from(refreshToken, 'utf8')]));
    await this.#store.set(account, await this.#seal(payload, account));
  }

  async loadRefreshToken(profile: string): Promise<string | undefined> {
    const account = this.accountFor(profile, 'refresh');
    const envelope = await this.#store.get(account);
    if (envelope === undefined) return undefined;
    const payload = await this.#open(envelope, account);
    if (payload[0] !== REFRESH_TOKEN_VERSION || payload.length < 2) {
      throw new DecryptionFailedError(
        'The stored refresh token has an unknown layout.',
        'It may come from a newer dynauth; upgrade, or sign the integration account in again with dynauth init --flow delegated.',
      );
    }
    const token = Buffer.from(payload.subarray(1)).toString('utf8');
    this.#onSecret(token);
    return token;
  }

  /**
   * Makes the "next" credential the current one. Order matters: "current" is overwritten
   * (and read back) before "next" is deleted, so a working credential is always readable.
   */
  async promote(profile: string): Promise<void> {
    const next = await this.loadConnection(profile, 'next');
    if (next === undefined) {
      throw new KeychainItemMissing(
        this.#service,
        this.accountFor(profile, 'next'),
        'There is no rotated credential waiting; run the rotation first.',
      );
    }
    await this.saveConnection(profile, next.connectionString, { slot: 'current', privateKeyPem: next.privateKeyPem, keyId: next.keyId });
    const current = await this.loadConnection(profile, 'current');
    if (current?.connectionString !== next.connectionString) {
      throw new Error('The promoted credential could not be read back; the rotated credential was kept in the "next" slot.');
    }
    await this.deleteSlot(profile, 'next');
  }

  /** Lets go of the store's open resources once no more items will be read or written. */
  release(): void {
    this.#store.release?.();
  }

  async deleteSlot(profile: string, slot: ConnectionSlot): Promise<boolean> {
    return this.#store.delete(this.accountFor(profile, slot));
  }

  async hasConnection(profile: string, slot: ConnectionSlot = 'current'): Promise<boolean> {
    return (await this.#store.get(this.accountFor(profile, slot))) !== undefined;
  }

  /**
   * Readies the key the next item is sealed with (the data key, created if missing, or a passphrase
   * key derived for a fresh salt), so that saving a secret the moment it exists costs one write.
   */
  async prepareToSeal(): Promise<void> {
    if (this.#passphrase === undefined) {
      await this.#dataKeyFor('write');
      return;
    }
    this.#preparedSalt ??= randomSalt();
    await this.#derivedKey(this.#preparedSalt);
  }

  async #seal(payload: Uint8Array, account: string): Promise<Uint8Array> {
    const aad = this.#aad(account);
    if (this.#passphrase === undefined) return seal(payload, await this.#dataKeyFor('write'), aad);
    // Each item gets its own salt: the prepared one serves once.
    const salt = this.#preparedSalt ?? randomSalt();
    this.#preparedSalt = undefined;
    return seal(payload, await this.#derivedKey(salt), aad, { salt });
  }

  async #open(envelope: Uint8Array, account: string): Promise<Uint8Array> {
    const salt = envelopeSalt(envelope);
    if (salt === undefined) return open(envelope, await this.#dataKeyFor('read'), this.#aad(account));
    if (this.#passphrase === undefined) {
      throw new PassphraseRequiredError(
        `The credential "${account}" is protected by a passphrase.`,
        'Supply the passphrase chosen when it was stored.',
      );
    }
    return open(envelope, await this.#derivedKey(salt), this.#aad(account));
  }

  #aad(account: string): string {
    return `dynauth-vault/1\n${this.#service}\n${account}`;
  }

  #derivedKey(salt: Uint8Array): Promise<Uint8Array> {
    const cacheKey = Buffer.from(salt).toString('hex');
    let key = this.#derivedKeys.get(cacheKey);
    if (key === undefined) {
      key = deriveKey(this.#passphrase as string, salt);
      this.#derivedKeys.set(cacheKey, key);
    }
    return key;
  }

  async #dataKeyFor(purpose: 'read' | 'write'): Promise<Uint8Array> {
    if (this.#dataKey !== undefined) return this.#dataKey;
    let item = await this.#store.get(DATA_KEY_ACCOUNT);
    if (item === undefined) {
      if (purpose === 'read') {
        throw new KeychainItemMissing(
          this.#service,
          DATA_KEY_ACCOUNT,
          "The key that encrypts dynauth's credentials is gone, so stored credentials cannot be decrypted; run setup or rotation again.",
        );
      }
      await this.#store.set(DATA_KEY_ACCOUNT, Uint8Array.of(DATA_KEY_VERSION, ...randomKey()));
      // Read back: if another dynauth process created a key at the same moment, both use the surviving one.
      item = await this.#store.get(DATA_KEY_ACCOUNT);
    }
    if (item === undefined || item.length !== 1 + KEY_BYTES || item[0] !== DATA_KEY_VERSION) {
      throw new KeychainItemMissing(
        this.#service,
        DATA_KEY_ACCOUNT,
        `The data-key item "${DATA_KEY_ACCOUNT}" is missing or damaged; run setup or rotation again.`,
      );
    }
    this.#dataKey = item.slice(1);
    return this.#dataKey;
  }
}
