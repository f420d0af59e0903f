// The non-secret facts about one configured connection. There is deliberately no field that
// could hold a secret; toStoredProfile() copies only these fields, so extra properties
// (a stray clientSecret on a spread object, say) never reach the disk.
import { validateProfileName } from './profile-name.ts';

export type CredentialType = 'secret' | 'certificate';

export interface Profile {
  version: 1;
  name: string;
  cloud: string;
  tenantId: string;
  clientId: string;
  applicationObjectId: string;
  servicePrincipalId: string;
  appDisplayName: string;
  environment: { id: string; url: string; uniqueName: string; displayName?: string };
  applicationUserId: string;
  businessUnitId: string;
  roles: Array<{ id: string; name: string }>;
  expectedPrivileges: string[];
  credential: {
    type: CredentialType;
    keyId: string;
    thumbprint?: string;
    /** The public certificate only (PEM CERTIFICATE blocks); anything else is refused. */
    certificatePem?: string;
    expiresOn: string;
    createdOn: string;
    lifetimeDays: number;
  };
  /** `revokeRequested`: the rotation was asked to revoke it at once (--revoke-old), so a re-run finishes that. */
  pendingRevocation?: Array<{ type: CredentialType; keyId: string; expiresOn: string; replacedOn: string; revokeRequested?: boolean }>;
  /** A rotation under way: `marker` names what it added on the app; `next` is set once its credential is stored. */
  rotation?: {
    marker: string;
    startedOn: string;
    replaces: { type: CredentialType; keyId: string; expiresOn: string };
    next?: Profile['credential'];
  };
  keychain: { service: string; account: string; passphrase: boolean };
  lastSuccessfulTest?: string;
  createdOn: string;
  updatedOn: string;
}

/** Checks `data` (parsed JSON) against the Profile shape; returns the problem, or a clean copy. */
export function toStoredProfile(data: unknown): { profile: Profile } | { problem: string } {
  try {
    return { profile: copyProfile(data) };
  } catch (error) {
    if (error instanceof ShapeError) return { problem: error.message };
    throw error;
  }
}

class ShapeError extends Error {}

function copyProfile(data: unknown): Profile {
  const o = object(data, 'profile');
  if (o.version !== 1) throw new ShapeError(`unsupported version ${JSON.stringify(o.version)} (expected 1)`);
  const name = str(o, 'name');
  try {
    validateProfileName(name);
  } catch {
    throw new ShapeError('"name" is not a valid profile name');
  }
  const environment = object(o.environment, 'environment');
  const credential = object(o.credential, 'credential');
  const keychain = object(o.keychain, 'keychain');
  const profile: Profile = {
    version: 1,
    name,
    cloud: str(o, 'cloud'),
    tenantId: str(o, 'tenantId'),
    clientId: str(o, 'clientId'),
    applicationObjectId: str(o, 'applicationObjectId'),
    servicePrincipalId: str(o, 'servicePrincipalId'),
    appDisplayName: str(o, 'appDisplayName'),
    environment: {
      id: str(environment, 'id', 'environment.'),
      url: str(environment, 'url', 'environment.'),
      uniqueName: str(environment, 'uniqueName', 'environment.'),
      ...optional('displayName', optionalStr(environment, 'displayName', 'environment.')),
    },
    applicationUserId: str(o, 'applicationUserId'),
    businessUnitId: str(o, 'businessUnitId'),
    roles: array(o.roles, 'roles').map((role, i) => {
      const r = object(role, `roles[${i}]`);
      return { id: str(r, 'id', `roles[${i}].`), name: str(r, 'name', `roles[${i}].`) };
    }),
    expectedPrivileges: array(o.expectedPrivileges, 'expectedPrivileges').map((p, i) => {
      if (typeof p !== 'string') throw new ShapeError(`"expectedPrivileges[${i}]" must be a string`);
      return p;
    }),
    credential: copyCredential(credential, 'credential.'),
    keychain: {
      service: str(keychain, 'service', 'keychain.'),
      account: str(keychain, 'account', 'keychain.'),
      passphrase: bool(keychain, 'passphrase', 'keychain.'),
    },
    createdOn: str(o, 'createdOn'),
    updatedOn: str(o, 'updatedOn'),
  };
  if (o.pendingRevocation !== undefined) {
    profile.pendingRevocation = array(o.pendingRevocation, 'pendingRevocation').map((entry, i) => {
      const e = object(entry, `pendingRevocation[${i}]`);
      const at = `pendingRevocation[${i}].`;
      return {
        type: credentialType(e.type, `${at}type`),
        keyId: str(e, 'keyId', at),
        expiresOn: str(e, 'expiresOn', at),
        replacedOn: str(e, 'replacedOn', at),
        ...(e.revokeRequested === true ? { revokeRequested: true } : {}),
      };
    });
  }
  if (o.rotation !== undefined) {
    const r = object(o.rotation, 'rotation');
    const replaces = object(r.replaces, 'rotation.replaces');
    profile.rotation = {
      marker: str(r, 'marker', 'rotation.'),
      startedOn: str(r, 'startedOn', 'rotation.'),
      replaces: {
        type: credentialType(replaces.type, 'rotation.replaces.type'),
        keyId: str(replaces, 'keyId', 'rotation.replaces.'),
        expiresOn: str(replaces, 'expiresOn', 'rotation.replaces.'),
      },
    };
    if (r.next !== undefined) profile.rotation.next = copyCredential(object(r.next, 'rotation.next'), 'rotation.next.');
  }
  const lastSuccessfulTest = optionalStr(o, 'lastSuccessfulTest');
  if (lastSuccessfulTest !== undefined) profile.lastSuccessfulTest = lastSuccessfulTest;
  return profile;
}

function copyCredential(credential: Record<string, unknown>, at: string): Profile['credential'] {
  return {
    type: credentialType(credential.type, `${at}type`),
    keyId: str(credential, 'keyId', at),
    ...optional('thumbprint', optionalStr(credential, 'thumbprint', at)),
    ...optional('certificatePem', publicCertificate(optionalStr(credential, 'certificatePem', at))),
    expiresOn: str(credential, 'expiresOn', at),
    createdOn: str(credential, 'createdOn', at),
    lifetimeDays: num(credential, 'lifetimeDays', at),
  };
}

const CERTIFICATES_ONLY = /^\s*(?:-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/u;

function publicCertificate(pem: string | undefined): string | undefined {
  if (pem !== undefined && !CERTIFICATES_ONLY.test(pem)) {
    throw new ShapeError('"credential.certificatePem" must hold only PEM CERTIFICATE blocks (never a private key)');
  }
  return pem;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError(`"${what}" must be an object`);
  return value as Record<string, unknown>;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError(`"${what}" must be an array`);
  return value;
}

function str(o: Record<string, unknown>, key: string, at = ''): string {
  if (typeof o[key] !== 'string') throw new ShapeError(`"${at}${key}" must be a string`);
  return o[key];
}

function optionalStr(o: Record<string, unknown>, key: string, at = ''): string | undefined {
  return o[key] === undefined ? undefined : str(o, key, at);
}

function num(o: Record<string, unknown>, key: string, at = ''): number {
  if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) throw new ShapeError(`"${at}${key}" must be a number`);
  return o[key];
}

function bool(o: Record<string, unknown>, key: string, at = ''): boolean {
  if (typeof o[key] !== 'boolean') throw new ShapeError(`"${at}${key}" must be true or false`);
  return o[key];
}

function credentialType(value: unknown, what: string): CredentialType {
  if (value !== 'secret' && value !== 'certificate') throw new ShapeError(`"${what}" must be "secret" or "certificate"`);
  return value;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
