// The non-secret facts about one configured connection. There is deliberately no field that
// could hold a secret; toStoredProfile() copies only these fields, so extra properties
// (a stray clientSecret on a spread object, say) never reach the disk. A profile is read back
// as untrusted input: ids, cloud and environment URL are checked as strictly as the flags were.
import {
  array,
  bool,
  cloudName,
  date,
  environmentId,
  environmentUrl,
  guid,
  MAX_PEM_LENGTH,
  num,
  object,
  optionalStr,
  ShapeError,
  str,
  thumbprint,
} from './profile-fields.ts';
import { validateProfileName } from './profile-name.ts';

export type CredentialType = 'secret' | 'certificate';
export type CredentialStore = 'keychain' | 'file';
/** app-user: the app signs in as itself (an application user in Dataverse); delegated: it acts as a signed-in user. */
export type ConnectionFlow = 'app-user' | 'delegated';

/** A federated identity credential on the app: tokens from `issuer` about `subject` sign the app in. */
export interface FederationFacts {
  /** The federatedIdentityCredential's id on the app. */
  id: string;
  /** Its name on the app (unique per app). */
  name: string;
  issuer: string;
  subject: string;
  /** What the user typed (--federation), kept to show it back. */
  spec: string;
}

/** What a delegated profile knows beyond an app-user one. */
export interface DelegatedFacts {
  /** A public client (no secret: PKCE alone) or a confidential web app with a client secret. */
  publicClient: boolean;
  redirectUris: string[];
  /** The integration account the refresh token belongs to, once signed in. */
  user?: { objectId: string; userPrincipalName: string; systemUserId?: string };
  /** When the refresh token was obtained and last redeemed (Entra ends it after 90 days unused). */
  refreshToken?: { obtainedOn: string; lastRedeemedOn: string };
}

/** A place the connection's secret (or its parts) was delivered to (--push), and what it last received. */
export interface DestinationFacts {
  spec: string;
  lastKeyId?: string;
  lastDeliveredOn?: string;
}

export interface CredentialFacts {
  type: CredentialType;
  keyId: string;
  thumbprint?: string;
  /** The public certificate only (PEM CERTIFICATE blocks); anything else is refused. */
  certificatePem?: string;
  expiresOn: string;
  createdOn: string;
  lifetimeDays: number;
}

export interface Profile {
  version: 1;
  name: string;
  /** Absent in profiles written before delegated setups existed: app-user. */
  flow?: ConnectionFlow;
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
  /**
   * The key the app signs in with (a client secret or certificate on the app). Absent when there is
   * none: a delegated public client (PKCE alone) or a federated profile (see `federation`).
   */
  credential?: CredentialFacts;
  /** Federated identity credentials (--credential federated): the app has no secret at all. */
  federation?: FederationFacts[];
  delegated?: DelegatedFacts;
  destinations?: DestinationFacts[];
  /** `revokeRequested`: the rotation was asked to revoke it at once (--revoke-old), so a re-run finishes that. */
  pendingRevocation?: Array<{ type: CredentialType; keyId: string; expiresOn: string; replacedOn: string; revokeRequested?: boolean }>;
  /** A rotation under way: `marker` names what it added on the app; `next` is set once its credential is stored. */
  rotation?: {
    marker: string;
    startedOn: string;
    replaces: { type: CredentialType; keyId: string; expiresOn: string };
    next?: CredentialFacts;
  };
  /** `store`: where the sealed credential is; absent in profiles written before it was recorded. */
  keychain: { service: string; account: string; passphrase: boolean; store?: CredentialStore };
  lastSuccessfulTest?: string;
  createdOn: string;
  updatedOn: string;
}

/** A profile whose app signs in with a key (secret or certificate): what rotation and revocation work on. */
export type KeyedProfile = Profile & { credential: CredentialFacts };

export function hasKeyCredential(profile: Profile): profile is KeyedProfile {
  return profile.credential !== undefined;
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

function copyProfile(data: unknown): Profile {
  const o = object(data, 'profile');
  if (o.version !== 1) throw new ShapeError(`unsupported version ${JSON.stringify(o.version)} (expected 1)`);
  const name = str(o, 'name', '', 64);
  try {
    validateProfileName(name);
  } catch {
    throw new ShapeError('"name" is not a valid profile name');
  }
  const environment = object(o.environment, 'environment');
  const credential = o.credential === undefined ? undefined : object(o.credential, 'credential');
  const keychain = object(o.keychain, 'keychain');
  const cloud = cloudName(str(o, 'cloud'));
  const profile: Profile = {
    version: 1,
    name,
    cloud,
    tenantId: guid(o, 'tenantId'),
    clientId: guid(o, 'clientId'),
    applicationObjectId: guid(o, 'applicationObjectId'),
    // Empty while init has recorded the credential but not yet made the service principal.
    servicePrincipalId: guid(o, 'servicePrincipalId', '', { emptyAllowed: true }),
    appDisplayName: str(o, 'appDisplayName'),
    environment: {
      id: environmentId(str(environment, 'id', 'environment.')),
      url: environmentUrl(str(environment, 'url', 'environment.'), cloud),
      uniqueName: str(environment, 'uniqueName', 'environment.'),
      ...optional('displayName', optionalStr(environment, 'displayName', 'environment.')),
    },
    // Empty until init has made them (or for a setup it only recorded).
    applicationUserId: guid(o, 'applicationUserId', '', { emptyAllowed: true }),
    businessUnitId: guid(o, 'businessUnitId', '', { emptyAllowed: true }),
    roles: array(o.roles, 'roles').map((role, i) => {
      const r = object(role, `roles[${i}]`);
      return { id: guid(r, 'id', `roles[${i}].`), name: str(r, 'name', `roles[${i}].`) };
    }),
    expectedPrivileges: array(o.expectedPrivileges, 'expectedPrivileges').map((p, i) => {
      if (typeof p !== 'string') throw new ShapeError(`"expectedPrivileges[${i}]" must be a string`);
      return p;
    }),
    ...(credential === undefined ? {} : { credential: copyCredential(credential, 'credential.') }),
    keychain: copyKeychain(keychain, name),
    createdOn: date(o, 'createdOn'),
    updatedOn: date(o, 'updatedOn'),
  };
  if (o.pendingRevocation !== undefined) {
    profile.pendingRevocation = array(o.pendingRevocation, 'pendingRevocation').map((entry, i) => {
      const e = object(entry, `pendingRevocation[${i}]`);
      const at = `pendingRevocation[${i}].`;
      return {
        type: credentialType(e.type, `${at}type`),
        keyId: guid(e, 'keyId', at),
        expiresOn: date(e, 'expiresOn', at),
        replacedOn: date(e, 'replacedOn', at),
        ...(e.revokeRequested === true ? { revokeRequested: true } : {}),
      };
    });
  }
  if (o.rotation !== undefined) {
    const r = object(o.rotation, 'rotation');
    const replaces = object(r.replaces, 'rotation.replaces');
    profile.rotation = {
      marker: str(r, 'marker', 'rotation.'),
      startedOn: date(r, 'startedOn', 'rotation.'),
      replaces: {
        type: credentialType(replaces.type, 'rotation.replaces.type'),
        keyId: guid(replaces, 'keyId', 'rotation.replaces.'),
        expiresOn: date(replaces, 'expiresOn', 'rotation.replaces.'),
      },
    };
    if (r.next !== undefined) profile.rotation.next = copyCredential(object(r.next, 'rotation.next'), 'rotation.next.');
  }
  if (o.flow !== undefined) {
    if (o.flow !== 'app-user' && o.flow !== 'delegated') throw new ShapeError('"flow" must be "app-user" or "delegated"');
    profile.flow = o.flow;
  }
  if (o.federation !== undefined) profile.federation = array(o.federation, 'federation').map(copyFederation);
  if (o.delegated !== undefined) profile.delegated = copyDelegated(object(o.delegated, 'delegated'));
  if (o.destinations !== undefined) {
    profile.destinations = array(o.destinations, 'destinations').map((entry, i) => {
      const d = object(entry, `destinations[${i}]`);
      const at = `destinations[${i}].`;
      return {
        spec: str(d, 'spec', at),
        ...optional('lastKeyId', optionalStr(d, 'lastKeyId', at)),
        ...(d.lastDeliveredOn === undefined ? {} : { lastDeliveredOn: date(d, 'lastDeliveredOn', at) }),
      };
    });
  }
  if (profile.credential === undefined && profile.federation === undefined && profile.delegated?.publicClient !== true) {
    throw new ShapeError('"credential" is missing (only a public client or a federated profile goes without one)');
  }
  if (o.lastSuccessfulTest !== undefined) profile.lastSuccessfulTest = date(o, 'lastSuccessfulTest');
  return profile;
}

function copyCredential(credential: Record<string, unknown>, at: string): CredentialFacts {
  return {
    type: credentialType(credential.type, `${at}type`),
    keyId: guid(credential, 'keyId', at),
    ...optional('thumbprint', thumbprint(optionalStr(credential, 'thumbprint', at), at)),
    ...optional('certificatePem', publicCertificate(optionalStr(credential, 'certificatePem', at, MAX_PEM_LENGTH))),
    expiresOn: date(credential, 'expiresOn', at),
    createdOn: date(credential, 'createdOn', at),
    lifetimeDays: num(credential, 'lifetimeDays', at),
  };
}

function copyFederation(entry: unknown, i: number): FederationFacts {
  const f = object(entry, `federation[${i}]`);
  const at = `federation[${i}].`;
  return {
    id: guid(f, 'id', at),
    name: str(f, 'name', at, 120),
    issuer: str(f, 'issuer', at),
    subject: str(f, 'subject', at),
    spec: str(f, 'spec', at),
  };
}

function copyDelegated(d: Record<string, unknown>): DelegatedFacts {
  const redirectUris = array(d.redirectUris, 'delegated.redirectUris').map((uri, i) => {
    if (typeof uri !== 'string' || uri.length > 1024) throw new ShapeError(`"delegated.redirectUris[${i}]" must be a string`);
    return uri;
  });
  const facts: DelegatedFacts = { publicClient: bool(d, 'publicClient', 'delegated.'), redirectUris };
  if (d.user !== undefined) {
    const u = object(d.user, 'delegated.user');
    facts.user = {
      objectId: guid(u, 'objectId', 'delegated.user.'),
      userPrincipalName: str(u, 'userPrincipalName', 'delegated.user.'),
      ...optional('systemUserId', optionalStr(u, 'systemUserId', 'delegated.user.')),
    };
  }
  if (d.refreshToken !== undefined) {
    const r = object(d.refreshToken, 'delegated.refreshToken');
    facts.refreshToken = {
      obtainedOn: date(r, 'obtainedOn', 'delegated.refreshToken.'),
      lastRedeemedOn: date(r, 'lastRedeemedOn', 'delegated.refreshToken.'),
    };
  }
  return facts;
}

function copyKeychain(keychain: Record<string, unknown>, name: string): Profile['keychain'] {
  const account = str(keychain, 'account', 'keychain.');
  // The vault always files a profile's credential under its own name: another account means an edited file.
  if (account !== name)
    throw new ShapeError(`"keychain.account" is ${JSON.stringify(account.slice(0, 80))}, not the profile's own name "${name}"`);
  const store = keychain.store;
  if (store !== undefined && store !== 'keychain' && store !== 'file')
    throw new ShapeError('"keychain.store" must be "keychain" or "file"');
  return {
    service: str(keychain, 'service', 'keychain.'),
    account,
    passphrase: bool(keychain, 'passphrase', 'keychain.'),
    ...(store === undefined ? {} : { store }),
  };
}

const CERTIFICATES_ONLY = /^\s*(?:-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/u;

function publicCertificate(pem: string | undefined): string | undefined {
  if (pem !== undefined && !CERTIFICATES_ONLY.test(pem)) {
    throw new ShapeError('"credential.certificatePem" must hold only PEM CERTIFICATE blocks (never a private key)');
  }
  return pem;
}

function credentialType(value: unknown, what: string): CredentialType {
  if (value !== 'secret' && value !== 'certificate') throw new ShapeError(`"${what}" must be "secret" or "certificate"`);
  return value;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
