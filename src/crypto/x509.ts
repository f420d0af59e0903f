// X.509 v3 certificate builder over node:crypto (which can parse certificates but not create them).
// RSA 2048 keys, sha256WithRSAEncryption signatures.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import * as der from './der.ts';

const OID = {
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;
const DAY_MS = 86_400_000;

export interface CertificateMaterial {
  certPem: string;
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
  keyPem: string;
  certDer: Buffer;
  /** SHA-1 of the DER certificate, hex uppercase: what Entra shows as the thumbprint. */
  thumbprint: string;
  /** SHA-256 of the DER certificate, hex uppercase. */
  thumbprintSha256: string;
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateAuthority extends CertificateMaterial {
  privateKey: KeyObject;
  /** DER-encoded subject Name, reused as the issuer of the certificates it signs. */
  subjectName: Buffer;
  subjectKeyIdentifier: Buffer;
}

export interface ValidityOptions {
  commonName: string;
  validDays: number;
  now?: Date;
}

export interface ServerCertificateOptions {
  commonName?: string;
  ipAddresses?: string[];
  dnsNames?: string[];
  validDays?: number;
  now?: Date;
}

interface Extension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

interface BuildInput {
  subjectName: Buffer;
  issuerName: Buffer;
  publicKey: KeyObject;
  signingKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  extensions: Extension[];
}

/** A self-signed leaf certificate for an Entra application credential (keyCredentials). */
export function createSelfSignedCertificate(options: ValidityOptions): CertificateMaterial {
  const { material: made } = selfSigned(options, [
    basicConstraints(false),
    keyUsage([KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment]),
    extKeyUsage([OID.clientAuth]),
  ]);
  return made;
}

/** A throwaway certificate authority (CA:true, keyCertSign) to sign server certificates. */
export function createCertificateAuthority(options: ValidityOptions): CertificateAuthority {
  const {
    material: made,
    privateKey,
    name,
    keyId,
  } = selfSigned(options, [basicConstraints(true, 0), keyUsage([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])]);
  return { ...made, privateKey, subjectName: name, subjectKeyIdentifier: keyId };
}

/** A new key pair and a certificate it signs itself, with a subject key identifier. */
function selfSigned(options: ValidityOptions, extensions: Extension[]) {
  const { notBefore, notAfter } = validity(options);
  const { publicKey, privateKey } = newRsaKeyPair();
  const name = distinguishedName(options.commonName);
  const keyId = subjectKeyIdentifier(publicKey);
  const certDer = buildCertificate({
    subjectName: name,
    issuerName: name,
    publicKey,
    signingKey: privateKey,
    notBefore,
    notAfter,
    extensions: [...extensions, { oid: OID.subjectKeyIdentifier, critical: false, value: der.octetString(keyId) }],
  });
  return { material: material(certDer, privateKey, notBefore, notAfter), privateKey, name, keyId };
}

/** A TLS server certificate signed by `ca`, with the given IP and DNS subject alternative names. */
export function issueServerCertificate(ca: CertificateAuthority, options: ServerCertificateOptions = {}): CertificateMaterial {
  const ipAddresses = options.ipAddresses ?? [];
  const dnsNames = options.dnsNames ?? [];
  if (ipAddresses.length + dnsNames.length === 0) throw new Error('issueServerCertificate: give at least one IP address or DNS name');
  const commonName = options.commonName ?? dnsNames[0] ?? ipAddresses[0]!;
  const requested = validity({ commonName, validDays: options.validDays ?? 30, now: options.now });
  const notBefore = requested.notBefore;
  // A leaf never outlives its CA: issued a second later than a CA of the same lifetime, it ends with it.
  const notAfter = new Date(Math.min(requested.notAfter.getTime(), ca.notAfter.getTime()));
  const { publicKey, privateKey } = newRsaKeyPair();
  const certDer = buildCertificate({
    subjectName: distinguishedName(commonName),
    issuerName: ca.subjectName,
    publicKey,
    signingKey: ca.privateKey,
    notBefore,
    notAfter,
    extensions: [
      basicConstraints(false),
      keyUsage([KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment]),
      extKeyUsage([OID.serverAuth]),
      subjectAltName(dnsNames, ipAddresses),
      { oid: OID.subjectKeyIdentifier, critical: false, value: der.octetString(subjectKeyIdentifier(publicKey)) },
      {
        oid: OID.authorityKeyIdentifier,
        critical: false,
        value: der.sequence(der.implicitPrimitive(0, ca.subjectKeyIdentifier)),
      },
    ],
  });
  return material(certDer, privateKey, notBefore, notAfter);
}

function buildCertificate(input: BuildInput): Buffer {
  const signatureAlgorithm = der.sequence(der.objectIdentifier(OID.sha256WithRSAEncryption), der.nullValue());
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // version v3
    der.integer(serialNumber()),
    signatureAlgorithm,
    input.issuerName,
    der.sequence(der.time(input.notBefore), der.time(input.notAfter)),
    input.subjectName,
    input.publicKey.export({ type: 'spki', format: 'der' }),
    der.explicit(
      3,
      der.sequence(
        ...input.extensions.map((ext) =>
          der.sequence(der.objectIdentifier(ext.oid), ...(ext.critical ? [der.boolean(true)] : []), der.octetString(ext.value)),
        ),
      ),
    ),
  );
  const signature = sign('sha256', tbs, input.signingKey);
  return der.sequence(tbs, signatureAlgorithm, der.bitString(signature));
}

function material(certDer: Buffer, privateKey: KeyObject, notBefore: Date, notAfter: Date): CertificateMaterial {
  return {
    certPem: toPem('CERTIFICATE', certDer),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certDer,
    thumbprint: createHash('sha1').update(certDer).digest('hex').toUpperCase(),
    thumbprintSha256: createHash('sha256').update(certDer).digest('hex').toUpperCase(),
    notBefore,
    notAfter,
  };
}

function validity(options: ValidityOptions): { notBefore: Date; notAfter: Date } {
  if (!options.commonName || typeof options.commonName !== 'string') throw new Error('certificate: commonName is required');
  if (!Number.isFinite(options.validDays) || options.validDays <= 0) throw new Error('certificate: validDays must be a positive number');
  const now = options.now ?? new Date();
  // X.509 times have whole-second precision; round so the Date objects match the certificate exactly.
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + Math.round((options.validDays * DAY_MS) / 1000) * 1000);
  return { notBefore, notAfter };
}

function newRsaKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
}

/** 16 random bytes, top bit cleared and never zero: a positive serial of at most 20 octets (RFC 5280). */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}

function distinguishedName(commonName: string): Buffer {
  return der.sequence(der.set(der.sequence(der.objectIdentifier(OID.commonName), der.utf8String(commonName))));
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey bits (for RSA, the PKCS#1 RSAPublicKey DER). */
function subjectKeyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1')
    .update(publicKey.export({ type: 'pkcs1', format: 'der' }))
    .digest();
}

function basicConstraints(isCa: boolean, pathLength?: number): Extension {
  const content = isCa ? [der.boolean(true), ...(pathLength === undefined ? [] : [der.integer(pathLength)])] : [];
  return { oid: OID.basicConstraints, critical: true, value: der.sequence(...content) };
}

function keyUsage(bits: number[]): Extension {
  return { oid: OID.keyUsage, critical: true, value: der.namedBits(bits) };
}

function extKeyUsage(purposes: string[]): Extension {
  return { oid: OID.extKeyUsage, critical: false, value: der.sequence(...purposes.map((oid) => der.objectIdentifier(oid))) };
}

function subjectAltName(dnsNames: string[], ipAddresses: string[]): Extension {
  const names = [
    ...dnsNames.map((name) => der.implicitPrimitive(2, Buffer.from(name, 'ascii'))),
    ...ipAddresses.map((ip) => der.implicitPrimitive(7, ipBytes(ip))),
  ];
  return { oid: OID.subjectAltName, critical: false, value: der.sequence(...names) };
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (isIPv6(ip)) {
    const [head = '', tail = ''] = ip.split('::');
    const headParts = head ? head.split(':') : [];
    const tailParts = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
    const groups = ip.includes('::')
      ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts]
      : headParts;
    const out = Buffer.alloc(16);
    groups.forEach((group, i) => {
      out.writeUInt16BE(parseInt(group, 16), i * 2);
    });
    return out;
  }
  throw new Error(`certificate: not an IP address: ${ip}`);
}

export function toPem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
