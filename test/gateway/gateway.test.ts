// `certbound gateway` in front of a plain node:http upstream that knows nothing of OAuth: the
// guard decides every request (RFC 8705 §3, RFC 6750 §3), a refused request never reaches the
// upstream, and what does reach it carries the gateway's identity headers and nothing the
// client or the hop should not pass on (RFC 9110 §7.6.1).
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { expectedThumbprint } from '../core/proxy-cert/helpers.ts';
import { assertRefused, front, tokenFor, testGateway } from '../helpers/gateway.ts';
import { collect, send, type Response } from '../helpers/https.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { API, authority, credentials, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

let h: Harness;
let upstream: Upstream;
let gateway: Gateway;
let a: Credentials;
let g: Credentials;
let san: Credentials;
let tokenA: string;
let platformCa: string;
const log: Record<string, unknown>[] = [];

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  g = await credentials('globex-g');
  san = await credentials('acme-san');
  platformCa = (await authority('platform')).certPem;
  tokenA = await tokenFor(h, 'acme-a', a);
  upstream = await startUpstream();
  gateway = await testGateway(h, upstream.url, { logger: { info: (d) => log.push(d), warn: (d) => log.push({ warn: true, ...d }) } });
});
after(async () => {
  await gateway?.close();
  await upstream?.close();
  await h?.close();
});

const call = (token: string | null, identity: Credentials | null, path = '/orders', headers: Record<string, string | string[]> = {}, method?: string) =>
  send(`${front(gateway)}${path}`, {
    ca: platformCa,
    ...(identity ? { identity } : {}),
    ...(method ? { method } : {}),
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });

/** A GET with the request target exactly as given (URL parsing would normalize it first). */
const rawTarget = (path: string) =>
  new Promise<Response>((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', servername: 'localhost', port: gateway.port, path, ca: platformCa, cert: a.cert, key: a.key, agent: false, headers: { host: `localhost:${gateway.port}`, authorization: `Bearer ${tokenA}` } },
      (res) => collect(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end();
  });

/** Runs `fn` and asserts the upstream received no request meanwhile. */
async function neverForwarded(fn: () => Promise<Response>): Promise<Response> {
  const before = upstream.seen.length;
  const res = await fn();
  assert.equal(upstream.seen.length, before, 'the upstream was called');
  return res;
}

describe('certbound gateway: decisions', () => {
  test('RFC 8705 §3: the holder\'s token with its certificate is forwarded; the upstream sees the identity headers, not the token', async () => {
    const res = await call(tokenA, a);
    assert.equal(res.status, 200, res.text);
    const seen = res.json?.['headers'] as Record<string, string>;
    assert.equal(seen['x-certbound-client-id'], 'acme-a');
    assert.equal(seen['x-certbound-partner'], 'acme');
    assert.equal(seen['x-certbound-scope'], 'orders:read orders:write billing:read');
    assert.equal(seen['x-certbound-cert-thumbprint'], expectedThumbprint(a.cert));
    assert.equal(seen['authorization'], undefined, 'the bearer token is for this hop only');
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'https');
    assert.equal(seen['x-forwarded-host'], `localhost:${gateway.port}`);
    assert.equal(seen['host'], new URL(upstream.url).host, 'the upstream\'s own Host, not one the client chose');
  });

  test('RFC 8705 §3 (RS-B-01): a stolen token with another partner\'s certificate is 401 invalid_token, never forwarded', async () => {
    const res = await neverForwarded(() => call(tokenA, g));
    assertRefused(res, 401, 'invalid_token');
    assert.equal(res.json?.['error_description'], 'the access token is bound to another certificate');
  });

  test('RFC 8705 §3 (RS-B-02): the bound token without a client certificate is 401 invalid_token, never forwarded', async () => {
    assertRefused(await neverForwarded(() => call(tokenA, null)), 401, 'invalid_token');
  });

  test('RFC 8705 §3 (JT-16): a plain bearer token (no cnf) is 401 invalid_token, never forwarded', async () => {
    const bearer = await tokenFor(h, 'acme-post', null, { client_secret: await secret('acme-post') });
    const res = await neverForwarded(() => call(bearer, a));
    assertRefused(res, 401, 'invalid_token');
    assert.equal(res.json?.['error_description'], 'the access token is not certificate-bound');
  });

  test('RFC 9068 §4: a token for another audience, with its holder\'s certificate, is 401 invalid_token, never forwarded', async () => {
    const globexToken = await tokenFor(h, 'globex-g', g);
    const res = await neverForwarded(() => call(globexToken, g));
    assertRefused(res, 401, 'invalid_token');
    assert.equal(res.json?.['error_description'], "the access token's aud claim is not acceptable");
  });

  test('RFC 6750 §3.1: no token is 401 with a bare Bearer challenge, never forwarded', async () => {
    const res = await neverForwarded(() => call(null, a));
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], `Bearer realm="${API.acmeOrders}"`);
  });

  test('RFC 6750 §3.1: a route\'s missing scope is 403 insufficient_scope naming it, never forwarded', async () => {
    const res = await neverForwarded(() => call(tokenA, a, '/orders/17', {}, 'DELETE'));
    assertRefused(res, 403, 'insufficient_scope');
    assert.ok(String(res.headers['www-authenticate']).endsWith(', scope="orders:admin"'));
    const readOnly = await tokenFor(h, 'acme-san', san);
    assertRefused(await neverForwarded(() => call(readOnly, san, '/orders', {}, 'POST')), 403, 'insufficient_scope');
    assert.equal((await call(readOnly, san, '/orders/17')).status, 200, 'the scope it has still opens its routes');
  });

  test('--default deny: a request no route matches is 403 insufficient_scope with a valid token, 401 without, never forwarded', async () => {
    const res = await neverForwarded(() => call(tokenA, a, '/admin'));
    assertRefused(res, 403, 'insufficient_scope');
    assert.equal(res.json?.['error_description'], 'no route of this gateway allows the request');
    assert.doesNotMatch(String(res.headers['www-authenticate']), /scope=/);
    assertRefused(await neverForwarded(() => call(tokenA, a, '/orders', {}, 'PATCH')), 403, 'insufficient_scope');
    assert.equal((await neverForwarded(() => call(null, null, '/admin'))).status, 401, 'a caller without a token learns nothing of the routes');
  });

  test('--default authenticated: a request no route matches passes with any valid bound token, and still needs one; renamed identity headers', async () => {
    const open = await testGateway(h, upstream.url, { policy: { routes: [], fallback: 'authenticated' }, identityHeaders: { clientId: 'X-Client', scope: 'X-Scopes' } });
    try {
      const res = await send(`${front(open)}/anything/at/all`, { ca: platformCa, identity: a, headers: { authorization: `Bearer ${tokenA}`, 'x-client': 'forged', 'x-certbound-client-id': 'forged' } });
      assert.equal(res.status, 200, res.text);
      const seen = res.json?.['headers'] as Record<string, string>;
      assert.equal(seen['x-client'], 'acme-a');
      assert.equal(seen['x-scopes'], 'orders:read orders:write billing:read');
      assert.equal(seen['x-certbound-client-id'], undefined, 'the default name is stripped too');
      const stolen = await send(`${front(open)}/anything`, { ca: platformCa, identity: g, headers: { authorization: `Bearer ${tokenA}` } });
      assertRefused(stolen, 401, 'invalid_token');
    } finally {
      await open.close();
    }
  });

  test('a route needing no scope still needs a valid bound token', async () => {
    assert.equal((await call(tokenA, a, '/public')).status, 200);
    assertRefused(await neverForwarded(() => call(tokenA, g, '/public')), 401, 'invalid_token');
  });

  test('RFC 3986 §5.2.4: a path with dot segments, empty segments or encoded separators is 400 invalid_request, never forwarded', async () => {
    for (const path of ['/public/../admin', '/orders/./x', '//orders', '/orders/%2e%2e/admin', '/orders%2F17', '/orders/%5c']) {
      assertRefused(await neverForwarded(() => rawTarget(path)), 400, 'invalid_request');
    }
  });

  test('RFC 6750 §5.3 (JT-21): a token in the query string is 400 invalid_request, never forwarded', async () => {
    assertRefused(await neverForwarded(() => call(null, a, `/orders?access_token=${tokenA}`)), 400, 'invalid_request');
    assertRefused(await neverForwarded(() => call(tokenA, a, `/orders?x=1&access_token=${tokenA}`)), 400, 'invalid_request');
  });

  test('RFC 6750 §2.2: a token in a form body without the header is 401 (no token), never forwarded', async () => {
    const res = await neverForwarded(() =>
      send(`${front(gateway)}/orders`, { ca: platformCa, identity: a, form: { access_token: tokenA } }),
    );
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], `Bearer realm="${API.acmeOrders}"`);
  });

  test('RFC 6750 §2.1 (JT-23): two Authorization headers are 400 invalid_request, never forwarded', async () => {
    assertRefused(await neverForwarded(() => call(null, a, '/orders', { authorization: [`Bearer ${tokenA}`, `Bearer ${tokenA}`] })), 400, 'invalid_request');
  });

  test('JT-12: an oversized token is 401 invalid_token, never forwarded', async () => {
    assertRefused(await neverForwarded(() => call('x'.repeat(9000), a)), 401, 'invalid_token');
  });

  test('RS-B-07: over direct TLS a certificate header the client writes is never read: the handshake certificate decides', async () => {
    const forged = { 'ssl-client-cert': encodeURIComponent(a.cert), 'x-forwarded-client-cert': `Hash=${'0'.repeat(64)}`, 'client-cert': `:${Buffer.from('x').toString('base64')}:` };
    assertRefused(await neverForwarded(() => call(tokenA, g, '/orders', forged)), 401, 'invalid_token');
  });
});

describe('certbound gateway: what the upstream receives', () => {
  test('identity headers a client sends (any X-Certbound-*) are removed; only the gateway\'s reach the upstream', async () => {
    const res = await call(tokenA, a, '/orders', {
      'X-Certbound-Client-Id': 'admin',
      'x-certbound-partner': 'globex',
      'X-CERTBOUND-SCOPE': 'orders:admin',
      'x-certbound-cert-thumbprint': 'forged',
      'x-certbound-role': 'root',
    });
    assert.equal(res.status, 200, res.text);
    const raw = upstream.seen.at(-1)!.rawHeaders;
    const lines = (name: string) => raw.filter((_, i) => i % 2 === 0 && raw[i]!.toLowerCase() === name).length;
    assert.equal(lines('x-certbound-client-id'), 1);
    assert.equal(lines('x-certbound-partner'), 1);
    assert.equal(lines('x-certbound-scope'), 1);
    assert.equal(lines('x-certbound-role'), 0);
    const seen = res.json?.['headers'] as Record<string, string>;
    assert.equal(seen['x-certbound-client-id'], 'acme-a');
    assert.equal(seen['x-certbound-partner'], 'acme');
    assert.equal(seen['x-certbound-scope'], 'orders:read orders:write billing:read');
    assert.equal(seen['x-certbound-cert-thumbprint'], expectedThumbprint(a.cert));
  });

  test('RFC 9110 §7.6.1: hop-by-hop fields, and those the client\'s Connection header names, are not forwarded', async () => {
    const res = await call(tokenA, a, '/orders', { connection: 'keep-alive, x-hop-secret', 'x-hop-secret': '1', 'keep-alive': 'timeout=5', te: 'trailers', 'proxy-authorization': 'Basic eDp5', 'x-end-to-end': 'kept' });
    assert.equal(res.status, 200, res.text);
    const seen = res.json?.['headers'] as Record<string, string>;
    for (const name of ['x-hop-secret', 'keep-alive', 'te', 'proxy-authorization']) assert.equal(seen[name], undefined, name);
    assert.equal(seen['x-end-to-end'], 'kept');
  });

  test('RFC 9110 §7.6.1: hop-by-hop fields of the upstream\'s answer, and those its Connection header names, are not passed back', async () => {
    const res = await call(tokenA, a, '/hop');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-upstream-hop'], undefined);
    assert.equal(res.headers['x-end-to-end'], 'kept');
  });

  test('a client\'s own X-Forwarded-For / Forwarded is replaced, not trusted: the gateway is the edge', async () => {
    const res = await call(tokenA, a, '/orders', { 'x-forwarded-for': '10.9.9.9', forwarded: 'for=10.9.9.9', 'x-forwarded-proto': 'http', 'x-real-ip': '10.9.9.9' });
    const seen = res.json?.['headers'] as Record<string, string>;
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'https');
    assert.equal(seen['forwarded'], undefined);
    assert.equal(seen['x-real-ip'], undefined);
  });

  test('the method, path and query reach the upstream as the client sent them', async () => {
    const res = await call(tokenA, a, '/orders/17?expand=lines&x=%20y');
    assert.equal(res.json?.['method'], 'GET');
    assert.equal(res.json?.['url'], '/orders/17?expand=lines&x=%20y');
  });

  test('the access log has client, partner, route, status and latency per request, and never the token', () => {
    const ok = log.find((line) => line['status'] === 200 && line['client'] === 'acme-a');
    assert.ok(ok, JSON.stringify(log.slice(0, 3)));
    assert.equal(ok['partner'], 'acme');
    assert.equal(typeof ok['route'], 'string');
    assert.equal(typeof ok['ms'], 'number');
    assert.ok(log.some((line) => line['status'] === 401 && line['client'] === null));
    assert.ok(!JSON.stringify(log).includes(tokenA.split('.')[2]!), 'a token in the log');
  });
});
