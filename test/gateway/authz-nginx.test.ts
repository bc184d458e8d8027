// `certbound authz` behind a real nginx with auth_request: nginx terminates mutual TLS, asks
// authz about every request (the certificate in ssl-client-cert, from nginx's own address), and
// forwards what it allows to a plain upstream with the identity headers authz answered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAuthz, type Authz } from '../../src/gateway/authz.ts';
import { expectedThumbprint } from '../core/proxy-cert/helpers.ts';
import { serverCredentials } from '../helpers/api.ts';
import { partnerCas, ROUTES, tokenFor } from '../helpers/gateway.ts';
import { sendPlain } from '../helpers/http.ts';
import { send, type Response } from '../helpers/https.ts';
import { nginxConf, startNginx, type Nginx } from '../helpers/nginx.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { API, authority, credentials, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

/** nginx asks authz from this address (`proxy_bind`); clients of the test speak from 127.0.0.1. */
const NGINX_ADDRESS = '127.0.0.2';
let h: Harness;
let a: Credentials;
let g: Credentials;
let tokenA: string;
let platformCa: string;
let upstream: Upstream;
let authz: Authz;
let nginx: Nginx;

/** The configuration docs/gateway.md shows, with the test's addresses. */
function servers(dir: string, port: number): string {
  return `
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${dir}/server.pem;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/client-cas.pem;
    ssl_verify_client optional;
    ssl_verify_depth 2;

    location / {
      auth_request /_certbound;
      auth_request_set $certbound_client $upstream_http_x_certbound_client_id;
      auth_request_set $certbound_partner $upstream_http_x_certbound_partner;
      auth_request_set $certbound_scope $upstream_http_x_certbound_scope;
      auth_request_set $certbound_thumbprint $upstream_http_x_certbound_cert_thumbprint;
      auth_request_set $certbound_challenge $upstream_http_www_authenticate;
      error_page 403 = @certbound_forbidden;
      proxy_set_header X-Certbound-Client-Id $certbound_client;
      proxy_set_header X-Certbound-Partner $certbound_partner;
      proxy_set_header X-Certbound-Scope $certbound_scope;
      proxy_set_header X-Certbound-Cert-Thumbprint $certbound_thumbprint;
      proxy_set_header Authorization "";
      proxy_pass ${upstream.url};
    }

    location = /_certbound {
      internal;
      proxy_bind ${NGINX_ADDRESS};
      proxy_pass ${authz.url}/auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header ssl-client-cert $ssl_client_escaped_cert;
      proxy_set_header ssl-client-verify $ssl_client_verify;
    }

    location @certbound_forbidden {
      add_header WWW-Authenticate $certbound_challenge always;
      default_type application/json;
      return 403 '{"error":"insufficient_scope"}';
    }
  }`;
}

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  g = await credentials('globex-g');
  platformCa = (await authority('platform')).certPem;
  tokenA = await tokenFor(h, 'acme-a', a);
  upstream = await startUpstream();
  const cas = await partnerCas();
  authz = await startAuthz({
    guard: {
      issuer: h.issuer,
      ca: platformCa,
      audience: API.acmeOrders,
      certificateSource: { from: 'proxy', format: 'nginx', trustedProxies: [NGINX_ADDRESS], verifyHeader: { name: 'ssl-client-verify', value: 'SUCCESS' } },
    },
    form: 'nginx',
    port: 0,
    policy: { routes: ROUTES, fallback: 'deny' },
    partners: cas.map,
  });
  const tls = await serverCredentials();
  nginx = await startNginx({ 'server.pem': tls.cert, 'server.key': tls.key, 'client-cas.pem': cas.bundle }, (dir, port) => nginxConf(dir, servers(dir, port)));
});
after(async () => {
  await nginx?.close();
  await authz?.close();
  await upstream?.close();
  await h?.close();
});

const viaNginx = (identity: Credentials | null, path = '/orders', headers: Record<string, string | string[]> = {}, token: string | null = tokenA, method?: string) =>
  send(`https://localhost:${nginx.port}${path}`, {
    ca: platformCa,
    ...(identity ? { identity } : {}),
    ...(method ? { method } : {}),
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });

async function neverForwarded(fn: () => Promise<Response>): Promise<Response> {
  const before = upstream.seen.length;
  const res = await fn();
  assert.equal(upstream.seen.length, before, 'the upstream was called');
  assert.match(String(res.headers['server']), /^nginx\//, 'answered by nginx');
  return res;
}

/** nginx passes authz's 401 challenge back as is (and its own HTML body). */
function assertChallenge(res: Response, status: number, error: string, description?: string): void {
  assert.equal(res.status, status, res.text);
  const challenge = String(res.headers['www-authenticate']);
  assert.ok(challenge.startsWith(`Bearer realm="${API.acmeOrders}", error="${error}"`), challenge);
  if (description) assert.ok(challenge.includes(`error_description="${description}"`), challenge);
}

describe('certbound authz behind nginx auth_request', () => {
  test('RFC 8705 §3: the holder\'s token with its certificate reaches the upstream with the identity headers, without the token', async () => {
    const res = await viaNginx(a);
    assert.equal(res.status, 200, res.text);
    const seen = res.json?.['headers'] as Record<string, string>;
    assert.equal(seen['x-certbound-client-id'], 'acme-a');
    assert.equal(seen['x-certbound-partner'], 'acme');
    assert.equal(seen['x-certbound-scope'], 'orders:read orders:write billing:read');
    assert.equal(seen['x-certbound-cert-thumbprint'], expectedThumbprint(a.cert));
    assert.equal(seen['authorization'], undefined);
  });

  test('RFC 8705 §3 (RS-B-01): a stolen token with another partner\'s certificate is 401 invalid_token with the challenge, never forwarded', async () => {
    assertChallenge(await neverForwarded(() => viaNginx(g)), 401, 'invalid_token', 'the access token is bound to another certificate');
  });

  test('RFC 8705 §3 (RS-B-02): no certificate is 401 invalid_token, never forwarded', async () => {
    assertChallenge(await neverForwarded(() => viaNginx(null)), 401, 'invalid_token', 'the access token is certificate-bound, and no client certificate was presented');
  });

  test('RFC 8705 §3 (JT-16): a plain bearer token is 401 invalid_token, never forwarded', async () => {
    const bearer = await tokenFor(h, 'acme-post', null, { client_secret: await secret('acme-post') });
    assertChallenge(await neverForwarded(() => viaNginx(a, '/orders', {}, bearer)), 401, 'invalid_token', 'the access token is not certificate-bound');
  });

  test('RFC 9068 §4: a token for another audience is 401 invalid_token, never forwarded', async () => {
    assertChallenge(await neverForwarded(async () => viaNginx(g, '/orders', {}, await tokenFor(h, 'globex-g', g))), 401, 'invalid_token');
  });

  test('RFC 6750 §3.1: no token is 401 with the bare challenge, never forwarded', async () => {
    const res = await neverForwarded(() => viaNginx(a, '/orders', {}, null));
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], `Bearer realm="${API.acmeOrders}"`);
  });

  test('RFC 6750 §3.1: a missing scope, or no route, is 403 insufficient_scope with the challenge (error_page), never forwarded', async () => {
    const res = await neverForwarded(() => viaNginx(a, '/orders/1', {}, tokenA, 'DELETE'));
    assertChallenge(res, 403, 'insufficient_scope');
    assert.ok(String(res.headers['www-authenticate']).endsWith(', scope="orders:admin"'));
    assert.equal(res.json?.['error'], 'insufficient_scope');
    assertChallenge(await neverForwarded(() => viaNginx(a, '/admin')), 403, 'insufficient_scope', 'no route of this gateway allows the request');
  });

  test('RS-B-07: a forged ssl-client-cert sent through nginx is replaced by nginx: the handshake certificate decides', async () => {
    const forged = { 'ssl-client-cert': encodeURIComponent(a.cert), 'ssl-client-verify': 'SUCCESS' };
    assertChallenge(await neverForwarded(() => viaNginx(g, '/orders', forged)), 401, 'invalid_token', 'the access token is bound to another certificate');
    assertChallenge(await neverForwarded(() => viaNginx(null, '/orders', forged)), 401, 'invalid_token');
  });

  test('RS-B-07 / CVE-2024-10039: the same forged header sent straight to authz is 401 invalid_token', async () => {
    const res = await sendPlain(`${authz.url}/auth`, {
      headers: { authorization: `Bearer ${tokenA}`, 'ssl-client-cert': encodeURIComponent(a.cert), 'ssl-client-verify': 'SUCCESS', 'x-original-method': 'GET', 'x-original-uri': '/orders', 'x-forwarded-for': NGINX_ADDRESS },
    });
    assert.equal(res.status, 401);
    assert.equal(res.json?.['error'], 'invalid_token');
    assert.equal(res.json?.['error_description'], 'certificate header from an untrusted peer');
  });

  test('identity headers a client sends are replaced by nginx with authz\'s answer', async () => {
    const res = await viaNginx(a, '/orders', { 'X-Certbound-Client-Id': 'admin', 'x-certbound-scope': 'orders:admin', 'x-certbound-partner': 'globex', 'x-certbound-cert-thumbprint': 'forged' });
    assert.equal(res.status, 200, res.text);
    const seen = res.json?.['headers'] as Record<string, string>;
    assert.equal(seen['x-certbound-client-id'], 'acme-a');
    assert.equal(seen['x-certbound-scope'], 'orders:read orders:write billing:read');
    assert.equal(seen['x-certbound-partner'], 'acme');
    assert.equal(seen['x-certbound-cert-thumbprint'], expectedThumbprint(a.cert));
  });

  test('RFC 6750 §5.3 (JT-21): a token in the URL is refused (authz 400 invalid_request, which auth_request turns into 500), never forwarded', async () => {
    const res = await neverForwarded(() => viaNginx(a, `/orders?access_token=${tokenA}`, {}, null));
    assert.equal(res.status, 500);
    assert.match(await nginx.errorLog(), /auth request unexpected status: 400/);
  });

  test('RFC 6750 §2.1 (JT-23): two Authorization headers are refused by nginx itself (400), never forwarded', async () => {
    assert.equal((await neverForwarded(() => viaNginx(a, '/orders', { authorization: [`Bearer ${tokenA}`, `Bearer ${tokenA}`] }, null))).status, 400);
  });

  test('JT-12: an oversized token is 401 invalid_token, never forwarded', async () => {
    assertChallenge(await neverForwarded(() => viaNginx(a, '/orders', {}, 'x'.repeat(6000))), 401, 'invalid_token');
  });
});
