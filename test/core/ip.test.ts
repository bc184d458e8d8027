import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ipEquals, parseIp } from '../../src/core/ip.ts';

const isArgError = (err: unknown): boolean =>
  err instanceof TypeError && (err as TypeError & { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE';
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('parseIp (RFC 8705 §2.1.2 tls_client_auth_san_ip)', () => {
  it('IPv4 canonical dotted decimal gives 4 octets', () => {
    assert.deepEqual(parseIp('10.0.0.1'), Uint8Array.of(10, 0, 0, 1));
    assert.deepEqual(parseIp('255.255.255.255'), Uint8Array.of(255, 255, 255, 255));
    assert.deepEqual(parseIp('0.0.0.0'), Uint8Array.of(0, 0, 0, 0));
  });

  it('TE-S-03: non-canonical IPv4 spellings (leading zeros, hex, octal, integer, short forms) are refused', () => {
    for (const bad of ['010.000.000.001', '010.0.0.1', '0x0a000001', '0x0a.0.0.1', '167772161', '10.1', '10.0.1', '256.0.0.1', '10.0.0.1.', ' 10.0.0.1', '10.0.0.1 ', '1.2.3.4/32', '１.2.3.4']) {
      assert.throws(() => parseIp(bad), isArgError, bad);
    }
  });

  it('TE-S-05 / RFC 4291 §2.2: every IPv6 spelling of one address gives the same 16 octets', () => {
    const want = parseIp('2001:db8::1');
    for (const s of ['2001:DB8::1', '2001:0db8:0:0:0:0:0:1', '2001:db8:0::0:1', '2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::0.0.0.1']) {
      assert.ok(ipEquals(parseIp(s), want), s);
    }
    assert.equal(hex(want), '20010db8000000000000000000000001');
  });

  it('RFC 4291 §2.2: :: alone, at either end, for a single group, and an embedded IPv4 tail', () => {
    assert.equal(hex(parseIp('::')), '0'.repeat(32));
    assert.equal(hex(parseIp('::1')), `${'0'.repeat(31)}1`);
    assert.equal(hex(parseIp('1::')), `0001${'0'.repeat(28)}`);
    assert.equal(hex(parseIp('1:2:3:4:5:6:7::')), '00010002000300040005000600070000');
    assert.equal(hex(parseIp('::ffff:10.0.0.1')), '00000000000000000000ffff0a000001');
    assert.equal(hex(parseIp('1:2:3:4:5:6:10.0.0.1')), '0001000200030004000500060a000001');
  });

  it('malformed IPv6 is refused: zone ids, two ::, too many groups, 5-digit groups, misplaced IPv4, brackets', () => {
    for (const bad of ['fe80::1%eth0', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1::2:3:4:5:6:7:8', '00000::1', '::g', ':1::', '1:::2', '1:2:3:4:5:6:7:', '10.0.0.1::', '::ffff:010.0.0.1', '[::1]', '::1.2.3', '']) {
      assert.throws(() => parseIp(bad), isArgError, bad);
    }
    assert.throws(() => parseIp('1'.repeat(46)), isArgError);
    assert.throws(() => parseIp(undefined as unknown as string), isArgError);
  });

  it('TE-S-04: 10.0.0.1 and ::ffff:10.0.0.1 are different addresses (4 vs 16 octets)', () => {
    assert.ok(!ipEquals(parseIp('10.0.0.1'), parseIp('::ffff:10.0.0.1')));
    assert.ok(!ipEquals(parseIp('10.0.0.1'), parseIp('10.0.0.2')));
    assert.ok(ipEquals(parseIp('10.0.0.1'), Uint8Array.of(10, 0, 0, 1)));
  });
});

describe('properties', () => {
  const ipish = fc.string({ unit: fc.constantFrom('0', '1', '9', 'a', 'F', 'g', ':', '.', '%', ' ', 'x', '2', '5'), maxLength: 46 });

  it('parseIp returns 4 or 16 octets or throws TypeError ERR_INVALID_ARG_VALUE, on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), ipish), (s) => {
        try {
          const b = parseIp(s);
          assert.ok(b.length === 4 || b.length === 16);
        } catch (err) {
          assert.ok(isArgError(err), String(err));
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('parseIp accepts exactly what node:net isIP accepts (zone ids aside), and agrees with the URL parser on IPv6 octets', () => {
    fc.assert(
      fc.property(fc.oneof(ipish.filter((s) => !s.includes('%')), fc.ipV6(), fc.ipV4(), fc.ipV4Extended()), (s) => {
        let ok = true;
        try {
          parseIp(s);
        } catch {
          ok = false;
        }
        assert.equal(ok, isIP(s) !== 0, s);
        if (ok && s.includes(':')) {
          const canonical = new URL(`http://[${s}]/`).hostname.slice(1, -1);
          assert.ok(ipEquals(parseIp(s), parseIp(canonical)));
        }
      }),
      { numRuns: 20000 },
    );
  });

  it('random addresses round-trip through full and compressed spellings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), (v6, v4) => {
        const words = Array.from({ length: 8 }, (_, i) => (((v6[2 * i] ?? 0) << 8) | (v6[2 * i + 1] ?? 0)).toString(16));
        assert.deepEqual(parseIp(words.join(':')), v6);
        assert.deepEqual(parseIp(new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1)), v6);
        assert.deepEqual(parseIp(Array.from(v4).join('.')), v4);
      }),
      { numRuns: 1000 },
    );
  });
});
