// Azure Key Vault's data plane, the part dynauth's destinations use: set and get secrets (with
// versions, contentType, attributes.exp and tags) and import certificates (PEM).
// learn.microsoft.com/rest/api/keyvault/secrets/set-secret/set-secret,
// learn.microsoft.com/rest/api/keyvault/certificates/import-certificate/import-certificate,
// challenge-based authentication: learn.microsoft.com/azure/key-vault/general/authentication-requests-and-responses
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import type { EmulatorContext } from '../context.ts';
import { asRecord, bearerToken, isInvalidJson, ReplyError, type Reply, type RequestContext } from '../http.ts';
import { latest, newVersion, objectKey, type KeyVaultState, type VaultAttributes, type VaultSecretVersion } from '../keyvault.ts';
import { summarizeToken } from '../tokens.ts';

/** The versions the SDKs in use send (7.x, and the dated ones of @azure/keyvault-secrets 4.10+). */
const API_VERSIONS = new Set(['7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6', '2025-07-01', '2026-04-01']);
/** Object names: 1-127 letters, digits and dashes (learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#objects-identifiers-and-versioning). */
const OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** learn.microsoft.com/azure/key-vault/general/service-limits: a secret value is at most 25 KB; at most 15 tags. */
const MAX_SECRET_BYTES = 25 * 1024;
const MAX_TAGS = 15;
const PEM = 'application/x-pem-file';

export function handleKeyVault(ctx: EmulatorContext, vault: KeyVaultState, audience: string, req: RequestContext): Reply {
  const caller = authenticate(ctx, audience, req);
  const apiVersion = req.query['api-version'];
  if (!apiVersion || !API_VERSIONS.has(apiVersion)) {
    return kvError(
      400,
      'BadParameter',
      `The specified version (${apiVersion ?? ''}) is not recognized. Consider using the latest supported version.`,
    );
  }
  // Azure RBAC for the data plane: a role such as Key Vault Secrets Officer on the vault.
  if (!vault.officers.has(caller.oid.toLowerCase())) {
    return kvError(
      403,
      'Forbidden',
      `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: appid=${caller.appid};oid=${caller.oid}\r\nVault: ${vault.name};location=westeurope\r\n`,
      'ForbiddenByRbac',
    );
  }
  const [collection, rawName = '', rest = ''] = req.path.replace(/^\/+/, '').split('/');
  if (!OBJECT_NAME.test(rawName)) return kvError(400, 'BadParameter', `The request URI contains an invalid name: ${rawName.slice(0, 130)}`);
  const name = rawName;
  if (collection === 'secrets') {
    if (req.method === 'PUT' && rest === '') return setSecret(req, vault, name);
    if (req.method === 'GET' && rest === 'versions') return listVersions(req, vault, name);
    if (req.method === 'GET') return getSecret(req, vault, name, rest);
  }
  if (collection === 'certificates') {
    if (req.method === 'POST' && rest === 'import') return importCertificate(req, vault, name);
    if (req.method === 'GET') return getCertificate(req, vault, name, rest);
  }
  return kvError(404, 'NotFound', 'The requested resource was not found.');
}

/**
 * The SDK's first request carries no token (and no body): the 401 names the authority and the
 * resource to ask a token for. A token for another resource or tenant is refused the same way.
 */
function authenticate(ctx: EmulatorContext, audience: string, req: RequestContext) {
  const challenge = (message: string): never => {
    throw new ReplyError({
      status: 401,
      headers: { 'www-authenticate': `Bearer authorization="${ctx.origins.login}/${ctx.state.tenant.id}", resource="${audience}"` },
      body: { error: { code: 'Unauthorized', message } },
    });
  };
  const token = bearerToken(req.headers);
  if (!token) return challenge('AKV10000: Request is missing a Bearer or PoP token.');
  const check = ctx.signer.verify(token);
  if (!check.ok) return challenge(check.reason === 'expired' ? 'AKV10032: Token expired.' : 'AKV10000: The token is not valid.');
  req.token = summarizeToken(check.claims);
  if (check.claims.aud.replace(/\/+$/, '').toLowerCase() !== audience.toLowerCase()) {
    return challenge(`AKV10022: Invalid audience. Expected ${audience}, found: ${check.claims.aud}.`);
  }
  if (check.claims.tid !== ctx.state.tenant.id) return challenge('AKV10032: Invalid issuer.');
  return check.claims;
}

function setSecret(req: RequestContext, vault: KeyVaultState, name: string): Reply {
  if (isInvalidJson(req.body)) return kvError(400, 'BadParameter', 'The request body is not valid JSON.');
  const body = asRecord(req.body);
  if (typeof body.value !== 'string') return kvError(400, 'BadParameter', 'Property value is required.');
  if (Buffer.byteLength(body.value) > MAX_SECRET_BYTES) return kvError(400, 'BadParameter', 'Secret value is too large.');
  const versions = vault.secrets.get(objectKey(name));
  if (latest(versions)?.managed) {
    return kvError(403, 'Forbidden', `Operation "set" is not allowed on a managed secret: ${name} belongs to a certificate.`);
  }
  const tags = tagsOf(body.tags);
  const attributes = attributesOf(body.attributes);
  const secret: VaultSecretVersion = {
    version: newVersion(),
    value: body.value,
    ...(typeof body.contentType === 'string' ? { contentType: body.contentType } : {}),
    attributes,
    tags,
  };
  vault.secrets.set(objectKey(name), [...(versions ?? []), secret]);
  return { status: 200, body: secretBundle(req, name, secret, true) };
}

function getSecret(req: RequestContext, vault: KeyVaultState, name: string, version: string): Reply {
  const versions = vault.secrets.get(objectKey(name));
  const secret = version ? versions?.find((v) => v.version === version) : latest(versions);
  if (!secret) {
    return kvError(
      404,
      'SecretNotFound',
      `A secret with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault.`,
    );
  }
  return { status: 200, body: secretBundle(req, name, secret, true) };
}

function listVersions(req: RequestContext, vault: KeyVaultState, name: string): Reply {
  const versions = vault.secrets.get(objectKey(name)) ?? [];
  return { status: 200, body: { value: versions.map((v) => secretBundle(req, name, v, false)), nextLink: null } };
}

function importCertificate(req: RequestContext, vault: KeyVaultState, name: string): Reply {
  if (isInvalidJson(req.body)) return kvError(400, 'BadParameter', 'The request body is not valid JSON.');
  const body = asRecord(req.body);
  const policy = asRecord(body.policy);
  const contentType = asRecord(policy.secret_props).contentType;
  if (typeof body.value !== 'string') return kvError(400, 'BadParameter', 'Property value is required.');
  // Without the PEM content type the value is read as a base64 PFX; the emulator knows PEM only, so that is refused.
  if (contentType !== PEM) return kvError(400, 'BadParameter', 'The specified PKCS#12 X.509 certificate content can not be read.');
  const parsed = parsePem(body.value);
  if (!parsed) return kvError(400, 'BadParameter', 'The specified PEM X.509 certificate content is in an unexpected format.');
  if (vault.secrets.get(objectKey(name))?.some((v) => !v.managed)) {
    return kvError(409, 'Conflict', `There is already a secret named ${name} in this vault; a certificate cannot take its name.`);
  }
  const now = Math.floor(Date.now() / 1000);
  const validity = {
    nbf: Math.floor(Date.parse(parsed.certificate.validFrom) / 1000),
    exp: Math.floor(Date.parse(parsed.certificate.validTo) / 1000),
  };
  const enabled = asRecord(body.attributes).enabled !== false;
  const attributes: VaultAttributes = { enabled, ...validity, created: now, updated: now };
  const tags = tagsOf(body.tags);
  const version = newVersion();
  const der = parsed.certificate.raw;
  const certificate = {
    version,
    cer: der.toString('base64'),
    x5t: createHash('sha1').update(der).digest('base64url'),
    contentType: PEM,
    attributes,
    tags,
  };
  vault.certificates.set(objectKey(name), [...(vault.certificates.get(objectKey(name)) ?? []), certificate]);
  // The certificate's addressable secret (sid) holds the key and certificate, managed by Key Vault.
  const managed: VaultSecretVersion = { version, value: body.value, contentType: PEM, attributes, tags, managed: true };
  vault.secrets.set(objectKey(name), [...(vault.secrets.get(objectKey(name)) ?? []), managed]);
  return { status: 200, body: certificateBundle(req, name, certificate, parsed.certificate.subject) };
}

function getCertificate(req: RequestContext, vault: KeyVaultState, name: string, version: string): Reply {
  const versions = vault.certificates.get(objectKey(name));
  const certificate = version ? versions?.find((v) => v.version === version) : latest(versions);
  if (!certificate) return kvError(404, 'CertificateNotFound', `A certificate with (name/id) ${name} was not found in this key vault.`);
  const subject = new X509Certificate(Buffer.from(certificate.cer, 'base64')).subject;
  return { status: 200, body: certificateBundle(req, name, certificate, subject) };
}

/** The PEM must hold one private key matching the first certificate (Key Vault refuses a key that does not belong). */
function parsePem(text: string): { certificate: X509Certificate } | undefined {
  const keyBlock = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(text)?.[0];
  const certBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
  if (!keyBlock || !certBlock) return undefined;
  try {
    const certificate = new X509Certificate(certBlock);
    if (!certificate.checkPrivateKey(createPrivateKey(keyBlock))) return undefined;
    return { certificate };
  } catch {
    return undefined;
  }
}

function tagsOf(value: unknown): Record<string, string> {
  const tags = asRecord(value);
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw new ReplyError(kvError(400, 'BadParameter', `At most ${MAX_TAGS} tags are allowed.`));
  for (const [key, tag] of entries) {
    if (typeof tag !== 'string' || key.length > 512 || tag.length > 256) {
      throw new ReplyError(kvError(400, 'BadParameter', 'Tag names are at most 512 characters and tag values at most 256 characters.'));
    }
  }
  return tags as Record<string, string>;
}

function attributesOf(value: unknown): VaultAttributes {
  const given = asRecord(value);
  const now = Math.floor(Date.now() / 1000);
  const seconds = (field: 'nbf' | 'exp') => {
    const v = given[field];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new ReplyError(kvError(400, 'BadParameter', `attributes.${field} must be Unix seconds.`));
    return { [field]: v };
  };
  return { enabled: given.enabled !== false, ...seconds('nbf'), ...seconds('exp'), created: now, updated: now };
}

function wireAttributes(attributes: VaultAttributes) {
  return { ...attributes, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 };
}

function secretBundle(req: RequestContext, name: string, secret: VaultSecretVersion, withValue: boolean) {
  const base = `${req.origin}/secrets/${name}/${secret.version}`;
  return {
    ...(withValue ? { value: secret.value } : {}),
    id: base,
    ...(secret.contentType ? { contentType: secret.contentType } : {}),
    attributes: wireAttributes(secret.attributes),
    tags: secret.tags,
    ...(secret.managed ? { managed: true, kid: `${req.origin}/keys/${name}/${secret.version}` } : {}),
  };
}

function certificateBundle(
  req: RequestContext,
  name: string,
  certificate: {
    version: string;
    cer: string;
    x5t: string;
    contentType: string;
    attributes: VaultAttributes;
    tags: Record<string, string>;
  },
  subject: string,
) {
  return {
    id: `${req.origin}/certificates/${name}/${certificate.version}`,
    kid: `${req.origin}/keys/${name}/${certificate.version}`,
    sid: `${req.origin}/secrets/${name}/${certificate.version}`,
    x5t: certificate.x5t,
    cer: certificate.cer,
    attributes: wireAttributes(certificate.attributes),
    tags: certificate.tags,
    policy: {
      id: `${req.origin}/certificates/${name}/policy`,
      key_props: { exportable: true, kty: 'RSA', key_size: 2048, reuse_key: false },
      secret_props: { contentType: certificate.contentType },
      x509_props: { subject: subject.replace(/\n/g, ', '), key_usage: ['digitalSignature', 'keyEncipherment'] },
      issuer: { name: 'Unknown' },
      attributes: { enabled: true, created: certificate.attributes.created, updated: certificate.attributes.updated },
    },
  };
}

function kvError(status: number, code: string, message: string, inner?: string): Reply {
  return { status, body: { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } } };
}
