import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseTraefikCert } from '../../../src/core/proxy-cert/traefik.ts';
import { base64Der, derOf, expectedThumbprint, isInvalidToken, isMalformed, mutation, testPki, type TestPki } from './helpers.ts';

let pki: TestPki;
before(async () => {
  pki = await testPki();
});

describe('parseTraefikCert (Traefik X-Forwarded-Tls-Client-Cert)', () => {
  test('RS-B-13: bare base64 DER (no PEM armour) gives the certificate and its x5t#S256', () => {
    const value = base64Der(pki.leaf.certPem);
    assert.match(value, /\+/);
    const cert = parseTraefikCert(value);
    assert.equal(cert.thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.ok(cert.der && derOf(pki.leaf.certPem).equals(cert.der));
  });

  test('RS-B-15: a ,-joined chain gives its first certificate, the leaf', () => {
    const value = [pki.leaf, pki.issuing, pki.root].map((c) => base64Der(c.certPem)).join(',');
    assert.equal(parseTraefikCert(value).thumbprint, expectedThumbprint(pki.leaf.certPem));
  });

  test('RS-B-13: PEM armour, URL-escaping (Traefik 2.8–2.9.1), whitespace, empty entries, no padding: invalid_token', () => {
    const b64 = base64Der(pki.leaf.certPem);
    const other = base64Der(pki.other.certPem);
    const cases: Record<string, string> = {
      'PEM armour': pki.leaf.certPem,
      'armour without line breaks': pki.leaf.certPem.replaceAll('\n', ''),
      'URL-escaped': encodeURIComponent(b64),
      'base64url': derOf(pki.leaf.certPem).toString('base64url'),
      'space after comma': `${b64}, ${other}`,
      'line breaks': b64.replace(/(.{64})/g, '$1\n'),
      'trailing comma': `${b64},`,
      'leading comma': `,${b64}`,
      'empty entry': `${b64},,${other}`,
      'padding removed': b64.replace(/=+$/, '') + (b64.endsWith('=') ? '' : 'A'),
      'second entry truncated': `${b64},${other.slice(0, 100)}`,
      'private key': Buffer.from(pki.leaf.keyPkcs8!).toString('base64'),
      'eleven certificates': Array(11).fill(b64).join(','),
      empty: '',
    };
    for (const [name, value] of Object.entries(cases)) {
      assert.throws(() => parseTraefikCert(value), isMalformed, name);
    }
    assert.equal(parseTraefikCert(Array(10).fill(b64).join(',')).thumbprint, expectedThumbprint(pki.leaf.certPem));
  });

  test('properties: arbitrary strings and mutations of a valid value throw only invalid_token', () => {
    const chain = `${base64Der(pki.leaf.certPem)},${base64Der(pki.issuing.certPem)}`;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutation(chain)), (text) => {
        try {
          const cert = parseTraefikCert(text);
          assert.ok(cert.der);
          assert.equal(cert.thumbprint, createHash('sha256').update(new X509Certificate(cert.der).raw).digest('base64url'));
        } catch (err) {
          assert.ok(isInvalidToken(err), String(err));
        }
      }),
    );
  });
});
