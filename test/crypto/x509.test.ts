import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:https';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, createSelfSignedCertificate, issueServerCertificate } from '../../src/crypto/x509.ts';
import * as der from '../../src/crypto/der.ts';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('DER primitives encode as X.690 says', () => {
  assert.equal(der.integer(0).toString('hex'), '020100');
  assert.equal(der.integer(128).toString('hex'), '02020080');
  assert.equal(der.integer(Buffer.from([0, 0, 0x7f])).toString('hex'), '02017f');
  assert.equal(der.objectIdentifier('1.2.840.113549.1.1.11').toString('hex'), '06092a864886f70d01010b');
  assert.equal(der.namedBits([0]).toString('hex'), '03020780');
  assert.equal(der.namedBits([5, 6]).toString('hex'), '03020106');
  assert.equal(der.time(new Date('2030-01-02T03:04:05Z')).toString('ascii', 2), '300102030405Z');
  assert.equal(der.time(new Date('2050-01-02T03:04:05Z')).toString('ascii', 2), '20500102030405Z');
  const long = der.octetString(Buffer.alloc(300));
  assert.equal(long.subarray(0, 4).toString('hex'), '0482012c');
});

test('self-signed certificate: parseable, self-verifying, leaf, thumbprints match the DER', () => {
  const now = new Date('2026-03-01T10:00:00.750Z');
  const cert = createSelfSignedCertificate({ commonName: 'dynauth contoso-sync', validDays: 180, now });
  const x509 = new X509Certificate(cert.certPem);
  assert.equal(x509.subject, 'CN=dynauth contoso-sync');
  assert.equal(x509.issuer, 'CN=dynauth contoso-sync');
  assert.equal(x509.ca, false);
  assert.ok(x509.verify(x509.publicKey));
  assert.deepEqual(x509.raw, cert.certDer);
  assert.equal(cert.thumbprint, createHash('sha1').update(cert.certDer).digest('hex').toUpperCase());
  assert.equal(cert.thumbprint, x509.fingerprint.replaceAll(':', ''));
  assert.equal(cert.thumbprintSha256, x509.fingerprint256.replaceAll(':', ''));
  assert.equal(cert.notBefore.toISOString(), '2026-03-01T10:00:00.000Z');
  assert.equal(cert.notAfter.toISOString(), '2026-08-28T10:00:00.000Z');
  assert.equal(new Date(x509.validFrom).getTime(), cert.notBefore.getTime());
  assert.equal(new Date(x509.validTo).getTime(), cert.notAfter.getTime());
  assert.equal(x509.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  // The private key belongs to the certificate.
  const key = createPrivateKey(cert.keyPem);
  assert.deepEqual(createPublicKey(key).export({ type: 'spki', format: 'der' }), x509.publicKey.export({ type: 'spki', format: 'der' }));
  assert.match(cert.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  // Serial: positive (high bit clear), random.
  const serial = x509.serialNumber;
  assert.ok(parseInt(serial.slice(0, 2), 16) < 0x80);
  const other = createSelfSignedCertificate({ commonName: 'dynauth contoso-sync', validDays: 180, now });
  assert.notEqual(new X509Certificate(other.certPem).serialNumber, serial);
});

test('rejects bad validity input', () => {
  assert.throws(() => createSelfSignedCertificate({ commonName: '', validDays: 10 }), /commonName/);
  assert.throws(() => createSelfSignedCertificate({ commonName: 'x', validDays: 0 }), /validDays/);
});

test('openssl reads the extensions Entra and TLS clients look at', (t) => {
  if (!hasOpenssl()) return t.skip('openssl is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'x509-'));
  try {
    const leaf = createSelfSignedCertificate({ commonName: 'leaf', validDays: 30 });
    const ca = createCertificateAuthority({ commonName: 'dynauth sandbox CA', validDays: 30 });
    const server = issueServerCertificate(ca, { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], validDays: 10 });
    writeFileSync(join(dir, 'leaf.pem'), leaf.certPem);
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(join(dir, 'server.pem'), server.certPem);
    const leafText = execFileSync('openssl', ['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-text'], { encoding: 'utf8' });
    assert.match(leafText, /Version: 3 \(0x2\)/);
    assert.match(leafText, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(leafText, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(leafText, /Key Usage: critical\s+Digital Signature/);
    assert.match(leafText, /Public-Key: \(2048 bit\)/);
    const caText = execFileSync('openssl', ['x509', '-in', join(dir, 'ca.pem'), '-noout', '-text'], { encoding: 'utf8' });
    assert.match(caText, /Basic Constraints: critical\s+CA:TRUE/);
    assert.match(caText, /Certificate Sign/);
    const serverText = execFileSync('openssl', ['x509', '-in', join(dir, 'server.pem'), '-noout', '-text'], { encoding: 'utf8' });
    assert.match(serverText, /DNS:localhost, IP Address:127\.0\.0\.1/);
    assert.match(serverText, /TLS Web Server Authentication/);
    const verify = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'server.pem')], { encoding: 'utf8' });
    assert.equal(verify.trim(), `${join(dir, 'server.pem')}: OK`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('server certificate verifies against its CA and matches 127.0.0.1 and localhost only', () => {
  const ca = createCertificateAuthority({ commonName: 'dynauth sandbox CA', validDays: 30 });
  const server = issueServerCertificate(ca, { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const x509 = new X509Certificate(server.certPem);
  const caX509 = new X509Certificate(ca.certPem);
  assert.equal(caX509.ca, true);
  assert.ok(x509.verify(caX509.publicKey));
  assert.ok(x509.checkIssued(caX509));
  assert.equal(x509.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(x509.checkHost('localhost'), 'localhost');
  assert.equal(x509.checkIP('10.0.0.1'), undefined);
  const stranger = createCertificateAuthority({ commonName: 'other CA', validDays: 30 });
  assert.equal(x509.verify(new X509Certificate(stranger.certPem).publicKey), false);
  const longer = issueServerCertificate(ca, { ipAddresses: ['127.0.0.1'], validDays: 60 });
  assert.equal(longer.notAfter.getTime(), ca.notAfter.getTime(), 'a leaf asking for more ends with its CA');
});

test('a real TLS handshake succeeds when only the CA is trusted, and fails with another CA', async () => {
  const ca = createCertificateAuthority({ commonName: 'dynauth sandbox CA', validDays: 30 });
  const cert = issueServerCertificate(ca, { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const get = (host: string, caPem: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', servername: host === '127.0.0.1' ? undefined : host, port, ca: caPem, path: '/', agent: false },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });
  try {
    assert.equal(await get('127.0.0.1', ca.certPem), 'hello');
    assert.equal(await get('localhost', ca.certPem), 'hello');
    const other = createCertificateAuthority({ commonName: 'other CA', validDays: 30 });
    await assert.rejects(get('127.0.0.1', other.certPem), (err: NodeJS.ErrnoException) => err.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  } finally {
    server.close();
  }
});
