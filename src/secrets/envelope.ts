// AES-256-GCM envelope, compact binary:
//   key-sealed:        0x01 | IV(12) | tag(16) | ciphertext
//   passphrase-sealed: 0x02 | salt(16) | IV(12) | tag(16) | ciphertext
// The header (version and salt) is authenticated together with the caller's AAD.
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { DecryptionFailedError } from './errors.ts';

export const KEY_BYTES = 32;
export const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION_KEY = 0x01;
const VERSION_PASSPHRASE = 0x02;

const SCRYPT_N = 2 ** 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
// scrypt needs 128 * N * r bytes (32 MiB here); Node's default maxmem is exactly 32 MiB, which is too tight.
const SCRYPT_MAXMEM = 2 * 128 * SCRYPT_N * SCRYPT_R;

const WRONG_KEY_HINT =
  'The passphrase or data key does not match, or the keychain item was altered or copied from another account. ' +
  'Re-run setup or rotation to store a fresh credential.';

export function seal(plaintext: Uint8Array, key: Uint8Array, aad: string, options: { salt?: Uint8Array } = {}): Uint8Array {
  assertKey(key);
  const header = options.salt === undefined ? Uint8Array.of(VERSION_KEY) : passphraseHeader(options.salt);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(authenticatedData(header, aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return concat([header, iv, cipher.getAuthTag(), ciphertext]);
}

export function open(envelope: Uint8Array, key: Uint8Array, aad: string): Uint8Array {
  assertKey(key);
  const headerLength = parseHeaderLength(envelope);
  const header = envelope.subarray(0, headerLength);
  const iv = envelope.subarray(headerLength, headerLength + IV_BYTES);
  const tag = envelope.subarray(headerLength + IV_BYTES, headerLength + IV_BYTES + TAG_BYTES);
  const ciphertext = envelope.subarray(headerLength + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(authenticatedData(header, aad));
  decipher.setAuthTag(tag);
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch {
    throw new DecryptionFailedError(
      'Could not decrypt the stored credential: wrong key or passphrase, or the data was tampered with.',
      WRONG_KEY_HINT,
    );
  }
}

/** The scrypt salt of a passphrase-sealed envelope, or undefined for a key-sealed one. */
export function envelopeSalt(envelope: Uint8Array): Uint8Array | undefined {
  const headerLength = parseHeaderLength(envelope);
  return envelope[0] === VERSION_PASSPHRASE ? envelope.slice(1, headerLength) : undefined;
}

export function randomSalt(): Uint8Array {
  return new Uint8Array(randomBytes(SALT_BYTES));
}

export function randomKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_BYTES));
}

export function deriveKey(passphrase: string, salt: Uint8Array): Promise<Uint8Array> {
  if (passphrase.length === 0) throw new RangeError('The passphrase must not be empty.');
  if (salt.length !== SALT_BYTES) throw new RangeError(`The salt must be ${SALT_BYTES} bytes.`);
  // NFC so the same passphrase typed on different systems yields the same key.
  const secret = passphrase.normalize('NFC');
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_BYTES, { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, maxmem: SCRYPT_MAXMEM }, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key));
    });
  });
}

function parseHeaderLength(envelope: Uint8Array): number {
  const headerLength = envelope[0] === VERSION_KEY ? 1 : envelope[0] === VERSION_PASSPHRASE ? 1 + SALT_BYTES : -1;
  if (headerLength < 0 || envelope.length < headerLength + IV_BYTES + TAG_BYTES) {
    throw new DecryptionFailedError('The stored credential is not in a format this version of dynauth understands.', WRONG_KEY_HINT);
  }
  return headerLength;
}

function passphraseHeader(salt: Uint8Array): Uint8Array {
  if (salt.length !== SALT_BYTES) throw new RangeError(`The salt must be ${SALT_BYTES} bytes.`);
  return concat([Uint8Array.of(VERSION_PASSPHRASE), salt]);
}

function authenticatedData(header: Uint8Array, aad: string): Buffer {
  return Buffer.concat([header, Buffer.from(aad, 'utf8')]);
}

function assertKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`The key must be ${KEY_BYTES} bytes.`);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
