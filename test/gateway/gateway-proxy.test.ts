// The gateway behind a TLS-terminating proxy (127.0.0.2 here): plain HTTP, the client
// certificate read from the proxy's header and believed from the proxy's address only
// (RFC 8705 §7.3), the proxy's forwarding headers kept and extended.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { expectedThumbprint, nginxEscape } from '../core/proxy-cert/helpers.ts';
import { assertRefused, testGateway, tokenFor } from '../helpers/gateway.ts';
import { sendPlain } from '../helpers/http.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { API, authority, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

const PROXY = '127.0.0.2';
let h: Harness;
let upstream: Upstream;
let gateway: Gateway;
let a: Credentials;
let g: Credentials;
let tokenA: string;

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  g = await credentials('globex-g');
  tokenA = await tokenFor(h, 'acme-a', a);
  upstream = await startUpstream();
  gateway = await testGateway(h, upstream.url, {
    guard: {
      issuer: h.issuer,
      ca: (await authority('platform')).certPem,
      audience: API.acmeOrders,
      certificateSource: { from: 'proxy', format: 'nginx', trustedProxies: [PROXY], verifyHeader: { name: 'ssl-client-verify', value: 'SUCCESS' } },
    },
    forwarded: 'rfc7239',
    plain: true,
  });
  // Plain HTTP: the proxy terminated TLS.
  assert.match(gateway.url, /^http:/);
});
after(async () => {
  await gateway?.close();
  await upstream?.close();
  await h?.close();
});

const call = (cert: Credentials | null, from: string, headers: Record<string, string> = {}) =>
  sendPlain(`http://127.0.0.1:${gateway.port}/orders`, {
    localAddress: from,
    headers: { authorization: `Bearer ${tokenA}`, ...(cert ? { 'ssl-client-cert': nginxEscape(cert.cert), 'ssl-client-verify': 'SUCCESS' } : {}), ...headers },
  });

describe('certbound gateway behind a TLS-terminating proxy', () => {
  test('RFC 8705 §3: the holder\'s certificate in the trusted proxy\'s header lets the token through; Forwarded is extended', async () => {
    const res = await call(a, PROXY, { host: 'api.example', forwarded: 'for=198.51.100.4;proto=https' });
    assert.equal(res.status, 200, res.text);
    const seen = res.json?.['headers'] as Record<string, string>;
    assert.equal(seen['x-certbound-client-id'], 'acme-a');
    assert.equal(seen['x-certbound-cert-thumbprint'], expectedThumbprint(a.cert));
    assert.equal(seen['forwarded'], 'for=198.51.100.4;proto=https, for=127.0.0.2;host=api.example;proto=http');
  });

  test('RFC 8705 §3 (RS-B-01): another partner\'s certificate in the proxy\'s header is 401 invalid_token, never forwarded', async () => {
    const before = upstream.seen.length;
    assertRefused(await call(g, PROXY), 401, 'invalid_token');
    assert.equal(upstream.seen.length, before);
  });

  test('RS-B-07 / CVE-2024-10039: the same header from any other peer is 401 invalid_token, never forwarded', async () => {
    const before = upstream.seen.length;
    const res = await call(a, '127.0.0.1', { 'x-forwarded-for': PROXY });
    assertRefused(res, 401, 'invalid_token');
    assert.equal(res.json?.['error_description'], 'certificate header from an untrusted peer');
    assert.equal(upstream.seen.length, before);
  });

  test('ssl-client-verify other than SUCCESS (nginx ssl_verify_client optional) is 401 invalid_token', async () => {
    assertRefused(await call(a, PROXY, { 'ssl-client-verify': 'FAILED:unable to verify' }), 401, 'invalid_token');
  });
});
