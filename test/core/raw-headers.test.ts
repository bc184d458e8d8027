import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { rawHeaderValues } from '../../src/core/raw-headers.ts';

test('RFC 9110 §5.3: every line of a repeated field is returned, in order, names compared case-insensitively', () => {
  const raw = ['Host', 'api', 'Authorization', 'Bearer a', 'content-type', 'x', 'AUTHORIZATION', 'Bearer b'];
  assert.deepEqual(rawHeaderValues(raw, 'authorization'), ['Bearer a', 'Bearer b']);
  assert.deepEqual(rawHeaderValues(raw, 'Content-Type'), ['x']);
  assert.deepEqual(rawHeaderValues(raw, 'client-cert'), []);
});

test('a dangling name without a value (an odd-length array) is ignored, never read past the end', () => {
  assert.deepEqual(rawHeaderValues(['Authorization', 'Bearer a', 'Authorization'], 'authorization'), ['Bearer a']);
});

test('the values are exactly the value slots whose name matches (property)', () => {
  const name = fc.constantFrom('Authorization', 'authorization', 'Host', 'X-Other');
  fc.assert(
    fc.property(fc.array(fc.tuple(name, fc.string())), (pairs) => {
      const expected = pairs.filter(([n]) => n.toLowerCase() === 'authorization').map(([, v]) => v);
      assert.deepEqual(rawHeaderValues(pairs.flat(), 'Authorization'), expected);
    }),
  );
});
