// The credential an app signs in with, as dynauth holds it: one variant per kind. A delegated
// refresh token and a federated credential will join this union as kinds of their own.
import { createHash } from 'node:crypto';
import type { AppSecret } from '../auth/app-credential.ts';
import type { CredentialFacts } from '../profiles/profile.ts';
import { formatConnectionString, parseConnectionString } from '../secrets/connection-string.ts';
import type { StoredConnection } from '../secrets/vault.ts';

interface KeyOnApp {
  /** The key's id among the app's passwordCredentials or keyCredentials. */
  keyId: string;
  expiresOn: string;
}

export interface ClientSecretCredential extends KeyOnApp {
  kind: 'secret';
  clientSecret: string;
}

export interface CertificateCredential extends KeyOnApp {
  kind: 'certificate';
  thumbprint: string;
  /** The public certificate (kept in the profile). */
  certificatePem: string;
  /** PKCS#8 PEM (kept sealed in the store, never in the profile). */
  privateKeyPem: string;
}

export type StoredCredential = ClientSecretCredential | CertificateCredential;

/** What the profile records about a credential: everything but its secret part. */
export type { CredentialFacts };

/** How the app signs in with it (the identity library's input). */
export function appSecretOf(credential: StoredCredential): AppSecret {
  return credential.kind === 'secret'
    ? { kind: 'secret', clientSecret: credential.clientSecret }
    : { kind: 'certificate', pem: certificateFileOf(credential) };
}

/** Private key then certificate, as one PEM file (--certificate-out, export --pem-out). */
export function certificateFileOf(credential: CertificateCredential): string {
  return `${credential.privateKeyPem}${credential.certificatePem}`;
}

/** The secret part, so that output can be scrubbed of it. */
export function secretPartOf(credential: StoredCredential): string {
  return credential.kind === 'secret' ? credential.clientSecret : credential.privateKeyPem;
}

export function connectionStringFor(url: string, clientId: string, credential: StoredCredential): string {
  return credential.kind === 'secret'
    ? formatConnectionString({ authType: 'ClientSecret', url, clientId, clientSecret: credential.clientSecret })
    : formatConnectionString({ authType: 'Certificate', url, clientId, thumbprint: credential.thumbprint });
}

export function factsOf(credential: StoredCredential, lifetimeDays: number, now: Date): CredentialFacts {
  return {
    type: credential.kind,
    keyId: credential.keyId,
    ...(credential.kind === 'certificate' ? { thumbprint: credential.thumbprint, certificatePem: credential.certificatePem } : {}),
    expiresOn: credential.expiresOn,
    createdOn: now.toISOString(),
    lifetimeDays,
  };
}

/**
 * The credential a sealed item holds, completed with what the profile records about it (a
 * certificate's public part): undefined when the item does not hold that kind of credential.
 */
export function credentialFrom(
  stored: StoredConnection,
  facts: Pick<CredentialFacts, 'type' | 'keyId' | 'expiresOn' | 'thumbprint' | 'certificatePem'>,
): StoredCredential | undefined {
  const { keyId, expiresOn } = facts;
  if (facts.type === 'secret') {
    const clientSecret = parseConnectionString(stored.connectionString).clientSecret;
    return clientSecret ? { kind: 'secret', keyId, expiresOn, clientSecret } : undefined;
  }
  if (!stored.privateKeyPem || !facts.certificatePem) return undefined;
  const thumbprint = facts.thumbprint ?? thumbprintOf(facts.certificatePem);
  return { kind: 'certificate', keyId, expiresOn, thumbprint, certificatePem: facts.certificatePem, privateKeyPem: stored.privateKeyPem };
}

/** The DER bytes of a one-certificate PEM text. */
export function certificateDer(certificatePem: string): Buffer {
  return Buffer.from(certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

function thumbprintOf(certificatePem: string): string {
  return createHash('sha1').update(certificateDer(certificatePem)).digest('hex').toUpperCase();
}
