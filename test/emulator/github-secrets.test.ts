// The emulated GitHub Actions secrets API: public keys, sealed boxes opened with the private key,
// 201 on create and 204 on update, and the refusals GitHub sends (401, 403, 404, 422).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sodium from 'libsodium-wrappers';
import { emulatorFor, http } from './helpers.ts';

const REPO = 'contoso/dataverse-deploy';

async function sealFor(key: string, value: string): Promise<string> {
  await sodium.ready;
  return Buffer.from(sodium.crypto_box_seal(Buffer.from(value), Buffer.from(key, 'base64'))).toString('base64');
}

test('a secret sealed with the repository key arrives and opens; a second PUT updates it', async (t) => {
  const emulator = await emulatorFor(t);
  const { apiUrl, token } = emulator.github;
  const headers = { 'user-agent': 'test' };
  const key = await http(`${apiUrl}/repos/${REPO}/actions/secrets/public-key`, { token, headers });
  assert.equal(key.status, 200);
  assert.match(key.body.key_id, /^\d+$/);
  const put = (value: string) =>
    sealFor(key.body.key, value).then((sealed) =>
      http(`${apiUrl}/repos/${REPO}/actions/secrets/DV_SECRET`, {
        method: 'PUT',
        token,
        headers,
        json: { encrypted_value: sealed, key_id: key.body.key_id },
      }),
    );
  assert.equal((await put('first value')).status, 201);
  assert.equal((await put('second value')).status, 204);
  assert.equal(emulator.github.openSecret(REPO, 'dv_secret'), 'second value');
  assert.deepEqual(emulator.github.secretNames(REPO), ['DV_SECRET']);
});

test('environment secrets have their own key: a value sealed for the repository key is refused there', async (t) => {
  const emulator = await emulatorFor(t);
  const { apiUrl, token } = emulator.github;
  const headers = { 'user-agent': 'test' };
  const repoKey = await http(`${apiUrl}/repos/${REPO}/actions/secrets/public-key`, { token, headers });
  const envKey = await http(`${apiUrl}/repos/${REPO}/environments/production/secrets/public-key`, { token, headers });
  assert.notEqual(envKey.body.key_id, repoKey.body.key_id);
  const url = `${apiUrl}/repos/${REPO}/environments/production/secrets/DV_URL`;
  const wrongKey = await http(url, {
    method: 'PUT',
    token,
    headers,
    json: { encrypted_value: await sealFor(repoKey.body.key, 'x'), key_id: repoKey.body.key_id },
  });
  assert.equal(wrongKey.status, 422);
  const undecryptable = await http(url, {
    method: 'PUT',
    token,
    headers,
    json: { encrypted_value: await sealFor(repoKey.body.key, 'x'), key_id: envKey.body.key_id },
  });
  assert.equal(undecryptable.status, 422);
  const right = await http(url, {
    method: 'PUT',
    token,
    headers,
    json: { encrypted_value: await sealFor(envKey.body.key, 'https://x'), key_id: envKey.body.key_id },
  });
  assert.equal(right.status, 201);
  assert.equal(emulator.github.openSecret(REPO, 'DV_URL', 'production'), 'https://x');
  assert.equal(emulator.github.openSecret(REPO, 'DV_URL'), undefined);
  const noEnvironment = await http(`${apiUrl}/repos/${REPO}/environments/staging/secrets/public-key`, { token, headers });
  assert.equal(noEnvironment.status, 404);
});

test('refusals: no token 401, a wrong one 401, read access 403, no access 404, bad names 422', async (t) => {
  const emulator = await emulatorFor(t);
  const { apiUrl, token } = emulator.github;
  const headers = { 'user-agent': 'test' };
  const keyUrl = `${apiUrl}/repos/${REPO}/actions/secrets/public-key`;
  assert.equal((await http(keyUrl, { headers })).body.message, 'Requires authentication');
  const bad = await http(keyUrl, { token: 'ghp_wrong', headers });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.message, 'Bad credentials');
  emulator.github.setAccess(REPO, 'read');
  const forbidden = await http(keyUrl, { token, headers });
  assert.equal(forbidden.status, 403);
  assert.match(forbidden.body.message, /Resource not accessible/);
  emulator.github.setAccess(REPO, 'none');
  assert.equal((await http(keyUrl, { token, headers })).status, 404);
  emulator.github.setAccess(REPO, 'admin');
  const key = await http(keyUrl, { token, headers });
  for (const name of ['GITHUB_TOKEN', '1ABC', 'A-B']) {
    const sealed = await sealFor(key.body.key, 'v');
    const put = await http(`${apiUrl}/repos/${REPO}/actions/secrets/${name}`, {
      method: 'PUT',
      token,
      headers,
      json: { encrypted_value: sealed, key_id: key.body.key_id },
    });
    assert.equal(put.status, 422, name);
  }
});

test('after GitHub replaces the key, values sealed for the old one are refused', async (t) => {
  const emulator = await emulatorFor(t);
  const { apiUrl, token } = emulator.github;
  const headers = { 'user-agent': 'test' };
  const old = await http(`${apiUrl}/repos/${REPO}/actions/secrets/public-key`, { token, headers });
  emulator.github.rotateKey(REPO);
  const put = await http(`${apiUrl}/repos/${REPO}/actions/secrets/A`, {
    method: 'PUT',
    token,
    headers,
    json: { encrypted_value: await sealFor(old.body.key, 'v'), key_id: old.body.key_id },
  });
  assert.equal(put.status, 422);
});
