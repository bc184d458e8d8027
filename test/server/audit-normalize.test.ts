import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeAuditEvent } from '../../src/server/audit-normalize.ts';

const at = new Date('2026-12-06T00:00:00Z');
const detailOf = (detail: Record<string, unknown>) => normalizeAuditEvent({ at, event: 'test.event', outcome: 'success', detail }).detail;

test('a flat detail is kept as it is, less credential-named keys and undefined values', () => {
  assert.deepEqual(detailOf({ scope: 'a b', exp: 1, ok: true, none: null, gone: undefined, client_secret: 's', access_token: 't' }), {
    scope: 'a b',
    exp: 1,
    ok: true,
    none: null,
  });
});

test('a detail with a NUL, a nested value or a number JSON cannot hold is cleaned as JSON', () => {
  assert.deepEqual(detailOf({ a: 'x\u0000y', nested: { password: 'p', n: 1 } }), { a: 'xy', nested: { n: 1 } });
  assert.deepEqual(detailOf({ n: Number.POSITIVE_INFINITY }), { n: null });
});

test('the normalised detail is a copy: changing the recorded object later changes nothing', () => {
  const detail: Record<string, unknown> = { scope: 'a' };
  const event = normalizeAuditEvent({ at, event: 'test.event', outcome: 'success', detail });
  detail['scope'] = 'b';
  assert.equal(event.detail?.['scope'], 'a');
});
