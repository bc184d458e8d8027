import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newJti } from '../../src/server/access-tokens.ts';

test('newJti gives 128-bit identifiers that never repeat, across refills of its random pool', () => {
  const seen = new Set<string>();
  // Several times the pool's 256 identifiers, so refills are crossed.
  for (let i = 0; i < 2_000; i++) {
    const jti = newJti();
    assert.match(jti, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(jti, 'base64url').length, 16);
    seen.add(jti);
  }
  assert.equal(seen.size, 2_000);
});
