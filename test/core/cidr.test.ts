import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { cidrContains, parseCidr } from '../../src/core/cidr.ts';

const isArgError = (err: unknown): boolean => err instanceof TypeError && (err as { code?: unknown }).code === 'ERR_INVALID_ARG_VALUE';
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('parseCidr (trusted proxies, RFC 8705 §6.5)', () => {
  test('RFC 4632 §3.1: IPv4 ranges and single addresses', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { network: Uint8Array.of(10, 0, 0, 0), prefix: 8 });
    assert.deepEqual(parseCidr('127.0.0.1'), { network: Uint8Array.of(127, 0, 0, 1), prefix: 32 });
    assert.deepEqual(parseCidr('192.168.1.128/25'), { network: Uint8Array.of(192, 168, 1, 128), prefix: 25 });
    assert.deepEqual(parseCidr('0.0.0.0/0'), { network: Uint8Array.of(0, 0, 0, 0), prefix: 0 });
  });

  test('RFC 4291 §2.3: IPv6 ranges and single addresses', () => {
    const loopback = parseCidr('::1');
    assert.equal(hex(loopback.network), `${'0'.repeat(31)}1`);
    assert.equal(loopback.prefix, 128);
    const ula = parseCidr('fd00::/8');
    assert.equal(hex(ula.network), `fd${'0'.repeat(30)}`);
    assert.equal(ula.prefix, 8);
    assert.equal(parseCidr('2001:DB8::/32').prefix, 32);
  });

  test('RFC 4291 §2.5.5.2: an IPv4-mapped range is the IPv4 range it means', () => {
    assert.deepEqual(parseCidr('::ffff:10.0.0.0/104'), { network: Uint8Array.of(10, 0, 0, 0), prefix: 8 });
    assert.deepEqual(parseCidr('::ffff:127.0.0.1'), { network: Uint8Array.of(127, 0, 0, 1), prefix: 32 });
    assert.equal(parseCidr('::/64').network.length, 16);
  });

  test('RS-B-08: malformed ranges are TypeError ERR_INVALID_ARG_VALUE, never a guess', () => {
    for (const bad of [
      '', '/8', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/33', '::/129', '10.0.0.0/08', '10.0.0.0/-1', '10.0.0.0/+8', '10.0.0.0/8 ', ' 10.0.0.0/8',
      '10.0.0.1/8', '192.168.1.129/25', 'fd00::1/8', '010.0.0.0/8', '10.0.0/24', '10.0.0.0/0x8', 'fe80::1%eth0', 'fe80::%eth0/64', '[::1]', '::1/1e2',
      'localhost', '10.0.0.0/8,10.1.0.0/16', '10.0.0.0\n/8', '１0.0.0.0/8',
    ]) {
      assert.throws(() => parseCidr(bad), isArgError, JSON.stringify(bad));
    }
    for (const notString of [undefined, null, 10, ['10.0.0.0/8'], {}]) assert.throws(() => parseCidr(notString as unknown as string), isArgError);
  });
});

describe('cidrContains', () => {
  test('RFC 4632 §3.1: membership by prefix, on and off byte boundaries', () => {
    const ten = parseCidr('10.0.0.0/8');
    assert.ok(cidrContains(ten, '10.0.0.0'));
    assert.ok(cidrContains(ten, '10.255.255.255'));
    assert.ok(!cidrContains(ten, '11.0.0.0'));
    assert.ok(!cidrContains(ten, '9.255.255.255'));
    const half = parseCidr('192.168.1.128/25');
    assert.ok(cidrContains(half, '192.168.1.200'));
    assert.ok(!cidrContains(half, '192.168.1.127'));
    const host = parseCidr('127.0.0.1');
    assert.ok(cidrContains(host, '127.0.0.1'));
    assert.ok(!cidrContains(host, '127.0.0.2'));
    assert.ok(cidrContains(parseCidr('0.0.0.0/0'), '203.0.113.9'));
  });

  test('IPv6 membership; ranges hold only their own family', () => {
    const ula = parseCidr('fd00::/8');
    assert.ok(cidrContains(ula, 'fd12:3456::1'));
    assert.ok(!cidrContains(ula, 'fe80::1'));
    assert.ok(cidrContains(parseCidr('::1'), '::1'));
    assert.ok(cidrContains(parseCidr('::1'), '0:0:0:0:0:0:0:1'));
    assert.ok(!cidrContains(parseCidr('::/1'), '10.0.0.1'));
    assert.ok(!cidrContains(parseCidr('10.0.0.0/8'), '::a00:1'));
  });

  test('RS-B-08: an IPv4-mapped peer address (dual-stack socket) is matched as its IPv4 address', () => {
    assert.ok(cidrContains(parseCidr('127.0.0.1'), '::ffff:127.0.0.1'));
    assert.ok(cidrContains(parseCidr('10.0.0.0/8'), '::FFFF:10.1.2.3'));
    assert.ok(cidrContains(parseCidr('::ffff:10.0.0.0/104'), '10.1.2.3'));
    assert.ok(!cidrContains(parseCidr('127.0.0.1'), '::ffff:127.0.0.2'));
    assert.ok(!cidrContains(parseCidr('::ffff:0:0/96'), '::fffe:127.0.0.1'));
  });

  test('RS-B-08: an address that does not parse is in no range', () => {
    const all = parseCidr('0.0.0.0/0');
    for (const bad of [undefined, '', 'fe80::1%lo0', '010.0.0.1', '10.0.0.1 ', 'unix:/run/app.sock', '10.0.0.1, 127.0.0.1']) {
      assert.ok(!cidrContains(all, bad), String(bad));
    }
    assert.ok(!cidrContains(parseCidr('fe80::/10'), 'fe80::1%eth0'));
  });

  test('properties: parseCidr throws only TypeError ERR_INVALID_ARG_VALUE; cidrContains never throws', () => {
    const cidrish = fc.string({ unit: fc.constantFrom('0', '1', '2', '8', '9', 'a', 'f', ':', '.', '/', '%', ' ', '-'), maxLength: 45 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 50 }), cidrish), cidrish, (text, address) => {
        try {
          const cidr = parseCidr(text);
          assert.ok(cidr.prefix >= 0 && cidr.prefix <= cidr.network.length * 8);
          assert.equal(typeof cidrContains(cidr, address), 'boolean');
        } catch (err) {
          assert.ok(isArgError(err), String(err));
        }
      }),
    );
  });

  test('properties: an IPv4 address is in every range made from its own prefix, and its mapped form too', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (address, prefix) => {
        const bits = address.split('.').reduce((n, o) => n * 256 + Number(o), 0);
        const masked = prefix === 0 ? 0 : Math.floor(bits / 2 ** (32 - prefix)) * 2 ** (32 - prefix);
        const network = [24, 16, 8, 0].map((s) => Math.floor(masked / 2 ** s) % 256).join('.');
        const cidr = parseCidr(`${network}/${prefix}`);
        assert.ok(cidrContains(cidr, address));
        assert.ok(cidrContains(cidr, `::ffff:${address}`));
      }),
    );
  });
});
