// What the upstream receives, header by header (RFC 9110 §7.6.1 hop-by-hop fields, RFC 7239).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { hopByHopNames } from '../../src/gateway/hop-by-hop.ts';
import { DEFAULT_IDENTITY_HEADERS, identityHeaderNames } from '../../src/gateway/identity.ts';
import { upstreamHeaders, type RequestOrigin, type UpstreamHeaderOptions } from '../../src/gateway/request-headers.ts';

const OPTIONS: UpstreamHeaderOptions = { identityNames: DEFAULT_IDENTITY_HEADERS, forwardAuthorization: false, forwarded: 'x-forwarded' };
const EDGE: RequestOrigin = { peer: '::ffff:192.0.2.7', peerTrusted: false, proto: 'https' };
const ID: [string, string][] = [['x-certbound-client-id', 'acme-a']];

/** The flat list as [name, value] pairs, names lower-cased. */
const pairs = (flat: string[]) => Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!.toLowerCase(), flat[2 * i + 1]!] as const);
const valuesOf = (flat: string[], name: string) => pairs(flat).filter(([n]) => n === name).map(([, v]) => v);

describe('upstreamHeaders', () => {
  test('RFC 9110 §7.6.1: the fixed hop-by-hop fields and those Connection names are dropped; end-to-end fields kept in order', () => {
    const raw = ['Host', 'api', 'Connection', 'keep-alive, X-Hop', 'connection', 'x-other-hop', 'X-Hop', '1', 'x-other-hop', '2', 'Keep-Alive', 't=5', 'TE', 'trailers', 'Upgrade', 'h2c', 'Proxy-Authorization', 'Basic x', 'Accept', 'a/b', 'Trailer', 'x', 'Transfer-Encoding', 'chunked'];
    const out = upstreamHeaders(raw, EDGE, ID, OPTIONS);
    assert.deepEqual(pairs(out).map(([n]) => n), ['accept', 'x-certbound-client-id', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
  });

  test('Host is the upstream\'s own (undici writes it) unless preserveHost; the client\'s goes in X-Forwarded-Host', () => {
    const raw = ['Host', 'admin.internal', 'Accept', 'a/b'];
    const out = upstreamHeaders(raw, EDGE, [], OPTIONS);
    assert.deepEqual(valuesOf(out, 'host'), []);
    assert.deepEqual(valuesOf(out, 'x-forwarded-host'), ['admin.internal']);
    assert.deepEqual(valuesOf(upstreamHeaders(raw, EDGE, [], { ...OPTIONS, preserveHost: true }), 'host'), ['admin.internal']);
  });

  test('RFC 6750 §5.3: Authorization is dropped unless forwarding it is asked for', () => {
    const raw = ['Authorization', 'Bearer t'];
    assert.deepEqual(valuesOf(upstreamHeaders(raw, EDGE, ID, OPTIONS), 'authorization'), []);
    assert.deepEqual(valuesOf(upstreamHeaders(raw, EDGE, ID, { ...OPTIONS, forwardAuthorization: true }), 'authorization'), ['Bearer t']);
  });

  test('every x-certbound-* and every configured identity name a client sends is dropped; only the gateway\'s lines remain', () => {
    const names = identityHeaderNames({ clientId: 'X-Client' });
    const raw = ['X-Client', 'forged', 'x-certbound-client-id', 'forged', 'X-CERTBOUND-ANYTHING', 'x'];
    const out = upstreamHeaders(raw, EDGE, [['x-client', 'acme-a']], { ...OPTIONS, identityNames: names });
    assert.deepEqual(pairs(out).filter(([n]) => n.startsWith('x-c')), [['x-client', 'acme-a']]);
  });

  test('at the edge the client\'s forwarding headers are replaced; from a trusted proxy they are kept and extended', () => {
    const raw = ['Host', 'api.example', 'X-Forwarded-For', '10.9.9.9', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'evil', 'X-Real-IP', '10.9.9.9', 'Forwarded', 'for=10.9.9.9'];
    const edge = upstreamHeaders(raw, EDGE, [], OPTIONS);
    assert.deepEqual(valuesOf(edge, 'x-forwarded-for'), ['192.0.2.7']);
    assert.deepEqual(valuesOf(edge, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(valuesOf(edge, 'x-forwarded-host'), ['api.example']);
    assert.deepEqual(valuesOf(edge, 'x-real-ip'), []);
    assert.deepEqual(valuesOf(edge, 'forwarded'), []);
    const behind = upstreamHeaders(raw, { peer: '10.0.0.5', peerTrusted: true, proto: 'http' }, [], OPTIONS);
    assert.deepEqual(valuesOf(behind, 'x-forwarded-for'), ['10.9.9.9, 10.0.0.5']);
    assert.deepEqual(valuesOf(behind, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(valuesOf(behind, 'x-forwarded-host'), ['evil']);
  });

  test('RFC 7239 §4, §6: one Forwarded element with for (IPv6 quoted and bracketed), host and proto', () => {
    const raw = ['Host', 'api.example:9443', 'Forwarded', 'for=10.9.9.9'];
    assert.deepEqual(valuesOf(upstreamHeaders(raw, { peer: '2001:db8::1', peerTrusted: false, proto: 'https' }, [], { ...OPTIONS, forwarded: 'rfc7239' }), 'forwarded'), ['for="[2001:db8::1]";host="api.example:9443";proto=https']);
    assert.deepEqual(valuesOf(upstreamHeaders(raw, { peer: '10.0.0.5', peerTrusted: true, proto: 'https' }, [], { ...OPTIONS, forwarded: 'rfc7239' }), 'forwarded'), ['for=10.9.9.9, for=10.0.0.5;host="api.example:9443";proto=https']);
  });

  test('property: no field named in any Connection line, and no fixed hop-by-hop field, is ever forwarded', () => {
    const name = fc.constantFrom('x-a', 'X-B', 'x-c', 'te', 'Keep-Alive', 'accept', 'host', 'upgrade', 'x-certbound-z');
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.constantFrom('1', 'v')), { maxLength: 8 }), fc.array(fc.array(name, { maxLength: 3 }), { maxLength: 2 }), (fields, connections) => {
        const raw = [...fields.flat(), ...connections.flatMap((names) => ['Connection', names.join(' , ')])];
        const hop = hopByHopNames(raw);
        const out = pairs(upstreamHeaders(raw, EDGE, [], OPTIONS));
        return out.every(([n]) => !hop.has(n) && !n.startsWith('x-certbound-'));
      }),
    );
  });
});

describe('identityHeaderNames', () => {
  test('names are lower-cased; a malformed or repeated name is a TypeError ERR_INVALID_ARG_VALUE', () => {
    assert.equal(identityHeaderNames({ scope: 'X-Scopes' }).scope, 'x-scopes');
    for (const bad of [{ scope: 'x scope' }, { scope: '' }, { scope: 'x-certbound-client-id' }, { partner: 'X-Certbound-Scope' }]) {
      assert.throws(() => identityHeaderNames(bad), (err: unknown) => err instanceof TypeError && (err as NodeJS.ErrnoException).code === 'ERR_INVALID_ARG_VALUE', JSON.stringify(bad));
    }
  });
});
