import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomSerialNumber } from '../../src/pki/serial.ts';

test('RFC 5280 §4.1.2.2: serial numbers are positive, exactly 16 octets (≤ 20) and unique', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const serial = randomSerialNumber();
    assert.match(serial, /^[0-9a-f]{32}$/);
    const first = Number.parseInt(serial.slice(0, 2), 16);
    // High bit clear: a positive DER INTEGER; non-zero first octet: no leading zero to strip, so 16 octets exactly.
    assert.ok(first >= 0x40 && first <= 0x7f, serial);
    seen.add(serial);
  }
  assert.equal(seen.size, 1000);
});
