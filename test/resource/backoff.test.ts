import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../../src/resource/backoff.ts';

const BOUNDS = { base: 1000, cap: 8000 };

test('REL-09: the longest wait doubles from base per failure and stops at the cap', () => {
  const longest = () => 1;
  assert.deepEqual([1, 2, 3, 4, 5, 40].map((n) => backoffDelay(n, BOUNDS, longest)), [1000, 2000, 4000, 8000, 8000, 8000]);
});

test('REL-09: jitter draws between half the ceiling and the ceiling, never below base (at most one attempt per base interval)', () => {
  const shortest = () => 0;
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, BOUNDS, shortest)), [1000, 1000, 2000, 4000]);
  for (let i = 0; i < 200; i++) {
    const wait = backoffDelay(4, BOUNDS, Math.random);
    assert.ok(wait >= 4000 && wait <= 8000, String(wait));
  }
});

test('a zero or negative failure count is treated as the first failure', () => {
  assert.equal(backoffDelay(0, BOUNDS, () => 1), 1000);
});
