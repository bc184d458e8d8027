import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, decodeByteSequenceBase64 } from '../../../src/core/proxy-cert/base64.ts';
import { decodePemCertificates } from '../../../src/core/proxy-cert/pem.ts';
import { pkcs8ToPem } from '../../../src/pki/keys.ts';
import { crlf, derOf, isInvalidToken, isMalformed, mutation, testPki, type TestPki } from './helpers.ts';

let pki: TestPki;
before(async () => {
  pki = await testPki();
});

describe('decodePemCertificates (RFC 7468 §5, strict)', () => {
  test('RFC 7468 §5.1: one CERTIFICATE block decodes to its DER', () => {
    const [der, ...rest] = decodePemCertificates(pki.leaf.certPem, 1);
    assert.deepEqual(rest, []);
    assert.ok(der && derOf(pki.leaf.certPem).equals(der));
  });

  test('RFC 7468 §5.1: CRLF line ends, blank lines and whitespace between blocks are accepted', () => {
    const text = `\r\n  \n${crlf(pki.leaf.certPem)}\n\t\n${pki.issuing.certPem}\n`;
    const ders = decodePemCertificates(text, 2);
    assert.equal(ders.length, 2);
    assert.ok(derOf(pki.issuing.certPem).equals(ders[1]!));
  });

  test('RS-B-12: a block whose body is one long line is accepted (line length carries no meaning)', () => {
    const body = derOf(pki.leaf.certPem).toString('base64');
    const [der] = decodePemCertificates(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`, 1);
    assert.ok(derOf(pki.leaf.certPem).equals(der!));
  });

  test('RS-B-12: truncated, missing END, bad base64, junk, other labels and private keys are invalid_token', () => {
    const pem = pki.leaf.certPem;
    const lines = pem.trimEnd().split('\n');
    const key = pkcs8ToPem(pki.leaf.keyPkcs8!);
    const cases: Record<string, string> = {
      empty: '',
      whitespace: ' \n\n',
      'missing END line': lines.slice(0, -1).join('\n'),
      'body cut mid-group': [...lines.slice(0, 3), lines[3]!.slice(0, 7), lines.at(-1)].join('\n'),
      'bad base64 character': pem.replace(/^(.{10})./m, '$1*'),
      'space inside the body': pem.replace(/\n(.{20})/, '\n$1 '),
      'blank line inside the body': pem.replace('-----\n', '-----\n\n'),
      'trailing junk': `${pem}junk\n`,
      'trailing junk on the END line': pem.replace('-----END CERTIFICATE-----', '-----END CERTIFICATE-----x'),
      'explanatory text before': `Subject: CN=client\n${pem}`,
      'PRIVATE KEY block after the certificate': `${pem}${key}`,
      'PRIVATE KEY block alone': key,
      'TRUSTED CERTIFICATE label': pem.replaceAll('CERTIFICATE', 'TRUSTED CERTIFICATE'),
      'X509 CERTIFICATE label': pem.replaceAll(' CERTIFICATE', ' X509 CERTIFICATE'),
      'lowercase label': pem.replace('BEGIN CERTIFICATE', 'begin certificate'),
      'END without BEGIN': `-----END CERTIFICATE-----\n${pem}`,
      'nested BEGIN': pem.replace('-----END', '-----BEGIN CERTIFICATE-----\n-----END'),
      'encapsulated header': pem.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n'),
      'CR alone as line end': pem.replaceAll('\n', '\r'),
      'leading space on BEGIN': ` ${pem}`,
      'padding in the middle': pem.replace(/\n(.{4})/, '\n$1=='),
    };
    for (const [name, text] of Object.entries(cases)) {
      assert.throws(() => decodePemCertificates(text, 1), isMalformed, name);
    }
  });

  test('RS-B-09: more blocks than allowed are refused, never truncated to the first', () => {
    assert.throws(() => decodePemCertificates(`${pki.leaf.certPem}${pki.other.certPem}`, 1), isMalformed);
    assert.equal(decodePemCertificates(`${pki.leaf.certPem}${pki.other.certPem}`, 2).length, 2);
  });

  test('properties: arbitrary strings and mutations of a valid PEM throw only invalid_token', () => {
    const valid = pki.leaf.certPem;
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), mutation(valid)), (text) => {
        try {
          decodePemCertificates(text, 2);
        } catch (err) {
          assert.ok(isInvalidToken(err), String(err));
        }
      }),
    );
  });
});

describe('base64 decoders', () => {
  test('RFC 4648 §3.5: decodeBase64 accepts only the canonical spelling', () => {
    assert.deepEqual(decodeBase64('AAEC'), Uint8Array.of(0, 1, 2));
    assert.deepEqual(decodeBase64('AAE='), Uint8Array.of(0, 1));
    assert.deepEqual(decodeBase64('+/8='), Uint8Array.of(0xfb, 0xff));
    for (const bad of ['', 'AAE', 'AAF=', 'AA==AA==', 'AAE= ', ' AAE=', 'AA-_', 'AA\nEC', 'A===', 'AAEC=']) {
      assert.throws(() => decodeBase64(bad), isMalformed, JSON.stringify(bad));
    }
  });

  test('RFC 8941 §4.2.7: the Byte Sequence decoder tolerates missing padding and pad bits, nothing else', () => {
    assert.deepEqual(decodeByteSequenceBase64('AAE='), Uint8Array.of(0, 1));
    assert.deepEqual(decodeByteSequenceBase64('AAE'), Uint8Array.of(0, 1));
    assert.deepEqual(decodeByteSequenceBase64('AAF'), Uint8Array.of(0, 1));
    assert.deepEqual(decodeByteSequenceBase64('AA'), Uint8Array.of(0));
    for (const bad of ['', 'A', 'AAAAA', 'AA=', 'A===', 'AA==AA==', 'AA-_', 'AA E', 'AAE==']) {
      assert.throws(() => decodeByteSequenceBase64(bad), isMalformed, JSON.stringify(bad));
    }
  });

  test('properties: both decoders give back the bytes of a canonical encoding, and only throw invalid_token', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString('base64');
        assert.deepEqual(decodeBase64(b64), bytes);
        assert.deepEqual(decodeByteSequenceBase64(b64), bytes);
        assert.deepEqual(decodeByteSequenceBase64(b64.replace(/=+$/, '')), bytes);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('A', 'b', '+', '/', '=', '-', '_', ' ', '%'), maxLength: 12 }), (text) => {
        for (const decode of [decodeBase64, decodeByteSequenceBase64]) {
          try {
            const bytes = decode(text);
            // Whatever is accepted re-encodes to the input, give or take padding and pad bits.
            assert.equal(Buffer.from(bytes).toString('base64').replace(/=+$/, '').length, text.replace(/=+$/, '').length);
          } catch (err) {
            assert.ok(isInvalidToken(err), String(err));
          }
        }
      }),
    );
  });
});
