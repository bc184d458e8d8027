import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dnEquals, formatDn, opaqueAvaValue, parseDn, type Ava, type Dn } from '../../src/core/dn.ts';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const C = '2.5.4.6';
const eq = (a: string, b: string): boolean => dnEquals(parseDn(a), parseDn(b));
const isArgError = (err: unknown): boolean =>
  err instanceof TypeError && (err as TypeError & { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE';

describe('RFC 4514 parseDn', () => {
  it('RFC 4514 §2.1: the string lists RDNs in reverse; parseDn returns ASN.1 order (C, O, CN)', () => {
    assert.deepEqual(parseDn('CN=svc,O=Partner A,C=DE'), [[{ type: C, value: 'DE' }], [{ type: O, value: 'Partner A' }], [{ type: CN, value: 'svc' }]]);
  });

  it('RFC 4514 §3 / TE-D-02: attribute types are case-insensitive names or dotted OIDs', () => {
    assert.deepEqual(parseDn('cn=a'), parseDn('2.5.4.3=a'));
    assert.deepEqual(parseDn('commonName=a'), parseDn('CN=a'));
    assert.deepEqual(parseDn('EMAILADDRESS=x@y'), [[{ type: '1.2.840.113549.1.9.1', value: 'x@y' }]]);
    assert.deepEqual(parseDn('organizationIdentifier=VATDE-1'), [[{ type: '2.5.4.97', value: 'VATDE-1' }]]);
    assert.deepEqual(parseDn('1.3.6.1.4.1.99999.7=v'), [[{ type: '1.3.6.1.4.1.99999.7', value: 'v' }]]);
  });

  it('RFC 4514 §3: the OID. prefix, unknown names, leading-zero and out-of-range OIDs are refused', () => {
    for (const bad of ['OID.2.5.4.3=a', 'XYZ=a', '2.05.4.3=a', '3.1=a', '1.40=a', '2=a', '2.5.4.3.=a', '-CN=a']) {
      assert.throws(() => parseDn(bad), isArgError, bad);
    }
  });

  it('RFC 4514 §2.4: escapes \\, \\+ \\22 \\\\ \\# and \\XX UTF-8 pairs decode to the value', () => {
    assert.equal(parseDn('CN=Acme\\, Inc')[0]?.[0]?.value, 'Acme, Inc');
    assert.equal(parseDn('CN=a\\+b')[0]?.[0]?.value, 'a+b');
    assert.equal(parseDn('CN=\\22q\\22')[0]?.[0]?.value, '"q"');
    assert.equal(parseDn('CN=back\\\\slash')[0]?.[0]?.value, 'back\\slash');
    assert.equal(parseDn('CN=\\#1')[0]?.[0]?.value, '#1');
    assert.equal(parseDn('CN=Gr\\C3\\BC\\C3\\9Fe')[0]?.[0]?.value, 'Grüße');
    assert.equal(parseDn('CN=a=b')[0]?.[0]?.value, 'a=b');
  });

  it('RFC 4514 §2.4: escaped octets must form valid UTF-8', () => {
    assert.throws(() => parseDn('CN=\\C3'), isArgError);
    assert.throws(() => parseDn('CN=\\C0\\AF'), isArgError);
  });

  it('RFC 4514 §3: unescaped " ; < > and bad escapes are refused', () => {
    for (const bad of ['CN=a"b', 'CN=a;O=b', 'CN=<a>', 'CN=a\\', 'CN=a\\x', 'CN=a\\4']) assert.throws(() => parseDn(bad), isArgError, bad);
  });

  it('RFC 4514 §2.4 / TE-D-02: #hex BER values decode by string type (2.5.4.5=#130432303039 is SERIALNUMBER=2009)', () => {
    assert.deepEqual(parseDn('2.5.4.5=#130432303039'), parseDn('SERIALNUMBER=2009'));
    assert.ok(eq('2.5.4.5=#130432303039', 'serialNumber=2009'));
    assert.ok(eq('CN=#0C03737663', 'CN=svc'));
  });

  it('#hex that is not a supported string type, odd, empty or followed by junk is refused', () => {
    for (const bad of ['CN=#0403737663', 'CN=#0c0373766', 'CN=#', 'CN=#0c03737663x', 'CN=#0c0473766300']) {
      assert.throws(() => parseDn(bad), isArgError, bad);
    }
  });

  it('unescaped spaces around separators and values are not part of the value; escaped ones are', () => {
    assert.deepEqual(parseDn(' CN = svc , O = Partner A '), parseDn('CN=svc,O=Partner A'));
    assert.equal(parseDn('CN=\\ svc\\ ')[0]?.[0]?.value, ' svc ');
    assert.equal(parseDn('CN=a  b')[0]?.[0]?.value, 'a  b');
    assert.equal(parseDn('CN=#0c0161 ,O=b')[1]?.[0]?.value, 'a');
  });

  it('multi-valued RDNs with +; one type twice in an RDN is refused (X.501)', () => {
    assert.deepEqual(parseDn('CN=c1+O=A'), [[{ type: CN, value: 'c1' }, { type: O, value: 'A' }]]);
    assert.throws(() => parseDn('CN=a+CN=b'), isArgError);
  });

  it('TE-D-12: NUL and other control characters are refused, escaped or not', () => {
    for (const bad of ['CN=a\\00b', 'CN=a\u0000b', 'CN=a\nO=b', 'CN=a\\0Ab', 'CN=a\u0085', 'CN=#0c03610062', 'CN=a\u007f']) {
      assert.throws(() => parseDn(bad), isArgError, JSON.stringify(bad));
    }
  });

  it('empty DN is the empty string; empty values, dangling separators and lone surrogates are refused', () => {
    assert.deepEqual(parseDn(''), []);
    for (const bad of [' ', 'CN=', 'CN=a,', ',CN=a', 'CN=a+', 'CN', '=a', 'CN=a\uD800']) assert.throws(() => parseDn(bad), isArgError, bad);
  });

  it('input is bounded: more than 8 KiB, 64 RDNs or 16 AVAs per RDN is refused', () => {
    assert.throws(() => parseDn(`CN=${'a'.repeat(8200)}`), isArgError);
    assert.throws(() => parseDn(Array.from({ length: 65 }, () => 'CN=a').join(',')), isArgError);
    assert.throws(() => parseDn(Array.from({ length: 17 }, (_, i) => `1.2.3.${i}=a`).join('+')), isArgError);
    assert.throws(() => parseDn(42 as unknown as string), isArgError);
  });
});

describe('RFC 4517 distinguishedNameMatch (dnEquals)', () => {
  it('RFC 8705 §2.1: CN=svc,O=Partner A,C=DE equals the structure of a cert encoded C=DE, O=Partner A, CN=svc', () => {
    const cert: Dn = [[{ type: C, value: 'DE' }], [{ type: O, value: 'Partner A' }], [{ type: CN, value: 'svc' }]];
    assert.ok(dnEquals(parseDn('CN=svc,O=Partner A,C=DE'), cert));
  });

  it('TE-D-01: RDN order is significant', () => {
    assert.ok(!eq('CN=c1,O=Partner A,C=GB', 'C=GB,O=Partner A,CN=c1'));
    assert.ok(!eq('CN=c1,O=Partner A,C=GB', 'O=Partner A,CN=c1,C=GB'));
  });

  it('TE-D-03: caseIgnoreMatch for CN/O/OU/C/serialNumber with insignificant-space handling', () => {
    assert.ok(eq('CN=Client A,O=ACME,C=de', 'CN=client a,O=acme,C=DE'));
    assert.ok(eq('CN=Client   A', 'CN=client a'));
    assert.ok(eq('serialNumber=ab12', 'SERIALNUMBER=AB12'));
    assert.ok(eq('CN=ÄRGER', 'CN=ärger'));
  });

  it('RFC 4517 caseIgnoreIA5Match for DC and emailAddress folds ASCII only', () => {
    assert.ok(eq('DC=Example,DC=COM', 'DC=example,DC=com'));
    assert.ok(eq('emailAddress=X@Y.example', 'emailAddress=x@y.example'));
    assert.ok(!eq('DC=Ä', 'DC=ä'));
  });

  it('unknown attribute types compare exactly after NFC (fail safe: never looser)', () => {
    assert.ok(!eq('1.3.6.1.4.1.99999.7=Abc', '1.3.6.1.4.1.99999.7=abc'));
    assert.ok(!eq('1.3.6.1.4.1.99999.7=a  b', '1.3.6.1.4.1.99999.7=a b'));
    assert.ok(eq('1.3.6.1.4.1.99999.7=e\\CC\\81', '1.3.6.1.4.1.99999.7=\\C3\\A9'));
  });

  it('TE-D-04: an escaped comma is part of one value, not a separator', () => {
    assert.ok(!eq('CN=Acme\\, Inc,O=X', 'CN=Acme,CN= Inc,O=X'));
    assert.ok(!eq('CN=Acme\\, Inc,O=X', 'CN=Acme, Inc,O=X'.replace(', Inc', '+OU=Inc')));
    assert.ok(eq('CN=Acme\\, Inc,O=X', 'CN=Acme\\2C Inc,O=X'));
  });

  it('TE-D-06: a multi-valued RDN is not two RDNs; AVA order inside an RDN is not significant', () => {
    assert.ok(!eq('CN=c1+O=Partner A', 'CN=c1,O=Partner A'));
    assert.ok(eq('CN=c1+O=Partner A', 'O=partner a+CN=C1'));
    assert.ok(!eq('CN=c1+O=Partner A', 'CN=c1+O=Partner B'));
  });

  it('TE-D-07: two CNs compare as the full sequence, never "first CN"', () => {
    assert.ok(!eq('CN=c1', 'CN=c1,CN=attacker'));
    assert.ok(!eq('CN=attacker,CN=c1', 'CN=c1,CN=attacker'));
    assert.ok(eq('CN=c1,CN=attacker', 'CN=C1,CN=Attacker'));
  });

  it('TE-D-08: regex metacharacters are literal', () => {
    assert.ok(!eq('CN=.*', 'CN=anything'));
    assert.ok(eq('CN=(a|b)*', 'CN=(A|B)*'));
  });

  it('TE-D-09: prefix, suffix and substring DNs do not match', () => {
    assert.ok(!eq('CN=svc,O=Partner A', 'CN=svc,O=Partner A2'));
    assert.ok(!eq('CN=svc,O=Partner A', 'CN=svc,O=Partner A,OU=evil'));
    assert.ok(!eq('CN=svc,O=Partner A', 'OU=evil,CN=svc,O=Partner A'));
    assert.ok(!eq('CN=svc', 'CN=svc2'));
  });

  it('TE-D-10: Cyrillic lookalikes, zero-width joiner, NBSP and compatibility forms stay distinct', () => {
    assert.ok(!eq('CN=Partner', 'CN=Раrtner')); // Cyrillic Р and а
    assert.ok(!eq('CN=Partner', 'CN=Part\u200dner'));
    assert.ok(!eq('CN=Partner A', 'CN=Partner\u00a0A'));
    assert.ok(!eq('CN=ﬁle', 'CN=file')); // NFKC would merge the ligature
    assert.ok(!eq('CN=Ｐartner', 'CN=Partner')); // fullwidth
    assert.ok(eq('CN=Caf\\C3\\A9', 'CN=Cafe\\CC\\81')); // canonical equivalence (NFC) only
  });

  it('TE-D-10 (decision): a trailing unescaped space is syntax; an escaped one is insignificant under caseIgnoreMatch', () => {
    assert.ok(eq('CN=svc ', 'CN=svc'));
    assert.ok(eq('CN=svc\\ ', 'CN=svc')); // RFC 4518 §2.6.1 insignificant space handling
  });

  it('TE-D-12: values with control characters are equal to nothing, not even themselves', () => {
    const nul: Dn = [[{ type: CN, value: 'partner-a.example\u0000.evil.example' }]];
    assert.ok(!dnEquals(nul, nul));
    assert.ok(!dnEquals(parseDn('CN=partner-a.example'), nul));
  });

  it('opaque values (non-string DER) are equal to nothing, and format as #hex', () => {
    const opaque: Dn = [[{ type: CN, value: opaqueAvaValue(Uint8Array.of(0x04, 0x01, 0x41)) }]];
    assert.ok(!dnEquals(opaque, opaque));
    assert.equal(formatDn(opaque), 'CN=#040141');
    assert.ok(!dnEquals(parseDn('CN=\\#040141'), opaque));
    assert.throws(() => parseDn(formatDn(opaque)), isArgError);
  });

  it('different lengths, types or RDN sizes are not equal; empty equals empty', () => {
    assert.ok(!eq('CN=a', 'O=a'));
    assert.ok(!eq('CN=a+O=b', 'CN=a'));
    assert.ok(dnEquals([], []));
  });
});

describe('RFC 4514 formatDn', () => {
  it('RFC 4514 §2: most significant RDN last, registered short names, + for multi-valued RDNs', () => {
    assert.equal(formatDn(parseDn('c=DE,o=Partner A,cn=svc+2.5.4.5=1')), 'C=DE,O=Partner A,CN=svc+serialNumber=1');
    assert.equal(formatDn([[{ type: '1.3.6.1.4.1.99999.7', value: 'v' }]]), '1.3.6.1.4.1.99999.7=v');
  });

  it('RFC 4514 §2.4: escapes specials, leading # and space, trailing space, controls as \\XX', () => {
    const dn: Dn = [[{ type: CN, value: '# a,b+c"d\\e;f<g>h ' }]];
    assert.equal(formatDn(dn), 'CN=\\# a\\,b\\+c\\"d\\\\e\\;f\\<g\\>h\\ ');
    assert.equal(formatDn([[{ type: CN, value: 'a\u0000b\u0085' }]]), 'CN=a\\00b\\C2\\85');
    assert.equal(formatDn([[{ type: CN, value: ' ' }]]), 'CN=\\ ');
  });
});

// ---- properties ---------------------------------------------------------------

const TYPES = [CN, O, C, '2.5.4.11', '2.5.4.5', '0.9.2342.19200300.100.1.25', '1.2.840.113549.1.9.1', '1.3.6.1.4.1.99999.7'];
const cleanChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s));
const specialChar = fc.string({ unit: fc.constantFrom(' ', '#', ',', '+', '"', '\\', ';', '<', '>', '=', 'a', 'É', '😀'), minLength: 1, maxLength: 8 });
const value = fc.oneof(cleanChar, specialChar);
const rdn = fc.uniqueArray(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 3 }).chain((types) =>
  fc.tuple(...types.map((t) => value.map((v): Ava => ({ type: t, value: v })))),
);
const dnArb: fc.Arbitrary<Dn> = fc.array(rdn, { maxLength: 5 });
const swapCase = (s: string): string => Array.from(s, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');

describe('properties', () => {
  it('parseDn throws only TypeError ERR_INVALID_ARG_VALUE on arbitrary strings', () => {
    const dnish = fc.string({ unit: fc.constantFrom('C', 'N', 'O', '=', ',', '+', '\\', '#', '0', 'c', '3', ' ', 'a', '"', '.', '2', '5', '\u0000', 'é'), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)) }), dnish), (s) => {
        try {
          parseDn(s);
        } catch (err) {
          assert.ok(isArgError(err), String(err));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('formatDn/parseDn round-trip exactly', () => {
    fc.assert(
      fc.property(dnArb, (dn) => {
        const back = parseDn(formatDn(dn));
        assert.deepEqual(back, dn);
        assert.ok(dnEquals(back, dn));
      }),
      { numRuns: 1000 },
    );
  });

  it('dnEquals is reflexive and symmetric, and ignores case and AVA order inside RDNs for caseIgnore types', () => {
    fc.assert(
      fc.property(dnArb, dnArb, fc.boolean(), (a, b, mutate) => {
        assert.ok(dnEquals(a, a));
        const c = mutate ? a.map((r) => r.toReversed().map((x) => ({ ...x, value: TYPES.indexOf(x.type) < 5 ? swapCase(x.value) : x.value }))) : b;
        assert.equal(dnEquals(a, c), dnEquals(c, a));
        if (mutate && a.every((r) => r.every((x) => swapCase(x.value).toLowerCase() === x.value.toLowerCase()))) {
          assert.ok(dnEquals(a, c));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
