// What a sealed keychain item contains:
//   v1: 0x01 | u32 length | connection string (UTF-8) | PKCS#8 DER key (optional, rest)
//   v2: 0x02 | u32 length | u8 key-id length | connection string | key id (ASCII) | PKCS#8 DER key (optional, rest)
// v2 records which key on the app the secret is, in the same write as the secret itself: a run cut
// short before its profile is written still knows, on the re-run, which key the stored secret is.
// DER instead of PEM keeps a 2048-bit RSA key plus a connection string well under Windows' 2,560 bytes.
import { createPrivateKey } from 'node:crypto';
import { DecryptionFailedError } from './errors.ts';

const V1 = 0x01;
const V2 = 0x02;
const KEY_ID = /^[0-9A-Za-z-]{1,64}$/;

export interface StoredConnection {
  connectionString: string;
  /** PKCS#8 PEM, whatever PEM flavour was saved. */
  privateKeyPem?: string;
  /** The Entra keyId of the credential (absent in items written before dynauth recorded it). */
  keyId?: string;
}

export function encodePayload(connection: StoredConnection): Uint8Array {
  const text = Buffer.from(connection.connectionString, 'utf8');
  const key = connection.privateKeyPem === undefined ? Buffer.alloc(0) : pemToPkcs8Der(connection.privateKeyPem);
  if (connection.keyId === undefined) {
    const header = Buffer.alloc(5);
    header.writeUInt8(V1, 0);
    header.writeUInt32BE(text.length, 1);
    return new Uint8Array(Buffer.concat([header, text, key]));
  }
  if (!KEY_ID.test(connection.keyId)) throw new TypeError('keyId must be an Entra key id (a GUID).');
  const header = Buffer.alloc(6);
  header.writeUInt8(V2, 0);
  header.writeUInt32BE(text.length, 1);
  header.writeUInt8(connection.keyId.length, 5);
  return new Uint8Array(Buffer.concat([header, text, Buffer.from(connection.keyId, 'ascii'), key]));
}

export function decodePayload(payload: Uint8Array): StoredConnection {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const version = bytes.length > 0 ? bytes.readUInt8(0) : undefined;
  const headerBytes = version === V1 ? 5 : 6;
  if ((version !== V1 && version !== V2) || bytes.length < headerBytes) throw unknownLayout();
  const textEnd = headerBytes + bytes.readUInt32BE(1);
  const end = textEnd + (version === V2 ? bytes.readUInt8(5) : 0);
  if (end > bytes.length) throw unknownLayout();
  const connection: StoredConnection = { connectionString: bytes.toString('utf8', headerBytes, textEnd) };
  if (version === V2) {
    const keyId = bytes.toString('ascii', textEnd, end);
    if (!KEY_ID.test(keyId)) throw unknownLayout();
    connection.keyId = keyId;
  }
  if (end < bytes.length) {
    const der = bytes.subarray(end);
    connection.privateKeyPem = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({
      type: 'pkcs8',
      format: 'pem',
    }) as string;
  }
  return connection;
}

function unknownLayout(): DecryptionFailedError {
  return new DecryptionFailedError(
    'The stored credential has an unknown layout.',
    'It may come from a newer dynauth; upgrade, or store the credential again.',
  );
}

function pemToPkcs8Der(pem: string): Buffer {
  try {
    return createPrivateKey({ key: pem, format: 'pem' }).export({ type: 'pkcs8', format: 'der' });
  } catch {
    throw new TypeError('privateKeyPem must be an unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1).');
  }
}
