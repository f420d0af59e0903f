import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveKey, envelopeSalt, open, randomKey, randomSalt, seal } from '../../src/secrets/envelope.ts';
import { DecryptionFailedError } from '../../src/secrets/errors.ts';

const unrelatedKey = randomKey();
const plaintext = new TextEncoder().encode('AuthType=ClientSecret;Url=https://org.crm.dynamics.com;ClientId=x;ClientSecret=s3cret');

test('seal/open round-trips with a compact layout: version | IV(12) | tag(16) | ciphertext', () => {
  const key = randomKey();
  const envelope = seal(plaintext, key, 'dynauth\nprod');
  assert.equal(envelope[0], 0x01);
  assert.equal(envelope.length, 1 + 12 + 16 + plaintext.length);
  assert.deepEqual(open(envelope, key, 'dynauth\nprod'), plaintext);
  assert.equal(envelopeSalt(envelope), undefined);
});

test('the same plaintext seals differently each time (fresh IV)', () => {
  const key = randomKey();
  assert.notDeepEqual(seal(plaintext, key, 'a'), seal(plaintext, key, 'a'));
});

test('a wrong key, a different AAD or any flipped byte fails with DecryptionFailedError', () => {
  const key = randomKey();
  const envelope = seal(plaintext, key, 'dynauth\nprod');
  assert.throws(() => open(envelope, randomKey(), 'dynauth\nprod'), DecryptionFailedError);
  assert.throws(() => open(envelope, key, 'dynauth\ntest'), DecryptionFailedError);
  for (const index of [0, 1, 12, 13, 28, 29, envelope.length - 1]) {
    const tampered = Uint8Array.from(envelope);
    tampered[index] = (tampered[index] as number) ^ 0x01;
    assert.throws(() => open(tampered, key, 'dynauth\nprod'), DecryptionFailedError, `byte ${index}`);
  }
  assert.throws(() => open(envelope.subarray(0, 20), key, 'dynauth\nprod'), DecryptionFailedError);
  assert.throws(() => open(new Uint8Array(0), key, 'dynauth\nprod'), DecryptionFailedError);
});

test('the decryption error says nothing about the plaintext', () => {
  const key = randomKey();
  const envelope = seal(plaintext, key, 'x');
  assert.throws(
    () => open(envelope, randomKey(), 'x'),
    (error: Error) => !error.message.includes('s3cret') && !String((error as DecryptionFailedError).hint).includes('s3cret'),
  );
});

test('passphrase envelopes carry their 16-byte salt in the authenticated header', async () => {
  const salt = randomSalt();
  const key = await deriveKey('correct horse battery staple', salt);
  const envelope = seal(plaintext, key, 'aad', { salt });
  assert.equal(envelope[0], 0x02);
  assert.equal(envelope.length, 1 + 16 + 12 + 16 + plaintext.length);
  assert.deepEqual(envelopeSalt(envelope), salt);
  assert.deepEqual(open(envelope, await deriveKey('correct horse battery staple', envelopeSalt(envelope) as Uint8Array), 'aad'), plaintext);
  assert.throws(() => open(envelope, unrelatedKey, 'aad'), DecryptionFailedError);
  const otherSalt = Uint8Array.from(envelope);
  otherSalt[1] = (otherSalt[1] as number) ^ 0xff; // a swapped salt is detected even with the right key
  assert.throws(() => open(otherSalt, key, 'aad'), DecryptionFailedError);
});

test('deriveKey: scrypt, deterministic per passphrase and salt, NFC-normalised', async () => {
  const salt = randomSalt();
  const a = await deriveKey('pässword', salt);
  assert.equal(a.length, 32);
  assert.deepEqual(await deriveKey('pa\u0308ssword', salt), a);
  assert.notDeepEqual(await deriveKey('pässword', randomSalt()), a);
  assert.notDeepEqual(await deriveKey('passwörd', salt), a);
  assert.throws(() => deriveKey('', salt), RangeError);
  assert.throws(() => deriveKey('x', new Uint8Array(8)), RangeError);
});
