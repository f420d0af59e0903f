// What a sealed keychain item contains: 0x01 | u32 length | connection string (UTF-8) | PKCS#8 DER key (optional, rest).
// DER instead of PEM keeps a 2048-bit RSA key plus a connection string well under Windows' 2,560 bytes.
import { createPrivateKey } from 'node:crypto';
import { DecryptionFailedError } from './errors.ts';

const PAYLOAD_VERSION = 0x01;
const HEADER_BYTES = 5;

export interface StoredConnection {
  connectionString: string;
  /** PKCS#8 PEM, whatever PEM flavour was saved. */
  privateKeyPem?: string;
}

export function encodePayload(connection: StoredConnection): Uint8Array {
  const text = Buffer.from(connection.connectionString, 'utf8');
  const key = connection.privateKeyPem === undefined ? Buffer.alloc(0) : pemToPkcs8Der(connection.privateKeyPem);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt8(PAYLOAD_VERSION, 0);
  header.writeUInt32BE(text.length, 1);
  return new Uint8Array(Buffer.concat([header, text, key]));
}

export function decodePayload(payload: Uint8Array): StoredConnection {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (bytes.length < HEADER_BYTES || bytes.readUInt8(0) !== PAYLOAD_VERSION || bytes.readUInt32BE(1) > bytes.length - HEADER_BYTES) {
    throw new DecryptionFailedError('The stored credential has an unknown layout.', 'It may come from a newer dynauth; upgrade, or store the credential again.');
  }
  const end = HEADER_BYTES + bytes.readUInt32BE(1);
  const connection: StoredConnection = { connectionString: bytes.toString('utf8', HEADER_BYTES, end) };
  if (end < bytes.length) {
    const der = bytes.subarray(end);
    connection.privateKeyPem = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
  }
  return connection;
}

function pemToPkcs8Der(pem: string): Buffer {
  try {
    return createPrivateKey({ key: pem, format: 'pem' }).export({ type: 'pkcs8', format: 'der' });
  } catch {
    throw new TypeError('privateKeyPem must be an unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1).');
  }
}
