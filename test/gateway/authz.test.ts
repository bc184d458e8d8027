// `certbound authz` asked directly, as nginx auth_request, Traefik ForwardAuth and Envoy's HTTP
// ext_authz ask it: the proxy (127.0.0.2 here) passes the original method and target and the
// client certificate in a header; authz believes that header only from the proxy's address.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAuthz, type Authz } from '../../src/gateway/authz.ts';
import type { AuthzForm } from '../../src/gateway/original-request.ts';
import { expectedThumbprint, base64Der, nginxEscape } from '../core/proxy-cert/helpers.ts';
import { assertRefused, partnerCas, ROUTES, tokenFor } from '../helpers/gateway.ts';
import { sendPlain, type PlainResponse } from '../helpers/http.ts';
import { API, authority, credentials, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

const PROXY = '127.0.0.2';
let h: Harness;
let a: Credentials;
let g: Credentials;
let tokenA: string;
const servers: Partial<Record<AuthzForm, Authz>> = {};

async function authzFor(form: AuthzForm): Promise<Authz> {
  const format = form === 'nginx' ? 'nginx' : form === 'traefik' ? 'traefik' : 'xfcc';
  return startAuthz({
    guard: { issuer: h.issuer, ca: (await authority('platform')).certPem, audience: API.acmeOrders, certificateSource: { from: 'proxy', format, trustedProxies: [PROXY] } },
    form,
    ...(form === 'envoy' ? { envoyPathPrefix: '/authz' } : {}),
    port: 0,
    policy: { routes: ROUTES, fallback: 'deny' },
    partners: (await partnerCas()).map,
  });
}

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  g = await credentials('globex-g');
  tokenA = await tokenFor(h, 'acme-a', a);
  for (const form of ['nginx', 'traefik', 'envoy'] as const) servers[form] = await authzFor(form);
});
after(async () => {
  for (const s of Object.values(servers)) await s.close();
  await h?.close();
});

/** The certificate header each proxy writes. */
function certHeader(form: AuthzForm, pem: string): Record<string, string> {
  if (form === 'nginx') return { 'ssl-client-cert': nginxEscape(pem) };
  if (form === 'traefik') return { 'x-forwarded-tls-client-cert': base64Der(pem) };
  return { 'x-forwarded-client-cert': `Cert="${encodeURIComponent(pem)}"` };
}

/** Asks authz as `form`'s proxy would about `method target`. */
function ask(form: AuthzForm, options: { token?: string | string[] | null; cert?: Credentials | null; method?: string; target?: string; from?: string; headers?: Record<string, string> } = {}): Promise<PlainResponse> {
  const { token = tokenA, cert = a, method = 'GET', target = '/orders', from = PROXY } = options;
  const headers: Record<string, string | string[]> = { ...(cert ? certHeader(form, cert.cert) : {}), ...options.headers };
  if (token !== null) headers['authorization'] = Array.isArray(token) ? token.map((t) => `Bearer ${t}`) : `Bearer ${token}`;
  const base = servers[form]!.url;
  if (form === 'nginx') return sendPlain(`${base}/auth`, { localAddress: from, headers: { ...headers, 'x-original-method': method, 'x-original-uri': target } });
  if (form === 'traefik') return sendPlain(`${base}/`, { localAddress: from, headers: { ...headers, 'x-forwarded-method': method, 'x-forwarded-uri': target, 'x-forwarded-proto': 'https' } });
  return sendPlain(`${base}/authz${target}`, { localAddress: from, method, headers });
}

for (const form of ['nginx', 'traefik', 'envoy'] as const) {
  describe(`certbound authz, ${form} form`, () => {
    test('RFC 8705 §3: the holder\'s token with its certificate is 200 with the identity headers', async () => {
      const res = await ask(form);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers['x-certbound-client-id'], 'acme-a');
      assert.equal(res.headers['x-certbound-partner'], 'acme');
      assert.equal(res.headers['x-certbound-scope'], 'orders:read orders:write billing:read');
      assert.equal(res.headers['x-certbound-cert-thumbprint'], expectedThumbprint(a.cert));
    });

    test('RFC 8705 §3 (RS-B-01): a stolen token with another partner\'s certificate is 401 invalid_token', async () => {
      const res = await ask(form, { cert: g });
      assertRefused(res, 401, 'invalid_token');
      assert.equal(res.json?.['error_description'], 'the access token is bound to another certificate');
    });

    test('RFC 8705 §3 (RS-B-02): no certificate is 401 invalid_token', async () => {
      assertRefused(await ask(form, { cert: null }), 401, 'invalid_token');
    });

    test('RFC 8705 §3 (JT-16): a plain bearer token is 401 invalid_token', async () => {
      const bearer = await tokenFor(h, 'acme-post', null, { client_secret: await secret('acme-post') });
      assertRefused(await ask(form, { token: bearer }), 401, 'invalid_token');
    });

    test('RFC 9068 §4: a token for another audience is 401 invalid_token', async () => {
      assertRefused(await ask(form, { token: await tokenFor(h, 'globex-g', g), cert: g }), 401, 'invalid_token');
    });

    test('RFC 6750 §3.1: a route\'s missing scope is 403 insufficient_scope; no route is 403 too; no token is a bare 401', async () => {
      const res = await ask(form, { method: 'DELETE', target: '/orders/1' });
      assertRefused(res, 403, 'insufficient_scope');
      assert.ok(String(res.headers['www-authenticate']).endsWith(', scope="orders:admin"'));
      assertRefused(await ask(form, { target: '/admin' }), 403, 'insufficient_scope');
      const bare = await ask(form, { token: null });
      assert.equal(bare.status, 401);
      assert.equal(bare.headers['www-authenticate'], `Bearer realm="${API.acmeOrders}"`);
    });

    test('RS-B-07 / CVE-2024-10039: a forged certificate header sent straight to authz (not from the proxy) is 401 invalid_token', async () => {
      const res = await ask(form, { from: '127.0.0.1' });
      assertRefused(res, 401, 'invalid_token');
      assert.equal(res.json?.['error_description'], 'certificate header from an untrusted peer');
    });

    test('RFC 6750 §5.3, §2.1 (JT-21, JT-23, JT-12): token in the URL or twice is 400 invalid_request, oversized is 401 invalid_token', async () => {
      assertRefused(await ask(form, { token: null, target: `/orders?access_token=${tokenA}` }), 400, 'invalid_request');
      assertRefused(await ask(form, { token: [tokenA, tokenA] }), 400, 'invalid_request');
      assertRefused(await ask(form, { token: 'x'.repeat(9000) }), 401, 'invalid_token');
    });

    test('a non-normalized original path is 400 invalid_request', async () => {
      assertRefused(await ask(form, { target: '/public/..;/admin' }), 400, 'invalid_request');
    });
  });
}

describe('certbound authz: the original request', () => {
  test('nginx form: a missing or repeated X-Original-URI is 400 invalid_request', async () => {
    const base = servers.nginx!.url;
    const headers = { authorization: `Bearer ${tokenA}`, ...certHeader('nginx', a.cert), 'x-original-method': 'GET' };
    assertRefused(await sendPlain(`${base}/auth`, { localAddress: PROXY, headers }), 400, 'invalid_request');
    assertRefused(await sendPlain(`${base}/auth`, { localAddress: PROXY, headers: { ...headers, 'x-original-uri': ['/orders', '/admin'] } }), 400, 'invalid_request');
  });

  test('envoy form: a check request outside the configured path prefix is 400 invalid_request', async () => {
    const res = await sendPlain(`${servers.envoy!.url}/orders`, { localAddress: PROXY, headers: { authorization: `Bearer ${tokenA}`, ...certHeader('envoy', a.cert) } });
    assertRefused(res, 400, 'invalid_request');
  });
});
