import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientAssertionCredential } from '@azure/identity';
import { parseFaultSpec, type Emulator } from '../../src/emulator/index.ts';
import { adminToken, decodeClaims, emulatorFor, http, NO_REPLICATION_LAG, tokenUrl } from './helpers.ts';

// Workload identity federation: federated identity credentials on an app (Graph), the emulated
// external issuer, and the token endpoint's client_assertion path with Entra's errors.

const GITHUB = 'https://token.actions.githubusercontent.com';
const SUBJECT = 'repo:contoso/dataverse-solutions:environment:production';
const AUDIENCE = 'api://AzureADTokenExchange';

interface Made {
  emulator: Emulator;
  graph: string;
  token: string;
  app: { id: string; appId: string };
  credentials: string;
}

async function appWithServicePrincipal(emulator: Emulator): Promise<Made> {
  const graph = `${emulator.cloudConfig.graphEndpoint}/v1.0`;
  const token = await adminToken(emulator, emulator.cloudConfig.graphScope);
  const app = await http(`${graph}/applications`, { token, json: { displayName: 'Pipeline', signInAudience: 'AzureADMyOrg' } });
  assert.equal(app.status, 201, app.text);
  const sp = await http(`${graph}/servicePrincipals`, { token, json: { appId: app.body.appId } });
  assert.equal(sp.status, 201, sp.text);
  return { emulator, graph, token, app: app.body, credentials: `${graph}/applications/${app.body.id}/federatedIdentityCredentials` };
}

async function addCredential(made: Made, name: string, subject: string, issuer = GITHUB) {
  return http(made.credentials, { token: made.token, json: { name, issuer, subject, audiences: [AUDIENCE] } });
}

async function exchange(made: Made, assertion: string) {
  const dataverse = made.emulator.environments.find((e) => e.url)!.url!;
  return http(tokenUrl(made.emulator), {
    form: {
      grant_type: 'client_credentials',
      client_id: made.app.appId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: `${dataverse}/.default`,
    },
  });
}

test('federated identity credentials: create, list, filter, get by id and by name, update, delete', async (t) => {
  const made = await appWithServicePrincipal(await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG }));
  const created = await addCredential(made, 'github-production', SUBJECT);
  assert.equal(created.status, 201, created.text);
  assert.equal(
    created.body['@odata.context'],
    `${made.graph}/$metadata#applications('${made.app.id}')/federatedIdentityCredentials/$entity`,
  );
  assert.deepEqual(
    { name: created.body.name, issuer: created.body.issuer, subject: created.body.subject, audiences: created.body.audiences },
    { name: 'github-production', issuer: GITHUB, subject: SUBJECT, audiences: [AUDIENCE] },
  );
  await addCredential(made, 'github-main', 'repo:contoso/dataverse-solutions:ref:refs/heads/main');

  const listed = await http(made.credentials, { token: made.token });
  assert.deepEqual(
    listed.body.value.map((c: { name: string }) => c.name),
    ['github-production', 'github-main'],
  );
  const filtered = await http(`${made.credentials}?$filter=${encodeURIComponent(`subject eq '${SUBJECT}'`)}`, { token: made.token });
  assert.deepEqual(
    filtered.body.value.map((c: { id: string }) => c.id),
    [created.body.id],
  );
  assert.equal((await http(`${made.credentials}/${created.body.id}`, { token: made.token })).body.name, 'github-production');
  assert.equal(
    (await http(`${made.credentials}(name='github-main')`, { token: made.token })).body.subject,
    'repo:contoso/dataverse-solutions:ref:refs/heads/main',
  );

  const renamed = await http(`${made.credentials}/${created.body.id}`, { method: 'PATCH', token: made.token, json: { name: 'other' } });
  assert.equal(renamed.status, 400, 'the name is immutable');
  const patched = await http(`${made.credentials}/${created.body.id}`, {
    method: 'PATCH',
    token: made.token,
    json: { subject: 'repo:contoso/dataverse-solutions:environment:staging' },
  });
  assert.equal(patched.status, 204);
  assert.equal(
    made.emulator.state.applications.find((a) => a.id === made.app.id)!.federatedIdentityCredentials![0]!.subject,
    'repo:contoso/dataverse-solutions:environment:staging',
  );

  assert.equal((await http(`${made.credentials}/${created.body.id}`, { method: 'DELETE', token: made.token })).status, 204);
  const gone = await http(`${made.credentials}/${created.body.id}`, { token: made.token });
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.code, 'Request_ResourceNotFound');
});

test('federated identity credentials: Graph refuses a duplicate name or issuer and subject, a bad audience, missing fields, and a 21st', async (t) => {
  const made = await appWithServicePrincipal(await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG }));
  assert.equal((await addCredential(made, 'first', SUBJECT)).status, 201);
  const sameName = await addCredential(made, 'first', 'repo:contoso/other:pull_request');
  assert.equal(sameName.status, 409);
  const samePair = await addCredential(made, 'second', SUBJECT);
  assert.equal(samePair.status, 409);
  assert.match(samePair.body.error.message, /same issuer and subject/);
  const twoAudiences = await http(made.credentials, {
    token: made.token,
    json: { name: 'two', issuer: GITHUB, subject: 'repo:a/b:pull_request', audiences: [AUDIENCE, 'api://other'] },
  });
  assert.equal(twoAudiences.status, 400);
  assert.match(twoAudiences.body.error.message, /'audiences'/);
  const noSubject = await http(made.credentials, { token: made.token, json: { name: 'nosub', issuer: GITHUB, audiences: [AUDIENCE] } });
  assert.equal(noSubject.status, 400);
  assert.match(noSubject.body.error.message, /'subject'/);
  for (let i = 2; i <= 20; i++) assert.equal((await addCredential(made, `env-${i}`, `repo:contoso/app:environment:e${i}`)).status, 201);
  const overLimit = await addCredential(made, 'env-21', 'repo:contoso/app:environment:e21');
  assert.equal(overLimit.status, 400);
  assert.match(overLimit.body.error.message, /maximum number of federated identity credentials \(20\)/);
});

test('the emulated issuer publishes a discovery document and keys, GitHub Actions-like', async (t) => {
  const emulator = await emulatorFor(t);
  const discovery = await http(`${emulator.oidc.origin}/.well-known/openid-configuration`);
  assert.equal(discovery.body.issuer, GITHUB);
  assert.equal(discovery.body.jwks_uri, `${emulator.oidc.origin}/.well-known/jwks`);
  const keys = await http(discovery.body.jwks_uri);
  const token = emulator.oidc.mint({ subject: SUBJECT });
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
  assert.deepEqual(
    keys.body.keys.map((k: { kid: string }) => k.kid),
    [header.kid],
  );
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
  assert.equal(claims.iss, GITHUB);
  assert.equal(claims.sub, SUBJECT);
  assert.equal(claims.aud, AUDIENCE);
  assert.ok(claims.exp > claims.iat);
});

test('a token from the trusted issuer with the registered subject signs the app in, through @azure/identity too', async (t) => {
  const made = await appWithServicePrincipal(await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG }));
  await addCredential(made, 'github-production', SUBJECT);
  const answer = await exchange(made, made.emulator.oidc.mint({ subject: SUBJECT }));
  assert.equal(answer.status, 200, answer.text);
  assert.equal(decodeClaims(answer.body.access_token).appid, made.app.appId);
  assert.equal(answer.body.refresh_token, undefined);

  const credential = new ClientAssertionCredential(
    made.emulator.tenant.id,
    made.app.appId,
    async () => made.emulator.oidc.mint({ subject: SUBJECT }),
    {
      authorityHost: made.emulator.cloudConfig.authorityHost,
      disableInstanceDiscovery: true,
    },
  );
  const token = await credential.getToken(made.emulator.cloudConfig.graphScope);
  assert.equal(decodeClaims(token.token).appid, made.app.appId);
  const recorded = made.emulator.requests
    .filter((r) => r.service === 'login' && r.path.endsWith('/token'))
    .map((r) => r.body as Record<string, string>)
    .filter((body) => body['client_id'] === made.app.appId);
  assert.equal(recorded.length, 2);
  assert.ok(recorded.every((body) => body['client_assertion'] === '[redacted]'));
});

test('Entra refuses a token that matches no federated credential, with the documented AADSTS codes', async (t) => {
  const made = await appWithServicePrincipal(await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG }));
  await addCredential(made, 'github-production', SUBJECT);
  const refused = async (assertion: string) => {
    const answer = await exchange(made, assertion);
    assert.equal(answer.status, 401, answer.text);
    assert.equal(answer.body.error, 'invalid_client');
    return { code: answer.body.error_codes[0] as number, text: answer.body.error_description as string };
  };
  const wrongSubject = await refused(made.emulator.oidc.mint({ subject: 'repo:contoso/dataverse-solutions:ref:refs/heads/main' }));
  assert.equal(wrongSubject.code, 700213);
  assert.match(wrongSubject.text, /presented assertion subject 'repo:contoso\/dataverse-solutions:ref:refs\/heads\/main'/);
  const otherCase = await refused(made.emulator.oidc.mint({ subject: SUBJECT.replace('contoso', 'Contoso') }));
  assert.equal(otherCase.code, 7002138);
  const wrongIssuer = await refused(made.emulator.oidc.mint({ subject: SUBJECT, issuer: 'https://oidc.example.net' }));
  assert.equal(wrongIssuer.code, 700211);
  assert.match(wrongIssuer.text, /assertion issuer 'https:\/\/oidc.example.net'/);
  const wrongAudience = await refused(made.emulator.oidc.mint({ subject: SUBJECT, audience: 'api://other' }));
  assert.equal(wrongAudience.code, 700212);
  const expired = await refused(made.emulator.oidc.mint({ subject: SUBJECT, expiresInSeconds: -120 }));
  assert.equal(expired.code, 700024);
  assert.match(expired.text, /not within its valid time range/);
  // The right claims signed by another key (a forged token) are refused too.
  const genuine = made.emulator.oidc.mint({ subject: SUBJECT });
  const [header, payload] = genuine.split('.');
  const forged = await refused(`${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`);
  assert.equal(forged.code, 700027);
});

test('a new federated credential is not matched at sign-in until it replicates (lag:fic= in the fault syntax)', async (t) => {
  assert.deepEqual(parseFaultSpec('lag:fic=10m'), { kind: 'replication-lag', lag: { federatedCredentialMs: 600_000 } });
  const emulator = await emulatorFor(t, { replicationLag: NO_REPLICATION_LAG, faults: [parseFaultSpec('lag:fic=10m')] });
  const made = await appWithServicePrincipal(emulator);
  assert.equal((await addCredential(made, 'github-production', SUBJECT)).status, 201);
  const answer = await exchange(made, emulator.oidc.mint({ subject: SUBJECT }));
  assert.equal(answer.status, 401);
  assert.equal(answer.body.error_codes[0], 700211);
});
