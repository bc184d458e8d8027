import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { rfc4514Name } from '../../src/pki/x509.ts';

/** The RDNs of a name in DER order, as `{ type: values }` objects. */
const der = (dn: string): unknown => rfc4514Name(dn).toJSON();

test('RFC 4514 §2.1: the string lists RDNs last-first, so CN=c1, O=acme encodes O then CN', () => {
  assert.deepEqual(der('CN=c1, O=acme'), [{ O: ['acme'] }, { CN: ['c1'] }]);
  assert.deepEqual(der('CN=c1,OU=eng,O=acme,C=DE'), [{ C: ['DE'] }, { O: ['acme'] }, { OU: ['eng'] }, { CN: ['c1'] }]);
});

test('RFC 4514 §2.2–2.4: multi-valued RDNs, escapes, numeric OIDs and #hex values survive the reordering', () => {
  assert.deepEqual(der('CN=a,O=b+OU=c'), [{ O: ['b'], OU: ['c'] }, { CN: ['a'] }]);
  assert.deepEqual(der('CN=acme\\, inc\\+co,O=x'), [{ O: ['x'] }, { CN: ['acme, inc+co'] }]);
  assert.deepEqual(der('CN=a\\\\b,O=x'), [{ O: ['x'] }, { CN: ['a\\b'] }], 'an escaped backslash');
  assert.deepEqual(der('2.5.4.3=x,O=y'), [{ O: ['y'] }, { CN: ['x'] }]);
  assert.deepEqual(der('CN=\\#notHex'), [{ CN: ['#notHex'] }]);
  assert.deepEqual(der('CN=#0c03616263'), [{ CN: ['abc'] }]);
  assert.deepEqual(der('CN=\\C3\\A9t\\C3\\A9'), [{ CN: ['été'] }]);
  assert.deepEqual(der(' CN=c1 , O=acme '), [{ O: ['acme'] }, { CN: ['c1'] }], 'spaces around separators are not part of values');
  assert.deepEqual(der('CN=foo\\ ,O=x'), [{ O: ['x'] }, { CN: ['foo '] }], 'an escaped trailing space is');
});

test('RFC 5280 §4.1.2.4: values are PrintableString when they fit, else UTF8String; emailAddress is IA5String', () => {
  const hex = (dn: string): string => Buffer.from(rfc4514Name(dn).toArrayBuffer()).toString('hex');
  assert.match(hex('CN=c1'), /13026331$/);
  assert.match(hex('CN=c_1'), /0c03635f31$/);
  assert.match(hex('emailAddress=a@b.c'), /16056140622e63$/);
  assert.throws(() => rfc4514Name('C=Ü'), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('subjects that are not RFC 4514, or empty, are refused with ERR_INVALID_ARG_VALUE', () => {
  for (const dn of ['', 'garbage', 'CN=c1, garbage', 'CN=c1,, O=x', 'CN=', 'X=1', 'CN="q, x",O=y', 'CN=a\\', 'CN=a\u0000b']) {
    assert.throws(() => rfc4514Name(dn), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }, JSON.stringify(dn));
  }
});

/** RFC 4514 §2.4 escaping of one attribute value. */
function escape(value: string): string {
  const chars = [...value];
  return chars
    .map((c, i) => ('\\,+"<>;='.includes(c) || (i === 0 && (c === ' ' || c === '#')) || (i === chars.length - 1 && c === ' ') ? `\\${c}` : c))
    .join('');
}

test('property: any escaped CN and O values encode to exactly those values, O first', () => {
  const value = fc
    .string({ minLength: 1, maxLength: 20, unit: fc.constantFrom(...Array.from(' \\!"#$%&()*+,-./09:;<=>?@AZ[]^_`az{|}~é€😀')) })
    .filter((v) => v.trim() !== '');
  fc.assert(
    fc.property(value, value, (cn, o) => {
      assert.deepEqual(der(`CN=${escape(cn)}, O=${escape(o)}`), [{ O: [o] }, { CN: [cn] }]);
    }),
    { numRuns: 300 },
  );
});
