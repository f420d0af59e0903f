import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A name-based GUID (UUID v5 layout over SHA-1): the same name always gives the same id, so docs and tests stay stable. */
export function stableGuid(name: string): string {
  const hash = createHash('sha1').update(`dynauth-sandbox:${name}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function newGuid(): string {
  return randomUUID();
}

export { isGuid } from '../util/guid.ts';

/** An opaque random token (codes, refresh tokens, grant ids). */
export function opaque(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A client secret shaped like Entra's: 40 characters, with the `Q~` marker at index 4. */
export function newClientSecret(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.-';
  const bytes = randomBytes(38);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
  return `${chars.slice(0, 3).join('')}8Q~${chars.slice(3, 37).join('')}`;
}
