// Operator-typed times are RFC 3339 / ISO 8601 dates, parsed strictly: an impossible date is
// refused, never rolled over into the next month as Date.parse does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseTimestamp } from '../../src/core/timestamp.ts';

test('RFC 3339 §5.6: full-date is midnight UTC; date-time with Z, an offset, fractional seconds', () => {
  assert.equal(parseTimestamp('2026-02-01')?.toISOString(), '2026-02-01T00:00:00.000Z');
  assert.equal(parseTimestamp('2026-02-01T12:30:05Z')?.toISOString(), '2026-02-01T12:30:05.000Z');
  assert.equal(parseTimestamp('2026-02-01t12:30:05.25z')?.toISOString(), '2026-02-01T12:30:05.250Z');
  assert.equal(parseTimestamp('2026-02-01T12:30:05+02:00')?.toISOString(), '2026-02-01T10:30:05.000Z');
  assert.equal(parseTimestamp('2026-02-01T00:30:00-01:30')?.toISOString(), '2026-02-01T02:00:00.000Z');
  assert.equal(parseTimestamp('2026-02-01T12:30:05.29Z')?.toISOString(), '2026-02-01T12:30:05.290Z');
  assert.equal(parseTimestamp('2024-02-29')?.toISOString(), '2024-02-29T00:00:00.000Z', 'a leap day');
});

test('RFC 3339 §5.7: dates and times that do not exist are refused (null), not rolled over', () => {
  for (const text of ['2026-02-30', '2026-02-29', '2100-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00',
    '2026-01-01T24:00:00Z', '2026-01-01T12:60:00Z', '2026-01-01T12:00:60Z', '2026-01-01T12:00:00+24:00', '2026-01-01T12:00:00+01:60']) {
    assert.equal(parseTimestamp(text), null, text);
  }
});

test('only RFC 3339 / ISO date forms: no offset-less time, no locale or loose forms', () => {
  for (const text of ['2026-02-01T12:00:00', '2026-02-01T12:00Z', '2026-2-1', '02/01/2026', 'Feb 1 2026', '1 February 2026', '2026-02-01 12:00:00Z',
    '20260201', '+002026-02-01', '2026-02-01T12:00:00.1234567890Z', ' 2026-02-01', '2026-02-01\n', '1767225600', '']) {
    assert.equal(parseTimestamp(text), null, JSON.stringify(text));
  }
});

test('property: every instant printed by toISOString parses back to itself', () => {
  fc.assert(fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (d) => {
    assert.equal(parseTimestamp(d.toISOString())?.getTime(), d.getTime());
  }));
});

test('property: a YYYY-MM-DD is accepted exactly when that calendar day exists', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
    const text = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
    const exists = d >= 1 && d <= days;
    const parsed = parseTimestamp(text);
    assert.equal(parsed !== null, exists, text);
    if (parsed) assert.equal(parsed.toISOString().slice(0, 10), text);
  }));
});
