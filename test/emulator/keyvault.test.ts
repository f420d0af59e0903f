// The emulated Key Vault, driven by the real @azure/keyvault-secrets and -certificates SDKs (through
// dynauth's Key Vault destination): the 401 challenge first, then versions, exp, tags and PEM import;
// RBAC refusals, a token for the wrong resource, and a vault outside the cloud's suffix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCustomCloud } from '../../src/clouds.ts';
import { mintCertificate } from '../../src/connection/mint.ts';
import type { DeliveryParts, DestinationDeps } from '../../src/destinations/destination.ts';
import { keyVaultDestination } from '../../src/destinations/keyvault.ts';
import { parseDestinationSpec } from '../../src/destinations/spec.ts';
import type { Emulator } from '../../src/emulator/index.ts';
import { createHttp } from '../../src/http/http.ts';
import { systemClock } from '../../src/io/clock.ts';
import { createRedactor } from '../../src/secrets/redact.ts';
import { adminToken, emulatorFor, http } from './helpers.ts';

function depsFor(emulator: Emulator, token: (scope: string) => Promise<string> = (scope) => adminToken(emulator, scope)): DestinationDeps {
  const signal = new AbortController().signal;
  return {
    http: createHttp({ fetch: globalThis.fetch, clock: systemClock, signal }),
    env: {},
    cloud: parseCustomCloud(JSON.stringify(emulator.cloudConfig), 'emulator'),
    redactor: createRedactor(),
    signal,
    adminToken: async () => token,
  };
}

function parts(emulator: Emulator, keyId: string, secret: string): DeliveryParts {
  return {
    profile: 'contoso',
    tenantId: emulator.tenant.id,
    clientId: '11111111-2222-3333-4444-555555555555',
    environmentUrl: 'https://contoso.crm.dynamics.com',
    key: { kind: 'secret', keyId, expiresOn: '2027-06-01T00:00:00.000Z', clientSecret: secret },
    connectionString: `AuthType=ClientSecret;Url=https://contoso.crm.dynamics.com;ClientId=11111111-2222-3333-4444-555555555555;ClientSecret=${secret}`,
  };
}

test('the SDK answers the challenge and sets the secret: value, content type, exp and tags; a second delivery is a new version', async (t) => {
  const emulator = await emulatorFor(t);
  const deps = depsFor(emulator);
  const destination = keyVaultDestination(
    parseDestinationSpec(`keyvault:${emulator.keyVault.url}/dataverse-contoso`, deps.cloud) as never,
    deps,
  );
  const first = await destination.deliver(parts(emulator, 'aaaaaaaa-0000-0000-0000-000000000001', 'first-secret-value-123'));
  assert.equal(first.keyId, 'aaaaaaaa-0000-0000-0000-000000000001');
  const stored = emulator.keyVault.secret('dataverse-contoso')!;
  assert.match(stored.value, /ClientSecret=first-secret-value-123$/);
  assert.equal(stored.contentType, 'application/x-dataverse-connection-string');
  assert.equal(stored.expiresOn?.toISOString(), '2027-06-01T00:00:00.000Z');
  assert.deepEqual(stored.tags, {
    'dynauth-profile': 'contoso',
    'tenant-id': emulator.tenant.id,
    'client-id': '11111111-2222-3333-4444-555555555555',
    'key-id': 'aaaaaaaa-0000-0000-0000-000000000001',
    'environment-url': 'https://contoso.crm.dynamics.com',
  });
  await destination.deliver(parts(emulator, 'aaaaaaaa-0000-0000-0000-000000000002', 'second-secret-value-456'));
  assert.equal(emulator.keyVault.secret('dataverse-contoso')!.versions, 2);
  const puts = emulator.requests.filter((r) => r.service === 'keyvault' && r.method === 'PUT');
  // Each delivery's first PUT carries no token and no body (the SDK withholds it): the 401 challenge, then the real one.
  assert.deepEqual(
    puts.map((r) => [r.status, r.token?.aud]),
    [
      [401, undefined],
      [200, emulator.keyVault.url],
      [401, undefined],
      [200, emulator.keyVault.url],
    ],
  );
  assert.ok(
    puts.every((r) => JSON.stringify(r.body ?? {}).includes('secret-value') === false),
    'the recorded bodies hold no secret',
  );
});

test('a certificate goes in as a Key Vault certificate (PEM import): thumbprint and expiry from the certificate itself', async (t) => {
  const emulator = await emulatorFor(t);
  const deps = depsFor(emulator);
  const { credential } = mintCertificate('contoso', 90, new Date());
  const destination = keyVaultDestination(
    parseDestinationSpec(`keyvault:${emulator.keyVault.url}/dataverse-cert`, deps.cloud) as never,
    deps,
  );
  await destination.deliver({
    ...parts(emulator, credential.keyId, 'unused'),
    key: {
      kind: 'certificate',
      keyId: credential.keyId,
      expiresOn: credential.expiresOn,
      thumbprint: credential.thumbprint,
      pem: `${credential.privateKeyPem}${credential.certificatePem}`,
    },
  });
  const imported = emulator.keyVault.certificate('dataverse-cert')!;
  assert.equal(Buffer.from(imported.x5t, 'base64url').toString('hex').toUpperCase(), credential.thumbprint);
  assert.equal(imported.tags['key-id'], credential.keyId);
  assert.ok(imported.expiresOn && Math.abs(imported.expiresOn.getTime() - Date.parse(credential.expiresOn)) < 86_400_000);
});

test('refusals: no role on the vault is 403 ForbiddenByRbac; a token for another resource is challenged again', async (t) => {
  const emulator = await emulatorFor(t);
  const deps = depsFor(emulator);
  emulator.keyVault.setAccess(emulator.admin.objectId, false);
  const destination = keyVaultDestination(parseDestinationSpec(`keyvault:${emulator.keyVault.url}/x`, deps.cloud) as never, deps);
  await assert.rejects(
    destination.deliver(parts(emulator, 'aaaaaaaa-0000-0000-0000-000000000001', 'secret-value-xyz-1')),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'keyvault-forbidden');
      assert.match(error.message, /403 Forbidden/);
      assert.doesNotMatch(error.message, /secret-value/);
      return true;
    },
  );
  const graphToken = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const wrong = await http(`${emulator.keyVault.url}/secrets/x?api-version=7.5`, {
    method: 'PUT',
    token: graphToken,
    json: { value: 'v' },
  });
  assert.equal(wrong.status, 401);
  assert.match(wrong.headers.get('www-authenticate') ?? '', /resource="https:\/\/127\.0\.0\.1:\d+"/);
  assert.match(wrong.body.error.message, /AKV10022/);
});

test("a vault outside the cloud's Key Vault suffix is refused before any request", async (t) => {
  const emulator = await emulatorFor(t);
  const cloud = parseCustomCloud(JSON.stringify(emulator.cloudConfig), 'emulator');
  assert.throws(() => parseDestinationSpec('keyvault:https://contoso.vault.azure.net/x', cloud), /not a Key Vault of this cloud/);
  const { CLOUDS } = await import('../../src/clouds.ts');
  assert.equal(
    (parseDestinationSpec('keyvault:https://contoso-kv.vault.azure.net/dataverse', CLOUDS.public) as { name: string }).name,
    'dataverse',
  );
  assert.throws(() => parseDestinationSpec('keyvault:https://contoso-kv.vault.azure.cn/dataverse', CLOUDS.public), /not a Key Vault/);
});
