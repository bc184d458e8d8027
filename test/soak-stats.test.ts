// The soak's bookkeeping (bench/soak-stats.ts): an answer counts as expected only when status,
// OAuth error code and challenge scheme all match and no body check failed; percentiles come
// from a fixed-memory histogram.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, kindTable, matches, Tally } from '../bench/soak-stats.ts';

const INVALID_CLIENT = { status: 401, error: 'invalid_client', challenge: 'Basic' };

test('soak: an outcome is expected only when status, error code and challenge all match and no body check failed', () => {
  assert.equal(matches({ status: 401, error: 'invalid_client', challenge: 'Basic' }, INVALID_CLIENT), true);
  assert.equal(matches({ status: 400, error: 'invalid_client', challenge: 'Basic' }, INVALID_CLIENT), false);
  assert.equal(matches({ status: 401, error: 'invalid_token', challenge: 'Basic' }, INVALID_CLIENT), false);
  assert.equal(matches({ status: 401, error: 'invalid_client', challenge: null }, INVALID_CLIENT), false);
  assert.equal(matches({ status: 200, error: null, challenge: null, mismatch: 'cnf is not its certificate' }, { status: 200, error: null, challenge: null }), false);
});

test('soak: the tally counts unexpected outcomes and transport failures by what they were', () => {
  const tally = new Tally();
  tally.declare('no_cert_token', 'attack', INVALID_CLIENT);
  assert.equal(tally.record('no_cert_token', { status: 401, error: 'invalid_client', challenge: 'Basic' }, 3), true);
  assert.equal(tally.record('no_cert_token', { status: 200, error: null, challenge: null }, 3), false);
  assert.equal(tally.record('no_cert_token', 'ECONNRESET', 3), false);
  assert.equal(tally.record('no_cert_token', 'ECONNRESET', 5012.345), false);
  const kind = tally.summary()['no_cert_token']!;
  assert.equal(kind.requests, 4);
  assert.equal(kind.unexpected, 3);
  assert.deepEqual(kind.unexpectedBy, { '200 - -': { count: 1, slowestMs: 3 }, 'transport ECONNRESET': { count: 2, slowestMs: 5012.35 } });
  assert.match(kindTable(tally.summary()), /got transport ECONNRESET: 2 \(slowest 5012 ms\)/);
  assert.throws(() => tally.record('undeclared', { status: 200, error: null, challenge: null }, 1), /undeclared request kind/);
});

test('soak: histogram percentiles are within 2 % of the exact ones, and never above the maximum', () => {
  const h = new Histogram();
  assert.equal(h.percentile(0.5), null);
  for (let ms = 1; ms <= 1000; ms++) h.add(ms);
  const p50 = h.percentile(0.5)!;
  const p99 = h.percentile(0.99)!;
  assert.ok(Math.abs(p50 - 500) / 500 <= 0.02, `p50 ${p50}`);
  assert.ok(Math.abs(p99 - 990) / 990 <= 0.02, `p99 ${p99}`);
  assert.ok(h.percentile(1)! <= 1000);
  assert.equal(h.max, 1000);
});
