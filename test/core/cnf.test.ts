import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { boundThumbprint, certificateConfirmation, thumbprintsEqual } from '../../src/core/cnf.ts';
import type { Thumbprint } from '../../src/core/thumbprint.ts';

const T1 = createHash('sha256').update('certificate one').digest('base64url') as Thumbprint;
const T2 = createHash('sha256').update('certificate two').digest('base64url') as Thumbprint;

const isTypeError = (err: unknown): boolean => err instanceof TypeError;

describe('certificateConfirmation', () => {
  test('RFC 8705 §3.1: cnf is an object with the single member x5t#S256', () => {
    assert.deepEqual(certificateConfirmation(T1), { 'x5t#S256': T1 });
    assert.equal(JSON.stringify(certificateConfirmation(T1)), `{"x5t#S256":"${T1}"}`);
  });
});

describe('boundThumbprint', () => {
  test('a token without cnf is unbound', () => {
    assert.equal(boundThumbprint(undefined), undefined);
  });

  test('RFC 8705 §3.1: returns the x5t#S256 of a well-formed cnf, as parsed from JSON', () => {
    assert.equal(boundThumbprint(JSON.parse(`{"x5t#S256":"${T1}"}`)), T1);
  });

  test('RFC 8705 §3.1: refuses a cnf that is not an object', () => {
    for (const cnf of [null, T1, 1, true, [T1], [{ 'x5t#S256': T1 }]]) {
      assert.throws(() => boundThumbprint(cnf), isTypeError, JSON.stringify(cnf));
    }
  });

  test('RFC 8705 §3.1: refuses another confirmation method (x5t, jkt, x5t#S512) and an empty cnf', () => {
    for (const cnf of [{ x5t: T1 }, { jkt: T1 }, { 'x5t#S512': T1 }, { 'X5T#S256': T1 }, {}]) {
      assert.throws(() => boundThumbprint(cnf), isTypeError, JSON.stringify(cnf));
    }
  });

  test('RFC 8705 §3.1: refuses x5t#S256 beside any extra member, so a mixed confirmation is never half-checked', () => {
    for (const cnf of [
      { 'x5t#S256': T1, jkt: T2 },
      { 'x5t#S256': T1, x5t: T2 },
      { 'x5t#S256': T1, extra: 1 },
      JSON.parse(`{"x5t#S256":"${T1}","__proto__":{}}`) as unknown,
    ]) {
      assert.throws(() => boundThumbprint(cnf), isTypeError, JSON.stringify(cnf));
    }
  });

  test('RFC 8705 §3.1: refuses a malformed thumbprint: padding, whitespace, base64 (not url) characters, wrong length, not a string', () => {
    const b64 = Buffer.from(T1, 'base64url').toString('base64');
    for (const value of [`${T1}=`, b64, ` ${T1}`, `${T1} `, `${T1}\n`, T1.slice(1), `${T1}A`, '', null, 1, [T1], { value: T1 }]) {
      assert.throws(() => boundThumbprint({ 'x5t#S256': value }), isTypeError, JSON.stringify(value));
    }
  });

  test('never throws anything but TypeError, and only returns well-formed thumbprints', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (cnf) => {
        try {
          const t = boundThumbprint(cnf);
          assert.ok(t === undefined || /^[A-Za-z0-9_-]{43}$/.test(t));
        } catch (err) {
          assert.ok(err instanceof TypeError);
        }
      }),
    );
  });
});

describe('thumbprintsEqual', () => {
  test('RFC 8705 §3: equal thumbprints match, different ones do not', () => {
    assert.equal(thumbprintsEqual(T1, T1), true);
    assert.equal(thumbprintsEqual(T1, `${T1}` as Thumbprint), true);
    assert.equal(thumbprintsEqual(T1, T2), false);
    assert.equal(thumbprintsEqual(T2, T1), false);
  });

  test('a thumbprint differing in one character does not match', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 31 }), fc.integer({ min: 1, max: 255 }), (bytes, i, flip) => {
        const a = Buffer.from(bytes);
        const b = Buffer.from(bytes);
        b[i] = (b[i]! ^ flip) & 0xff;
        assert.equal(thumbprintsEqual(a.toString('base64url') as Thumbprint, b.toString('base64url') as Thumbprint), false);
        assert.equal(thumbprintsEqual(a.toString('base64url') as Thumbprint, a.toString('base64url') as Thumbprint), true);
      }),
    );
  });
});
