// The emulated Azure Key Vault: secrets and certificates, each a list of versions
// (learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates), and who may
// use the vault's data plane (Azure RBAC: Key Vault Secrets Officer / Certificates Officer).
import { randomBytes } from 'node:crypto';

export interface VaultAttributes {
  enabled: boolean;
  /** Unix seconds, as the REST API carries them. */
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
}

export interface VaultSecretVersion {
  version: string;
  value: string;
  contentType?: string;
  attributes: VaultAttributes;
  tags: Record<string, string>;
  /** The secret holding a certificate's private key and certificate: Key Vault manages it. */
  managed?: boolean;
}

export interface VaultCertificateVersion {
  version: string;
  /** base64 DER of the certificate. */
  cer: string;
  /** base64url SHA-1 thumbprint. */
  x5t: string;
  contentType: string;
  attributes: VaultAttributes;
  tags: Record<string, string>;
}

export interface KeyVaultState {
  name: string;
  /** Object ids (users and service principals) holding a data-plane role on the vault. */
  officers: Set<string>;
  secrets: Map<string, VaultSecretVersion[]>;
  certificates: Map<string, VaultCertificateVersion[]>;
}

export function createKeyVaultState(name: string, officers: string[]): KeyVaultState {
  return { name, officers: new Set(officers.map((id) => id.toLowerCase())), secrets: new Map(), certificates: new Map() };
}

/** Object names are case-insensitive in Key Vault; versions are 32 hex digits. */
export function objectKey(name: string): string {
  return name.toLowerCase();
}

export function newVersion(): string {
  return randomBytes(16).toString('hex');
}

export function latest<T>(versions: T[] | undefined): T | undefined {
  return versions?.at(-1);
}
