import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential } from '@azure/identity';
import { createSelfSignedCertificate } from '../../src/crypto/x509.ts';
import { adminToken, appToken, decodeClaims, emulatorFor, http, NO_REPLICATION_LAG, tokenUrl } from './helpers.ts';
import type { Emulator } from '../../src/emulator/index.ts';

// Tests here that create objects and use them at once switch replication lag off (NO_REPLICATION_LAG):
// they are about other behaviour; test/emulator/replication.test.ts covers the lag.

const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

function identityOptions(emulator: Emulator) {
  return { authorityHost: emulator.cloudConfig.authorityHost, disableInstanceDiscovery: true };
}

/** Creates an app with a service principal through Graph as the admin; returns ids. */
async function createApp(emulator: Emulator, name: string): Promise<{ id: string; appId: string; graphToken: string }> {
  const graphToken = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const app = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/applications`, {
    token: graphToken,
    json: { displayName: name, signInAudience: 'AzureADMyOrg' },
  });
  assert.equal(app.status, 201);
  const sp = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/servicePrincipals`, {
    token: graphToken,
    json: { appId: app.body.appId },
  });
  assert.equal(sp.status, 201);
  return { id: app.body.id, appId: app.body.appId, graphToken };
}

async function addSecret(emulator: Emulator, graphToken: string, objectId: string): Promise<{ keyId: string; secretText: string }> {
  const res = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/applications/${objectId}/addPassword`, {
    token: graphToken,
    json: { passwordCredential: { displayName: 'test' } },
  });
  assert.equal(res.status, 200);
  return res.body;
}

/** The OAuth error body Entra answers a refused token request with. */
interface AadErrorBody {
  error: string;
  error_codes: number[];
  error_description: string;
  trace_id: string;
  correlation_id: string;
  timestamp: string;
}

function expectAadError(res: { status: number; body: AadErrorBody }, status: number, error: string, code: number): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.deepEqual(res.body.error_codes, [code]);
  assert.match(res.body.error_description, new RegExp(`^AADSTS${code}: `));
  assert.match(res.body.trace_id, /^[0-9a-f-]{36}$/);
  assert.match(res.body.correlation_id, /^[0-9a-f-]{36}$/);
  assert.match(res.body.timestamp, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
}

test('OpenID metadata follows the {tenant} conventions and keys verify issued tokens', async (t) => {
  const emulator = await emulatorFor(t);
  const host = emulator.cloudConfig.authorityHost;
  const byId = await http(`${host}/${emulator.tenant.id}/v2.0/.well-known/openid-configuration`);
  assert.equal(byId.status, 200);
  assert.equal(byId.body.issuer, `${host}/${emulator.tenant.id}/v2.0`);
  assert.equal(byId.body.token_endpoint, `${host}/${emulator.tenant.id}/oauth2/v2.0/token`);
  assert.equal(byId.body.device_authorization_endpoint, `${host}/${emulator.tenant.id}/oauth2/v2.0/devicecode`);
  const common = await http(`${host}/common/v2.0/.well-known/openid-configuration`);
  assert.equal(common.body.issuer, `${host}/{tenantid}/v2.0`);
  assert.equal(common.body.authorization_endpoint, `${host}/common/oauth2/v2.0/authorize`);
  const unknown = await http(`${host}/nowhere.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
  expectAadError(unknown, 400, 'invalid_tenant', 90002);
  const keys = await http(byId.body.jwks_uri);
  assert.equal(keys.body.keys.length, 1);
  const token = await appToken(emulator, emulator.automation.clientId, emulator.automation.clientSecret, emulator.cloudConfig.graphScope);
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
  assert.equal(header.kid, keys.body.keys[0].kid);
  const { createPublicKey, verify } = await import('node:crypto');
  const [h, p, s] = token.split('.');
  assert.ok(
    verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: keys.body.keys[0], format: 'jwk' }), Buffer.from(s!, 'base64url')),
  );
});

test('ClientSecretCredential gets app-only tokens for Graph, BAP and Dataverse', async (t) => {
  const emulator = await emulatorFor(t);
  const credential = new ClientSecretCredential(
    emulator.tenant.id,
    emulator.automation.clientId,
    emulator.automation.clientSecret,
    identityOptions(emulator),
  );
  const graph = await credential.getToken(emulator.cloudConfig.graphScope);
  const claims = decodeClaims(graph.token);
  assert.equal(claims.aud, emulator.cloudConfig.graphEndpoint);
  assert.equal(claims.appid, emulator.automation.clientId);
  assert.equal(claims.azp, emulator.automation.clientId);
  assert.equal(claims.tid, emulator.tenant.id);
  assert.equal(claims.iss, `${emulator.cloudConfig.authorityHost}/${emulator.tenant.id}/v2.0`);
  assert.equal(claims.idtyp, 'app');
  assert.equal(claims.scp, undefined);
  assert.ok(claims.roles?.includes('Application.ReadWrite.All'));
  assert.ok(claims.exp > claims.iat && claims.nbf <= claims.iat);
  const env = emulator.environments.find((e) => e.uniqueName === 'contosodev')!;
  const dataverse = decodeClaims((await credential.getToken(`${env.url}/.default`)).token);
  assert.equal(dataverse.aud, env.url);
  assert.equal(dataverse.roles, undefined);
  // The domain works as the tenant too.
  const byDomain = new ClientSecretCredential(
    emulator.tenant.domain,
    emulator.automation.clientId,
    emulator.automation.clientSecret,
    identityOptions(emulator),
  );
  assert.equal(
    decodeClaims((await byDomain.getToken(emulator.cloudConfig.powerPlatformScope)).token).aud,
    emulator.cloudConfig.powerPlatformEndpoint,
  );
  const tokenRequest = emulator.requests.find((r) => r.service === 'login' && r.method === 'POST');
  assert.ok(tokenRequest, 'the token request is recorded');
  assert.equal((tokenRequest.body as Record<string, string>).client_secret, '[redacted]');
});

test('ClientCertificateCredential works once the certificate is uploaded by PATCH keyCredentials; another certificate gets 700027', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const { id, appId, graphToken } = await createApp(emulator, 'cert app');
  const cert = createSelfSignedCertificate({ commonName: 'cert app', validDays: 30 });
  const patch = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/applications/${id}`, {
    method: 'PATCH',
    token: graphToken,
    json: {
      keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.certDer.toString('base64'), displayName: 'CN=cert app' }],
    },
  });
  assert.equal(patch.status, 204);
  const stored = emulator.state.applications.find((a) => a.appId === appId)!;
  assert.equal(stored.keyCredentials.length, 1);
  assert.equal(stored.keyCredentials[0]!.endDateTime, cert.notAfter.toISOString().replace('.000', ''));

  // @azure/identity sends x5t#S256 with PS256 (sha256 thumbprint available).
  const credential = new ClientCertificateCredential(
    emulator.tenant.id,
    appId,
    { certificate: cert.certPem + cert.keyPem },
    identityOptions(emulator),
  );
  const token = await credential.getToken(emulator.cloudConfig.graphScope);
  assert.equal(decodeClaims(token.token).appid, appId);

  const other = createSelfSignedCertificate({ commonName: 'impostor', validDays: 30 });
  const wrong = new ClientCertificateCredential(
    emulator.tenant.id,
    appId,
    { certificate: other.certPem + other.keyPem },
    identityOptions(emulator),
  );
  await assert.rejects(wrong.getToken(emulator.cloudConfig.graphScope), /AADSTS700027/);
  const failed = emulator.requests.filter((r) => r.service === 'login' && r.method === 'POST').at(-1)!;
  assert.equal(failed.status, 401);
});

test('certificate assertion with RS256 and x5t (SHA-1) is verified, and a forged signature is 700027', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const { id, appId, graphToken } = await createApp(emulator, 'rs256 app');
  const cert = createSelfSignedCertificate({ commonName: 'rs256', validDays: 30 });
  await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/applications/${id}`, {
    method: 'PATCH',
    token: graphToken,
    json: { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.certDer.toString('base64') }] },
  });
  const { sign } = await import('node:crypto');
  const now = Math.floor(Date.now() / 1000);
  const assertion = (key: string, aud = tokenUrl(emulator)): string => {
    const header = Buffer.from(
      JSON.stringify({ alg: 'RS256', typ: 'JWT', x5t: Buffer.from(cert.thumbprint, 'hex').toString('base64url') }),
    ).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ aud, iss: appId, sub: appId, jti: randomBytes(8).toString('hex'), nbf: now, exp: now + 600 }),
    ).toString('base64url');
    return `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), key).toString('base64url')}`;
  };
  const form = (a: string) => ({
    grant_type: 'client_credentials',
    client_id: appId,
    scope: emulator.cloudConfig.graphScope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: a,
  });
  assert.equal((await http(tokenUrl(emulator), { form: form(assertion(cert.keyPem)) })).status, 200);
  const forged = await http(tokenUrl(emulator), {
    form: form(assertion(createSelfSignedCertificate({ commonName: 'x', validDays: 1 }).keyPem)),
  });
  expectAadError(forged, 401, 'invalid_client', 700027);
  assert.match(forged.body.error_description, /did not match the expected signature/);
  const wrongAudience = await http(tokenUrl(emulator), {
    form: form(assertion(cert.keyPem, 'https://login.microsoftonline.com/x/oauth2/v2.0/token')),
  });
  expectAadError(wrongAudience, 401, 'invalid_client', 700027);
});

test('token endpoint errors: 7000215, 7000222, 700016, 90002, 500011, 7000112, 7000229', async (t) => {
  const emulator = await emulatorFor(t, {
    replicationLag: NO_REPLICATION_LAG,
    seed: {
      applications: [
        {
          displayName: 'Expired secret app',
          secret: { value: 'old-secret-value', startDateTime: '2023-01-01T00:00:00Z', endDateTime: '2024-01-01T00:00:00Z' },
        },
        { displayName: 'Disabled app', disabled: true, secret: { value: 'disabled-secret' } },
      ],
    },
  });
  const scope = emulator.cloudConfig.graphScope;
  const cc = (clientId: string, secret: string, s = scope, tenant = emulator.tenant.id) =>
    http(tokenUrl(emulator, tenant), { form: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: s } });

  const wrong = await cc(emulator.automation.clientId, 'not-the-secret');
  expectAadError(wrong, 401, 'invalid_client', 7000215);
  assert.match(wrong.body.error_description, /client secret value, not the client secret ID/);

  const { id, appId, graphToken } = await createApp(emulator, 'secret id mixup');
  const secret = await addSecret(emulator, graphToken, id);
  expectAadError(await cc(appId, secret.keyId), 401, 'invalid_client', 7000215);
  assert.equal((await cc(appId, secret.secretText)).status, 200);

  const expired = emulator.state.applications.find((a) => a.displayName === 'Expired secret app')!;
  expectAadError(await cc(expired.appId, 'old-secret-value'), 401, 'invalid_client', 7000222);

  const unknownApp = await cc('11111111-2222-3333-4444-555555555555', 'x');
  expectAadError(unknownApp, 400, 'unauthorized_client', 700016);
  assert.match(unknownApp.body.error_description, /was not found in the directory 'Contoso \(dynauth sandbox\)'/);

  expectAadError(
    await cc(emulator.automation.clientId, emulator.automation.clientSecret, scope, 'fabrikam.onmicrosoft.com'),
    400,
    'invalid_tenant',
    90002,
  );

  const badResource = await cc(
    emulator.automation.clientId,
    emulator.automation.clientSecret,
    'https://contoso.crm4.dynamics.com/.default',
  );
  expectAadError(badResource, 400, 'invalid_resource', 500011);
  assert.match(badResource.body.error_description, /resource principal named https:\/\/contoso\.crm4\.dynamics\.com was not found/);

  const disabled = emulator.state.applications.find((a) => a.displayName === 'Disabled app')!;
  expectAadError(await cc(disabled.appId, 'disabled-secret'), 400, 'unauthorized_client', 7000112);

  const bare = await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/applications`, {
    token: graphToken,
    json: { displayName: 'no sp', signInAudience: 'AzureADMyOrg' },
  });
  const bareSecret = await addSecret(emulator, graphToken, bare.body.id);
  expectAadError(await cc(bare.body.appId, bareSecret.secretText), 401, 'invalid_client', 7000229);

  const notDefault = await cc(
    emulator.automation.clientId,
    emulator.automation.clientSecret,
    `${emulator.cloudConfig.graphEndpoint}/User.Read`,
  );
  expectAadError(notDefault, 400, 'invalid_scope', 1002012);
});

test('ClientSecretCredential surfaces AADSTS7000215 for a wrong secret', async (t) => {
  const emulator = await emulatorFor(t);
  const credential = new ClientSecretCredential(emulator.tenant.id, emulator.automation.clientId, 'wrong', identityOptions(emulator));
  await assert.rejects(credential.getToken(emulator.cloudConfig.graphScope), /AADSTS7000215/);
});

test('DeviceCodeCredential gets a delegated admin token, auto-approved', async (t) => {
  const emulator = await emulatorFor(t);
  let prompt = '';
  const credential = new DeviceCodeCredential({
    tenantId: emulator.tenant.domain,
    ...identityOptions(emulator),
    userPromptCallback: (info) => {
      prompt = info.message;
    },
  });
  const token = await credential.getToken(emulator.cloudConfig.graphScope);
  const claims = decodeClaims(token.token);
  assert.match(prompt, /enter the code [A-Z0-9]{9}/);
  assert.equal(claims.appid, AZURE_CLI);
  assert.equal(claims.oid, emulator.admin.objectId);
  assert.equal(claims.idtyp, 'user');
  assert.equal(claims.upn, emulator.admin.userPrincipalName);
  assert.equal(claims.scp, 'Application.ReadWrite.All DelegatedPermissionGrant.ReadWrite.All User.Read');
  const env = emulator.environments.find((e) => e.uniqueName === 'contososales')!;
  const dataverse = decodeClaims((await credential.getToken(`${env.url}/.default`)).token);
  assert.equal(dataverse.aud, env.url);
  assert.equal(dataverse.scp, 'user_impersonation');
});

test('authorization code with PKCE: redirect with code and state, verifier checked, refresh token renews', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const { id, appId, graphToken } = await createApp(emulator, 'pkce app');
  await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/applications/${id}`, {
    method: 'PATCH',
    token: graphToken,
    json: { publicClient: { redirectUris: ['http://localhost'] }, isFallbackPublicClient: true },
  });
  const env = emulator.environments.find((e) => e.uniqueName === 'contosodev')!;
  const base = `${emulator.cloudConfig.authorityHost}/${emulator.tenant.id}/oauth2/v2.0`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = (redirect: string) =>
    http(
      `${base}/authorize?${new URLSearchParams({
        client_id: appId,
        response_type: 'code',
        redirect_uri: redirect,
        scope: `${env.url}/user_impersonation offline_access openid`,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'xyz',
      })}`,
    );
  const mismatch = await authorize('https://evil.example/callback');
  expectAadError(mismatch, 400, 'invalid_request', 50011);
  const redirect = await authorize('http://localhost:53117');
  assert.equal(redirect.status, 302);
  const location = new URL(redirect.headers.get('location')!);
  assert.equal(location.origin, 'http://localhost:53117');
  assert.equal(location.searchParams.get('state'), 'xyz');
  const code = location.searchParams.get('code')!;
  const redeem = (v: string) =>
    http(`${base}/token`, {
      form: { grant_type: 'authorization_code', client_id: appId, code, redirect_uri: 'http://localhost:53117', code_verifier: v },
    });
  expectAadError(await redeem('wrong-verifier'), 400, 'invalid_grant', 501481);

  // Without admin consent to user_impersonation the token request is refused.
  const noConsent = await redeem(verifier);
  expectAadError(noConsent, 400, 'invalid_grant', 65001);

  const grantsBase = `${emulator.cloudConfig.graphEndpoint}/v1.0`;
  const crm = await http(`${grantsBase}/servicePrincipals?$filter=appId eq '00000007-0000-0000-c000-000000000000'`, { token: graphToken });
  const client = await http(`${grantsBase}/servicePrincipals?$filter=appId eq '${appId}'`, { token: graphToken });
  const grant = await http(`${grantsBase}/oauth2PermissionGrants`, {
    token: graphToken,
    json: {
      clientId: client.body.value[0].id,
      consentType: 'AllPrincipals',
      resourceId: crm.body.value[0].id,
      scope: 'user_impersonation',
    },
  });
  assert.equal(grant.status, 201);
  // A fresh code (the previous one was not redeemed, but use a new one as a client would).
  const again = new URL((await authorize('http://localhost:53117')).headers.get('location')!).searchParams.get('code')!;
  const ok = await http(`${base}/token`, {
    form: {
      grant_type: 'authorization_code',
      client_id: appId,
      code: again,
      redirect_uri: 'http://localhost:53117',
      code_verifier: verifier,
    },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(decodeClaims(ok.body.access_token).scp, 'user_impersonation');
  assert.equal(decodeClaims(ok.body.access_token).aud, env.url);
  assert.ok(ok.body.refresh_token);
  assert.ok(ok.body.id_token);
  assert.deepEqual(JSON.parse(Buffer.from(ok.body.client_info, 'base64url').toString()), {
    uid: emulator.integration.objectId,
    utid: emulator.tenant.id,
  });
  const reuse = await http(`${base}/token`, {
    form: {
      grant_type: 'authorization_code',
      client_id: appId,
      code: again,
      redirect_uri: 'http://localhost:53117',
      code_verifier: verifier,
    },
  });
  expectAadError(reuse, 400, 'invalid_grant', 54005);
  const refreshed = await http(`${base}/token`, {
    form: {
      grant_type: 'refresh_token',
      client_id: appId,
      refresh_token: ok.body.refresh_token,
      scope: `${env.url}/.default offline_access`,
    },
  });
  assert.equal(refreshed.status, 200, refreshed.text);
  assert.equal(decodeClaims(refreshed.body.access_token).oid, emulator.integration.objectId);
});

test('v1 authorize: resource instead of scopes, the redirect URI checked; its code is not redeemed at the v2 token endpoint', async (t) => {
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG });
  const { id, appId, graphToken } = await createApp(emulator, 'v1 app');
  await http(`${emulator.cloudConfig.graphEndpoint}/v1.0/applications/${id}`, {
    method: 'PATCH',
    token: graphToken,
    json: { web: { redirectUris: ['http://localhost'] } },
  });
  const env = emulator.environments.find((e) => e.uniqueName === 'contososales')!;
  const authority = `${emulator.cloudConfig.authorityHost}/${emulator.tenant.id}`;
  const authorize = (query: Record<string, string>) =>
    http(`${authority}/oauth2/authorize?${new URLSearchParams({ client_id: appId, response_type: 'code', state: 's1', ...query })}`);
  const ok = await authorize({ redirect_uri: 'http://localhost:8400', resource: env.url! });
  assert.equal(ok.status, 302);
  const location = new URL(ok.headers.get('location')!);
  assert.equal(location.origin, 'http://localhost:8400');
  assert.equal(location.searchParams.get('state'), 's1');
  const code = location.searchParams.get('code')!;
  assert.ok(code);
  const noResource = new URL((await authorize({ redirect_uri: 'http://localhost:8400' })).headers.get('location')!);
  assert.equal(noResource.searchParams.get('error'), 'invalid_request');
  assert.match(noResource.searchParams.get('error_description')!, /resource/);
  expectAadError(await authorize({ redirect_uri: 'https://elsewhere.example/cb', resource: env.url! }), 400, 'invalid_request', 50011);
  const atV2 = await http(`${authority}/oauth2/v2.0/token`, {
    form: { grant_type: 'authorization_code', client_id: appId, code, redirect_uri: 'http://localhost:8400' },
  });
  expectAadError(atV2, 400, 'invalid_grant', 9002313);
});
