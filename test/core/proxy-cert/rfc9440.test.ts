import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseClientCert } from '../../../src/core/proxy-cert/rfc9440.ts';
import { issueCertificate, type IssuedLeaf } from '../../../src/pki/issue.ts';
import { base64Der, derOf, expectedThumbprint, isInvalidToken, isMalformed, mutation, testPki, type TestPki } from './helpers.ts';

let pki: TestPki;
/** A certificate whose DER length is not a multiple of 3, so its base64 ends in padding. */
let padded: IssuedLeaf;
before(async () => {
  pki = await testPki();
  padded = pki.leaf;
  while (derOf(padded.certPem).length % 3 === 0) padded = await issueCertificate(pki.issuing, { subject: 'CN=padded', usage: 'client' });
});

const field = (pem: string): string => `:${base64Der(pem)}:`;

describe('parseClientCert (RFC 9440 Client-Cert)', () => {
  test('RFC 9440 §2.2: a Byte Sequence of the DER gives the certificate and its x5t#S256', () => {
    const cert = parseClientCert(field(pki.leaf.certPem));
    assert.equal(cert.thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.ok(cert.der && derOf(pki.leaf.certPem).equals(cert.der));
  });

  test('RFC 8941 §4.2: leading and trailing SP around the item are discarded', () => {
    assert.equal(parseClientCert(`  ${field(pki.leaf.certPem)} `).thumbprint, expectedThumbprint(pki.leaf.certPem));
  });

  test('RFC 8941 §4.2.7: missing = padding is accepted (parsers SHOULD NOT fail on it)', () => {
    const value = field(padded.certPem);
    assert.match(value, /=:$/);
    assert.equal(parseClientCert(value.replace(/=+:$/, ':')).thumbprint, expectedThumbprint(padded.certPem));
  });

  test('RS-B-14: PEM armour, no colons, base64url, inner whitespace, parameters, lists: invalid_token', () => {
    const b64 = base64Der(pki.leaf.certPem);
    assert.match(b64, /[+/]/);
    const cases: Record<string, string> = {
      'PEM armour': `:${Buffer.from(pki.leaf.certPem).toString('base64')}:`,
      'PEM text': pki.leaf.certPem.replaceAll('\n', ''),
      'no colons': b64,
      'opening colon only': `:${b64}`,
      'closing colon only': `${b64}:`,
      'base64url alphabet': `:${derOf(pki.leaf.certPem).toString('base64url')}:`,
      'inner space': `:${b64.slice(0, 10)} ${b64.slice(10)}:`,
      'inner line break': `:${b64.slice(0, 64)}\n${b64.slice(64)}:`,
      'leading tab': `\t:${b64}:`,
      'parameter': `:${b64}:;a=1`,
      'boolean parameter': `:${b64}:;chain`,
      'list of two': `:${b64}:, :${b64}:`,
      'inner list': `(:${b64}:)`,
      'string item': `"${b64}"`,
      'empty byte sequence': '::',
      'empty value': '',
      'padding in the middle': `:${b64.slice(0, 8)}==${b64.slice(8)}:`,
      'truncated DER': `:${b64.slice(0, 200)}:`,
      'DER of a private key': `:${Buffer.from(pki.leaf.keyPkcs8!).toString('base64')}:`,
      'DER with trailing bytes': `:${Buffer.concat([derOf(pki.leaf.certPem), Buffer.from([0])]).toString('base64')}:`,
    };
    for (const [name, value] of Object.entries(cases)) {
      assert.throws(() => parseClientCert(value), isMalformed, name);
    }
  });

  test('RFC 8705 §7.5: a value over 32 KiB is refused', () => {
    assert.throws(() => parseClientCert(`:${'A'.repeat(33_000)}:`), isMalformed);
  });

  test('properties: arbitrary strings and mutations of a valid value throw only invalid_token', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutation(field(pki.leaf.certPem))), (text) => {
        try {
          const cert = parseClientCert(text);
          assert.ok(cert.der);
          assert.equal(cert.thumbprint, createHash('sha256').update(new X509Certificate(cert.der).raw).digest('base64url'));
        } catch (err) {
          assert.ok(isInvalidToken(err), String(err));
        }
      }),
    );
  });
});
