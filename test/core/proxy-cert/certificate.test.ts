import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { leafOfChain, MAX_CERTIFICATE_SIZE, MAX_CHAIN_LENGTH, proxyCertificate } from '../../../src/core/proxy-cert/certificate.ts';
import { derOf, expectedThumbprint, isMalformed, testPki, type TestPki } from './helpers.ts';

let pki: TestPki;
before(async () => {
  pki = await testPki();
});

describe('proxyCertificate and leafOfChain', () => {
  test('RFC 8705 §3.1: the thumbprint is SHA-256 over the DER, base64url without padding', () => {
    const der = derOf(pki.leaf.certPem);
    assert.deepEqual(proxyCertificate(der), { der, thumbprint: expectedThumbprint(pki.leaf.certPem) });
  });

  test('RS-B-12: empty, oversized, non-certificate, PEM-as-bytes and trailing-byte DER are invalid_token', () => {
    const der = derOf(pki.leaf.certPem);
    for (const bad of [
      new Uint8Array(0),
      new Uint8Array(MAX_CERTIFICATE_SIZE + 1).fill(0x30),
      Uint8Array.from(pki.leaf.keyPkcs8!),
      Buffer.from(pki.leaf.certPem),
      Buffer.concat([der, Buffer.from([0])]),
      der.subarray(0, der.length - 1),
    ]) {
      assert.throws(() => proxyCertificate(bad), isMalformed);
    }
  });

  test('RS-B-15: a chain gives its first certificate; empty, over-long or garbled chains are invalid_token', () => {
    const leaf = derOf(pki.leaf.certPem);
    const ca = derOf(pki.issuing.certPem);
    assert.equal(leafOfChain([leaf, ca]).thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.throws(() => leafOfChain([]), isMalformed);
    assert.throws(() => leafOfChain(Array<Uint8Array>(MAX_CHAIN_LENGTH + 1).fill(leaf)), isMalformed);
    assert.throws(() => leafOfChain([leaf, ca.subarray(1)]), isMalformed);
  });
});
