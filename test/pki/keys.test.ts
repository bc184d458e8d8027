import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, test } from 'node:test';
import { derToPem, exportPkcs8, generateKeyPair, importPkcs8, pemToDer, pkcs8ToPem } from '../../src/pki/keys.ts';
import { opensslDir } from './openssl.ts';

const dir = await opensslDir();
after(() => dir.remove());

const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const data = new TextEncoder().encode('certbound');

test('generateKeyPair makes an extractable ECDSA P-256 pair', async () => {
  const { privateKey, publicKey } = await generateKeyPair();
  assert.deepEqual(privateKey.algorithm, { name: 'ECDSA', namedCurve: 'P-256' });
  assert.equal(privateKey.extractable, true);
  assert.equal(publicKey.type, 'public');
});

test('importPkcs8 restores the private key and derives the matching public key', async () => {
  const original = await generateKeyPair();
  const der = await exportPkcs8(original.privateKey);
  const imported = await importPkcs8(der);
  const signature = await crypto.subtle.sign(ECDSA_SHA256, imported.privateKey, data);
  assert.equal(await crypto.subtle.verify(ECDSA_SHA256, original.publicKey, signature, data), true);
  assert.deepEqual(
    new Uint8Array(await crypto.subtle.exportKey('spki', imported.publicKey)),
    new Uint8Array(await crypto.subtle.exportKey('spki', original.publicKey)),
  );
  assert.deepEqual(await exportPkcs8(imported.privateKey), der);
});

test('importPkcs8 accepts a view into a larger buffer', async () => {
  const der = await exportPkcs8((await generateKeyPair()).privateKey);
  const padded = new Uint8Array(der.length + 8);
  padded.set(der, 4);
  await importPkcs8(padded.subarray(4, 4 + der.length));
});

test('importPkcs8 rejects a non-P-256 key and non-PKCS#8 bytes with ERR_INVALID_ARG_VALUE', async () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'der' });
  await assert.rejects(importPkcs8(new Uint8Array(p384)), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(importPkcs8(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('pkcs8ToPem writes a PRIVATE KEY block that openssl reads as a P-256 key', async () => {
  const pem = pkcs8ToPem(await exportPkcs8((await generateKeyPair()).privateKey));
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n(?:[A-Za-z0-9+/=]{1,64}\n)+-----END PRIVATE KEY-----\n$/);
  await dir.write({ 'key.pem': pem });
  const result = await dir.openssl('pkey', '-in', 'key.pem', '-noout', '-text');
  assert.ok(result.ok, result.stderr);
  assert.match(result.stdout, /ASN1 OID: prime256v1/);
});

test('pemToDer round-trips derToPem, with CRLF line ends and surrounding whitespace', () => {
  const der = new Uint8Array(200).map((_, i) => i);
  assert.deepEqual(pemToDer(derToPem(der, 'CERTIFICATE'), 'CERTIFICATE'), der);
  assert.deepEqual(pemToDer(`\r\n ${derToPem(der, 'CERTIFICATE').replaceAll('\n', '\r\n')}\n`, 'CERTIFICATE'), der);
});

test('pemToDer is strict: wrong label, bad base64, two blocks or text around fail without echoing the input', () => {
  const der = new Uint8Array([1, 2, 3, 4, 5]);
  const pem = derToPem(der, 'PRIVATE KEY');
  const bad = [
    ['wrong label', pem, 'CERTIFICATE'],
    ['mismatched END label', pem.replace('END PRIVATE KEY', 'END CERTIFICATE'), 'PRIVATE KEY'],
    ['invalid character', pem.replace('AQIDBAU=', 'AQID*AU='), 'PRIVATE KEY'],
    ['bad padding', pem.replace('AQIDBAU=', 'AQIDBAU'), 'PRIVATE KEY'],
    ['empty body', '-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n', 'PRIVATE KEY'],
    ['two blocks', pem + pem, 'PRIVATE KEY'],
    ['text before', `secret\n${pem}`, 'PRIVATE KEY'],
    ['not PEM', 'AQIDBAU=', 'PRIVATE KEY'],
  ] as const;
  for (const [why, input, label] of bad) {
    assert.throws(() => pemToDer(input, label), (err: unknown) => {
      assert.ok(err instanceof TypeError, why);
      assert.equal((err as TypeError & { code?: string }).code, 'ERR_INVALID_ARG_VALUE', why);
      assert.ok(!err.message.includes('AQID'), `${why}: message must not echo the PEM`);
      return true;
    });
  }
});
