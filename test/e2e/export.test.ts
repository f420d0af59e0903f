import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { startSandbox } from '../support/sandbox.ts';

test('export prints exactly the stored connection string on stdout, nothing else', async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run(['init', '--yes', '--environment', 'contososales', '--role-preset', 'read-only', '--json']);
  assert.equal(init.code, 0, init.stderr);
  const { clientId } = JSON.parse(init.stdout);
  const run = await sandbox.run(['export', '--profile', 'contososales']);
  assert.equal(run.code, 0, run.stderr);
  const [secret] = await sandbox.storedSecrets();
  const url = sandbox.emulator.environments.find((e) => e.uniqueName === 'contososales')!.url;
  assert.equal(
    run.stdout.trim(),
    `AuthType=ClientSecret;Url=${url};ClientId=${clientId};ClientSecret=${secret!.includes(';') || secret!.includes('=') ? `'${secret}'` : secret}`,
  );
  assert.ok(!run.stderr.includes(secret!), 'stderr never shows it');
});

test("export --pem-out writes a certificate profile's certificate and key, mode 0600", async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run([
    'init',
    '--yes',
    '--environment',
    'contosodev',
    '--role-preset',
    'read-only',
    '--credential',
    'certificate',
    '--json',
  ]);
  assert.equal(init.code, 0, init.stderr);
  const pem = join(sandbox.dir, 'exported.pem');
  await writeFile(pem, 'an older, world-readable file', { mode: 0o644 });
  const run = await sandbox.run(['export', '--pem-out', pem]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^AuthType=Certificate;.*Thumbprint=${JSON.parse(init.stdout).credential.thumbprint}\\n$`));
  assert.equal((await stat(pem)).mode & 0o777, 0o600);
  const text = await readFile(pem, 'utf8');
  const certificate = new X509Certificate(text);
  assert.ok(certificate.checkPrivateKey(createPrivateKey(text)), 'the key belongs to the certificate');
});

test('export of an unknown profile lists the known ones (exit 2)', async (t) => {
  const sandbox = await startSandbox(t);
  const run = await sandbox.run(['export', '--profile', 'nope']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /No profile "nope" \(there are none yet: run dynauth init\)/);
});

test('export --format env of a certificate profile names the PEM file --pem-out wrote, and says so when it is not asked for', async (t) => {
  const sandbox = await startSandbox(t);
  const init = await sandbox.run([
    'init',
    '--yes',
    '--environment',
    'contosodev',
    '--role-preset',
    'read-only',
    '--credential',
    'certificate',
  ]);
  assert.equal(init.code, 0, init.stderr);
  const plain = await sandbox.run(['export', '--format', 'env']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /AZURE_CLIENT_SECRET|AZURE_CLIENT_CERTIFICATE_PATH/);
  assert.match(plain.stderr, /--pem-out <file> writes its key and adds AZURE_CLIENT_CERTIFICATE_PATH/);
  const pem = join(sandbox.dir, 'app.pem');
  const withPem = await sandbox.run(['export', '--format', 'env', '--pem-out', pem]);
  assert.equal(withPem.code, 0, withPem.stderr);
  assert.match(withPem.stdout, new RegExp(`^AZURE_CLIENT_CERTIFICATE_PATH=${pem}$`, 'm'));
  assert.equal((await stat(pem)).mode & 0o777, 0o600);
});
