// A real nginx terminates mutual TLS in front of an Express API and forwards the client
// certificate in `ssl-client-cert` ($ssl_client_escaped_cert) with `ssl-client-verify`; the
// guard believes that header only from nginx's address (RFC 8705 §7.3, RS-B-07).
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { guardMiddleware, type AuthenticatedRequest } from '../../src/resource/adapters/express.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { expectedThumbprint } from '../core/proxy-cert/helpers.ts';
import { serverCredentials } from '../helpers/api.ts';
import { sendPlain } from '../helpers/http.ts';
import { send, type Response } from '../helpers/https.ts';
import { nginxConf, startNginx, type Nginx } from '../helpers/nginx.ts';
import { API, authority, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

/** nginx connects upstream from this address (`proxy_bind`); the test itself speaks from 127.0.0.1. */
const NGINX_UPSTREAM_ADDRESS = '127.0.0.2';
const REALM = API.acmeOrders;

let h: Harness;
let a: Credentials;
let g: Credentials;
let tokenA: string;
let guard: Guard;
let app: Server;
let appUrl: string;
let nginx: Nginx;
/** https://localhost:PORT, served by nginx. */
let front: string;
let platformCa: string;

function servers(dir: string, port: number, upstream: string): string {
  const p = (name: string) => join(dir, name);
  return `
  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${p('server.pem')};
    ssl_certificate_key ${p('server.key')};
    ssl_client_certificate ${p('client-cas.pem')};
    ssl_verify_client optional;
    ssl_verify_depth 2;
    location / {
      proxy_bind ${NGINX_UPSTREAM_ADDRESS};
      proxy_set_header ssl-client-cert $ssl_client_escaped_cert;
      proxy_set_header ssl-client-verify $ssl_client_verify;
      proxy_pass ${upstream};
    }
  }`;
}

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  g = await credentials('globex-g');
  platformCa = (await authority('platform')).certPem;
  const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
  assert.equal(res.status, 200, res.text);
  tokenA = String(res.json?.['access_token']);

  guard = createGuard({
    issuer: h.issuer,
    ca: a.ca,
    audience: API.acmeOrders,
    certificateSource: {
      from: 'proxy',
      format: 'nginx',
      trustedProxies: [NGINX_UPSTREAM_ADDRESS],
      verifyHeader: { name: 'ssl-client-verify', value: 'SUCCESS' },
    },
  });
  const api = express();
  api.get('/orders', guardMiddleware(guard, { scopes: ['orders:read'] }), (req, res) => {
    const auth = (req as AuthenticatedRequest).auth;
    res.json({ client_id: auth?.claims.client_id, thumbprint: auth?.thumbprint, peer: req.socket.remoteAddress });
  });
  app = api.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => app.once('listening', resolve).once('error', reject));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;

  const tls = await serverCredentials();
  // The platform root and the partner CAs: the bundle nginx verifies client certificates against.
  const bundle = await Promise.all(['platform', 'acme', 'globex'].map(async (id) => (await authority(id)).certPem));
  nginx = await startNginx({ 'server.pem': tls.cert, 'server.key': tls.key, 'client-cas.pem': bundle.join('') }, (dir, port) => nginxConf(dir, servers(dir, port, appUrl)));
  front = `https://localhost:${nginx.port}`;
});

after(async () => {
  await nginx?.close();
  if (app) {
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  }
  await guard?.close();
  await h?.close();
});

/** A request through nginx, with a client certificate or none, and extra headers the client writes itself. */
const viaNginx = (identity: Credentials | null, headers: Record<string, string> = {}, token: string = tokenA) =>
  send(`${front}/orders`, { ca: platformCa, ...(identity ? { identity } : {}), headers: { authorization: `Bearer ${token}`, ...headers } });

function assertInvalidToken(res: Pick<Response, 'status' | 'json' | 'headers' | 'text'>, description: string): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json?.['error'], 'invalid_token');
  assert.equal(res.json?.['error_description'], description);
  assert.equal(res.headers['www-authenticate'], `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`);
}

/** What a client would write to forge nginx's header: A's certificate, URL-encoded. */
const forgedA = () => ({ 'ssl-client-cert': encodeURIComponent(a.cert), 'ssl-client-verify': 'SUCCESS' });

describe('nginx terminating mTLS (ssl_verify_client optional) in front of an Express API', () => {
  test('RFC 8705 §3: A\'s token with A\'s certificate through nginx is accepted, bound to A\'s certificate', async () => {
    const res = await viaNginx(a);
    assert.equal(res.status, 200, res.text);
    assert.match(String(res.headers['server']), /^nginx\//, 'the answer came through nginx');
    assert.equal(res.headers['x-powered-by'], 'Express', 'and from the Express app behind it');
    assert.deepEqual(res.json, { client_id: 'acme-a', thumbprint: expectedThumbprint(a.cert), peer: NGINX_UPSTREAM_ADDRESS });
  });

  test('RFC 8705 §3 (RS-B-01): A\'s stolen token with globex-g\'s certificate through nginx is 401 invalid_token', async () => {
    const res = await viaNginx(g);
    assert.match(String(res.headers['server']), /^nginx\//);
    assertInvalidToken(res, 'the access token is bound to another certificate');
  });

  test('RFC 8705 §3 (RS-B-02): A\'s token through nginx without a client certificate is 401 invalid_token', async () => {
    assertInvalidToken(await viaNginx(null), 'the access token is certificate-bound, and no client certificate was presented');
  });

  test('RS-B-07 / CVE-2024-10039: a forged ssl-client-cert + ssl-client-verify: SUCCESS sent straight to the app is 401 invalid_token', async () => {
    const direct = await sendPlain(`${appUrl}/orders`, { headers: { authorization: `Bearer ${tokenA}`, ...forgedA() } });
    assertInvalidToken(direct, 'certificate header from an untrusted peer');
    // Control: the same bytes from nginx's address are believed — the 401 above is the peer check, not the encoding.
    const fromProxy = await sendPlain(`${appUrl}/orders`, { localAddress: NGINX_UPSTREAM_ADDRESS, headers: { authorization: `Bearer ${tokenA}`, ...forgedA() } });
    assert.equal(fromProxy.status, 200, fromProxy.text);
  });

  test('RS-B-08: X-Forwarded-For naming nginx\'s address does not make a direct request trusted', async () => {
    const res = await sendPlain(`${appUrl}/orders`, {
      headers: { authorization: `Bearer ${tokenA}`, 'x-forwarded-for': NGINX_UPSTREAM_ADDRESS, 'x-real-ip': NGINX_UPSTREAM_ADDRESS, ...forgedA() },
    });
    assertInvalidToken(res, 'certificate header from an untrusted peer');
  });

  test('RS-B-07: a client\'s own ssl-client-cert is replaced by nginx (proxy_set_header): the binding is decided by the TLS certificate', async () => {
    // A's handshake, globex-g's certificate in the client's header: nginx overwrites it with A's.
    const own = await viaNginx(a, { 'ssl-client-cert': encodeURIComponent(g.cert), 'ssl-client-verify': 'SUCCESS' });
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json?.['thumbprint'], expectedThumbprint(a.cert));
    // globex-g's handshake with A's certificate forged in the header: still globex-g's certificate.
    assertInvalidToken(await viaNginx(g, forgedA()), 'the access token is bound to another certificate');
    // No handshake certificate: nginx sends no ssl-client-cert at all (an empty value drops the header), and says NONE.
    assertInvalidToken(await viaNginx(null, forgedA()), 'the access token is certificate-bound, and no client certificate was presented');
  });

  test('RS-B-17: an underscore variant (ssl_client_cert) written by the client is dropped by nginx and never read', async () => {
    assertInvalidToken(
      await viaNginx(null, { ssl_client_cert: encodeURIComponent(a.cert), 'ssl-client-verify': 'SUCCESS' }),
      'the access token is certificate-bound, and no client certificate was presented',
    );
  });

  test('ssl_verify_client optional: a certificate no configured CA issued is refused by nginx itself (400), never forwarded', async () => {
    const self = await credentials('acme-self');
    const res = await viaNginx(self);
    assert.equal(res.status, 400, res.text);
    assert.match(String(res.headers['server']), /^nginx\//);
    assert.equal(res.headers['x-powered-by'], undefined, 'the app never saw it');
  });

  test('nginx logged the requests it proxied', async () => {
    const log = await nginx.accessLog();
    assert.match(log, /"GET \/orders HTTP\/1\.1" 200 /);
    assert.match(log, /"GET \/orders HTTP\/1\.1" 401 /);
  });
});
