import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeDerString, decodeUtf8, readTlv, toHex } from '../../src/core/der-string.ts';

const tlv = (tag: number, ...content: number[]): Uint8Array => Uint8Array.from([tag, content.length, ...content]);
const bytes = (s: string): number[] => [...Buffer.from(s, 'utf8')];

describe('DER string decoding (X.690, RFC 5280 §4.1.2.4 DirectoryString)', () => {
  it('TE-D-11: the same text as UTF8String, PrintableString, IA5String, VisibleString, TeletexString decodes equal', () => {
    for (const tag of [0x0c, 0x13, 0x16, 0x1a, 0x14]) assert.equal(decodeDerString(tlv(tag, ...bytes('Partner A'))), 'Partner A');
  });

  it('NumericString decodes (Keycloak OBB form 2.5.4.5=#12...)', () => {
    assert.equal(decodeDerString(tlv(0x12, ...bytes('2009'))), '2009');
  });

  it('UTF8String is decoded strictly: overlong, surrogate and truncated sequences are refused', () => {
    assert.equal(decodeDerString(tlv(0x0c, 0xc3, 0xa9)), 'é');
    assert.equal(decodeDerString(tlv(0x0c, 0xc0, 0xaf)), null); // overlong '/'
    assert.equal(decodeDerString(tlv(0x0c, 0xed, 0xa0, 0x80)), null); // CESU surrogate
    assert.equal(decodeDerString(tlv(0x0c, 0xe2, 0x82)), null);
    assert.equal(decodeUtf8(Uint8Array.of(0xff)), null);
  });

  it('a leading byte-order mark is part of the value, not dropped', () => {
    assert.equal(decodeDerString(tlv(0x0c, 0xef, 0xbb, 0xbf, 0x61)), '\uFEFFa');
  });

  it('TeletexString is read as ISO 8859-1 (0x80-0x9f are not windows-1252)', () => {
    assert.equal(decodeDerString(tlv(0x14, 0x47, 0x72, 0xfc, 0xdf, 0x65)), 'Grüße');
    assert.equal(decodeDerString(tlv(0x14, 0x80)), '\u0080');
  });

  it('ASCII-subset types refuse 8-bit octets', () => {
    for (const tag of [0x12, 0x13, 0x16, 0x1a]) assert.equal(decodeDerString(tlv(tag, 0x41, 0xe9)), null);
  });

  it('BMPString is UTF-16BE; odd length and lone surrogates are refused, pairs accepted', () => {
    assert.equal(decodeDerString(tlv(0x1e, 0x00, 0x73, 0x00, 0xfc)), 'sü');
    assert.equal(decodeDerString(tlv(0x1e, 0x00)), null);
    assert.equal(decodeDerString(tlv(0x1e, 0xd8, 0x00)), null);
    assert.equal(decodeDerString(tlv(0x1e, 0xd8, 0x3d, 0xde, 0x00)), '😀');
  });

  it('UniversalString is UTF-32BE; surrogates, values past U+10FFFF and bad lengths are refused', () => {
    assert.equal(decodeDerString(tlv(0x1c, 0, 0, 0, 0x61, 0, 1, 0xf6, 0)), 'a😀');
    assert.equal(decodeDerString(tlv(0x1c, 0, 0, 0xd8, 0)), null);
    assert.equal(decodeDerString(tlv(0x1c, 0, 0x11, 0, 0)), null);
    assert.equal(decodeDerString(tlv(0x1c, 0, 0, 0x61)), null);
  });

  it('non-string types (OCTET STRING, INTEGER, SEQUENCE) are not text', () => {
    for (const tag of [0x04, 0x02, 0x30]) assert.equal(decodeDerString(tlv(tag, 0x41)), null);
  });

  it('X.690 §10.1: long-form lengths are accepted only when minimal; indefinite and trailing bytes refused', () => {
    const long = new Uint8Array(2 + 1 + 200);
    long.set([0x0c, 0x81, 200]);
    long.fill(0x61, 3);
    assert.equal(decodeDerString(long), 'a'.repeat(200));
    assert.equal(readTlv(Uint8Array.of(0x0c, 0x81, 0x01, 0x61)), null); // fits short form
    assert.equal(readTlv(Uint8Array.of(0x0c, 0x82, 0x00, 0x81, ...new Array<number>(0x81).fill(0x61))), null); // leading zero
    assert.equal(readTlv(Uint8Array.of(0x0c, 0x80, 0x61, 0, 0)), null); // indefinite
    assert.equal(readTlv(Uint8Array.of(0x0c, 0x85, 0, 0, 0, 0, 1)), null); // too many length octets
    assert.equal(readTlv(Uint8Array.of(0x0c, 0x01, 0x61, 0x00)), null); // trailing
    assert.equal(readTlv(Uint8Array.of(0x0c, 0x02, 0x61)), null); // truncated
    assert.equal(readTlv(Uint8Array.of(0x1f, 0x01, 0x61)), null); // high tag number
    assert.equal(readTlv(Uint8Array.of(0x0c)), null);
    assert.equal(readTlv(Uint8Array.of(0x0c, 0x82, 0x01)), null);
  });

  it('toHex is lower-case, two digits per octet', () => {
    assert.equal(toHex(Uint8Array.of(0, 0x0a, 0xff)), '000aff');
  });

  it('property: arbitrary octets decode to a string or null, never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const r = decodeDerString(b);
        assert.ok(r === null || (typeof r === 'string' && r.isWellFormed()));
      }),
      { numRuns: 2000 },
    );
  });
});
