import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseEscapedPem, parseEscapedPemChain } from '../../../src/core/proxy-cert/escaped-pem.ts';
import { pkcs8ToPem } from '../../../src/pki/keys.ts';
import { albEscape, base64Der, derOf, expectedThumbprint, isInvalidToken, isMalformed, mutation, nginxEscape, testPki, type TestPki } from './helpers.ts';

let pki: TestPki;
before(async () => {
  pki = await testPki();
});

describe('parseEscapedPem (nginx $ssl_client_escaped_cert, ALB X-Amzn-Mtls-Clientcert-Leaf)', () => {
  test('RS-B-13: the test certificate has both + and / in its base64, so the encodings below are exercised', () => {
    assert.match(base64Der(pki.leaf.certPem), /\+/);
    assert.match(base64Der(pki.leaf.certPem), /\//);
  });

  test('RS-B-13: nginx encoding (%2B, %2F, %3D, %0A) gives the certificate and its x5t#S256', () => {
    const value = nginxEscape(pki.leaf.certPem);
    assert.match(value, /%2B/);
    assert.doesNotMatch(value, /\+/);
    const cert = parseEscapedPem(value);
    assert.equal(cert.thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.ok(cert.der && derOf(pki.leaf.certPem).equals(cert.der));
  });

  test('RS-B-13: ALB encoding keeps + literal, and a literal + is decoded as +, not as a space', () => {
    const value = albEscape(pki.leaf.certPem);
    assert.match(value, /\+/);
    assert.match(value, /\//);
    assert.equal(parseEscapedPem(value).thumbprint, expectedThumbprint(pki.leaf.certPem));
    // The same value after form decoding (+ → space) is not a certificate any more.
    assert.throws(() => parseEscapedPem(value.replaceAll('+', '%20')), isMalformed);
  });

  test('RS-B-13: + and %2B for the same character give the same certificate', () => {
    const literal = albEscape(pki.leaf.certPem);
    const escaped = literal.replaceAll('+', '%2B');
    assert.notEqual(literal, escaped);
    assert.equal(parseEscapedPem(escaped).thumbprint, parseEscapedPem(literal).thumbprint);
  });

  test('RS-B-13: lowercase percent-escapes and CRLF line ends are accepted', () => {
    const value = nginxEscape(pki.leaf.certPem.replaceAll('\n', '\r\n')).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    assert.equal(parseEscapedPem(value).thumbprint, expectedThumbprint(pki.leaf.certPem));
  });

  test('RS-B-13: a double-encoded value is invalid_token', () => {
    assert.throws(() => parseEscapedPem(encodeURIComponent(nginxEscape(pki.leaf.certPem))), isMalformed);
    assert.throws(() => parseEscapedPem(nginxEscape(nginxEscape(pki.leaf.certPem))), isMalformed);
  });

  test('RS-B-13 / RS-B-18: raw newlines, raw spaces and other raw characters are invalid_token', () => {
    const value = nginxEscape(pki.leaf.certPem);
    for (const bad of [pki.leaf.certPem, value.replaceAll('%0A', '\n'), value.replaceAll('%0A', '\r\n'), value.replaceAll('%20', ' '), `${value}\0`, `é${value}`, value.replace('%0A', '\t')]) {
      assert.throws(() => parseEscapedPem(bad), isMalformed);
    }
  });

  test('RS-B-12: malformed percent-escapes are invalid_token, never a URIError', () => {
    const value = nginxEscape(pki.leaf.certPem);
    for (const bad of [`${value}%`, `${value}%2`, value.replace('%0A', '%ZZ'), value.replace('%0A', '%C3%28'), value.replace('%0A', '%FF')]) {
      assert.throws(() => parseEscapedPem(bad), isMalformed);
    }
  });

  test('RS-B-12: two certificates where one is expected, a PRIVATE KEY block, a truncated DER, junk: invalid_token', () => {
    const key = pkcs8ToPem(pki.leaf.keyPkcs8!);
    const lines = pki.leaf.certPem.trimEnd().split('\n');
    const truncated = [...lines.slice(0, 4), lines.at(-1)].join('\n');
    const bodyOf = (pem: string): string => pem.replace(/-----(BEGIN|END) [A-Z ]+-----|\n/g, '');
    const cases: Record<string, string> = {
      'two certificates': `${pki.leaf.certPem}${pki.other.certPem}`,
      'certificate and PRIVATE KEY': `${pki.leaf.certPem}${key}`,
      'PRIVATE KEY before the certificate': `${key}${pki.leaf.certPem}`,
      'PRIVATE KEY labelled CERTIFICATE': `-----BEGIN CERTIFICATE-----\n${bodyOf(key)}\n-----END CERTIFICATE-----\n`,
      'truncated DER': truncated,
      'missing END line': lines.slice(0, -1).join('\n'),
      'trailing junk': `${pki.leaf.certPem}foobar`,
      'bare base64 without armour': base64Der(pki.leaf.certPem),
      foobar: 'foobar',
    };
    for (const [name, pem] of Object.entries(cases)) {
      assert.throws(() => parseEscapedPem(nginxEscape(pem)), isMalformed, name);
    }
    assert.throws(() => parseEscapedPem(''), isMalformed);
  });

  test('RS-B-12: DER with bytes after the certificate is invalid_token (OpenSSL alone would ignore them)', () => {
    const der = Buffer.concat([derOf(pki.leaf.certPem), Buffer.from([0x05, 0x00])]);
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    assert.throws(() => parseEscapedPem(nginxEscape(pem)), isMalformed);
  });

  test('RS-B-12: a PEM wrapped inside the base64 body (OpenSSL would read it) is invalid_token', () => {
    const inner = Buffer.from(pki.leaf.certPem).toString('base64');
    const pem = `-----BEGIN CERTIFICATE-----\n${inner}\n-----END CERTIFICATE-----\n`;
    assert.throws(() => parseEscapedPem(nginxEscape(pem)), isMalformed);
  });

  test('RFC 8705 §7.5: a value over 32 KiB is refused before any decoding', () => {
    const value = nginxEscape(pki.leaf.certPem);
    assert.throws(() => parseEscapedPem(value + '%0A'.repeat(12_000)), isMalformed);
    assert.throws(() => parseEscapedPem(undefined as unknown as string), isMalformed);
  });

  test('properties: arbitrary strings and mutations of a valid value throw only invalid_token; a survivor is a certificate', () => {
    const value = albEscape(pki.leaf.certPem);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutation(value), mutation(nginxEscape(pki.leaf.certPem))), (text) => {
        for (const parse of [parseEscapedPem, parseEscapedPemChain]) {
          try {
            // An edit may survive (a + spelled %2B, a changed signature byte: parsing checks form, not
            // signatures); what survives is then one whole certificate with the thumbprint of its DER.
            const cert = parse(text);
            assert.ok(cert.der);
            assert.equal(cert.thumbprint, createHash('sha256').update(new X509Certificate(cert.der).raw).digest('base64url'));
          } catch (err) {
            assert.ok(isInvalidToken(err), String(err));
          }
        }
      }),
    );
  });
});

describe('parseEscapedPemChain (ALB X-Amzn-Mtls-Clientcert, pass-through mode)', () => {
  test('RFC 9440 §2.2 / RS-B-15: the leaf (first) of a chain is the certificate; the chain is only checked for form', () => {
    const chain = `${pki.leaf.certPem}${pki.issuing.certPem}${pki.root.certPem}`;
    const cert = parseEscapedPemChain(albEscape(chain));
    assert.equal(cert.thumbprint, expectedThumbprint(pki.leaf.certPem));
    assert.ok(cert.der && derOf(pki.leaf.certPem).equals(cert.der));
    assert.equal(parseEscapedPemChain(albEscape(pki.leaf.certPem)).thumbprint, expectedThumbprint(pki.leaf.certPem));
  });

  test('RS-B-12: a chain with a malformed or non-certificate member, or over 10 certificates, is invalid_token', () => {
    const key = pkcs8ToPem(pki.leaf.keyPkcs8!);
    const lines = pki.issuing.certPem.trimEnd().split('\n');
    const truncated = `${[...lines.slice(0, 3), lines.at(-1)].join('\n')}\n`;
    for (const chain of [`${pki.leaf.certPem}${key}`, `${pki.leaf.certPem}${truncated}`, pki.leaf.certPem.repeat(11), '']) {
      assert.throws(() => parseEscapedPemChain(albEscape(chain)), isMalformed);
    }
    assert.equal(parseEscapedPemChain(albEscape(pki.leaf.certPem.repeat(10))).thumbprint, expectedThumbprint(pki.leaf.certPem));
  });
});
