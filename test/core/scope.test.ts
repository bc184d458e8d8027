import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { InvalidScope } from '../../src/core/errors.ts';
import { parseScope } from '../../src/core/scope.ts';

const isInvalidScope = (err: unknown): boolean => err instanceof InvalidScope && err.status === 400 && err.error === 'invalid_scope';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), written out here from the ABNF.
const TOKEN_CHARS = [0x21, ...range(0x23, 0x5b), ...range(0x5d, 0x7e)].map((c) => String.fromCharCode(c));
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
const scopeToken = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 });

describe('parseScope', () => {
  test('RFC 6749 §3.3: splits a space-delimited list into scope tokens, in order', () => {
    assert.deepEqual(parseScope('orders:read orders:write billing:read'), ['orders:read', 'orders:write', 'billing:read']);
    assert.deepEqual(parseScope('openid'), ['openid']);
  });

  test('RFC 6749 §3.3: the order does not matter, repeats are dropped keeping the first occurrence', () => {
    assert.deepEqual(parseScope('b a b c a'), ['b', 'a', 'c']);
  });

  test('RFC 6749 §3.3: the boundary characters %x21, %x23, %x5B, %x5D and %x7E are legal', () => {
    assert.deepEqual(parseScope('! # [ ] ~ {a,b} https://x.example/p?q=1'), ['!', '#', '[', ']', '~', '{a,b}', 'https://x.example/p?q=1']);
  });

  test('RFC 6749 §3.3: a double quote, a backslash, DEL, controls and non-ASCII are invalid_scope', () => {
    for (const bad of ['a"b', 'a\\b', 'a\x7fb', 'a\tb', 'a\nb', 'a\x00', 'é', 'read\u00a0write', 'ｒead']) {
      assert.throws(() => parseScope(bad), isInvalidScope, JSON.stringify(bad));
    }
  });

  test('RFC 6749 §3.3: tokens are separated by exactly one space; empty tokens are invalid_scope', () => {
    for (const bad of ['', ' ', 'a  b', ' a', 'a ', 'a b ']) {
      assert.throws(() => parseScope(bad), isInvalidScope, JSON.stringify(bad));
    }
  });

  test('accepts 100 scope values and refuses more', () => {
    const n = (count: number) => Array.from({ length: count }, (_, i) => `s${i}`).join(' ');
    assert.equal(parseScope(n(100)).length, 100);
    assert.throws(() => parseScope(n(101)), isInvalidScope);
  });

  test('any list of legal tokens joined by single spaces parses to its distinct tokens in first-seen order', () => {
    fc.assert(
      fc.property(fc.array(scopeToken, { minLength: 1, maxLength: 30 }), (tokens) => {
        assert.deepEqual(parseScope(tokens.join(' ')), [...new Set(tokens)]);
      }),
    );
  });

  test('never throws anything but invalid_scope, and returns only ABNF scope tokens', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 60 }), (s) => {
        try {
          const out = parseScope(s);
          assert.ok(out.length > 0);
          for (const t of out) assert.ok([...t].every((c) => TOKEN_CHARS.includes(c)), t);
          assert.equal(new Set(out).size, out.length);
        } catch (err) {
          assert.ok(isInvalidScope(err), String(err));
        }
      }),
      { numRuns: 500 },
    );
  });
});

