// The guard behind a TLS-terminating proxy, end to end on a plain node:http server: the
// certificate comes from the proxy's header, believed only from the proxy's address
// (RFC 8705 §7.3, RFC 9440 §4), for every header format certbound reads.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import type { ProxyFormat } from '../../src/transport/proxy.ts';
import { albEscape, base64Der, expectedThumbprint, nginxEscape } from '../core/proxy-cert/helpers.ts';
import { sendPlain, type PlainResponse } from '../helpers/http.ts';
import { send } from '../helpers/https.ts';
import { API, authority, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

/** The proxy's address: the only peer whose certificate header is believed. */
const PROXY = '127.0.0.2';
/** Anyone else on the machine. */
const CLIENT = '127.0.0.1';
const REALM = API.acmeOrders;
/** The URI SAN of the Envoy proxy in front, as it writes it in By=. */
const EDGE = 'spiffe://edge.acme.example';
const FORMATS: readonly ProxyFormat[] = ['rfc9440', 'xfcc', 'nginx', 'alb', 'alb-passthrough', 'traefik'];

let h: Harness;
let a: Credentials;
let g: Credentials;
/** The partner CA that issued acme-a's certificate: the rest of the chain some proxies forward. */
let acmeCa: string;
let tokenA: string;
let server: Server;
let base: string;
const guards = new Map<string, Guard>();

/** The header (name and value) each format's proxy sends for a client certificate. */
function forwarded(format: ProxyFormat, pem: string): [string, string] {
  switch (format) {
    case 'rfc9440':
      return ['Client-Cert', `:${base64Der(pem)}:`];
    case 'xfcc': {
      const hash = createHash('sha256').update(Buffer.from(base64Der(pem), 'base64')).digest('hex');
      return ['X-Forwarded-Client-Cert', `By=spiffe://edge.acme.example;Hash=${hash};Cert="${albEscape(pem)}"`];
    }
    case 'nginx':
      return ['ssl-client-cert', nginxEscape(pem)];
    case 'alb':
      return ['X-Amzn-Mtls-Clientcert-Leaf', albEscape(pem)];
    case 'alb-passthrough':
      return ['X-Amzn-Mtls-Clientcert', albEscape(pem + acmeCa)];
    case 'traefik':
      return ['X-Forwarded-Tls-Client-Cert', [pem, acmeCa].map(base64Der).join(',')];
  }
}

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  g = await credentials('globex-g');
  acmeCa = (await authority('acme')).certPem;
  const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
  assert.equal(res.status, 200, res.text);
  tokenA = String(res.json?.['access_token']);
  // One guard per format, each on its own path of one plain-HTTP app: no TLS reaches the app.
  for (const format of FORMATS) {
    guards.set(
      format,
      createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders, certificateSource: { from: 'proxy', format, trustedProxies: [PROXY] } }),
    );
  }
  // Envoy named by its URI SAN: only the element its By= names is believed (RS-B-10).
  guards.set(
    'xfcc-by',
    createGuard({
      issuer: h.issuer,
      ca: a.ca,
      audience: API.acmeOrders,
      certificateSource: { from: 'proxy', format: 'xfcc', trustedProxies: [PROXY], proxyIdentity: EDGE },
    }),
  );
  const handlers = new Map(
    [...guards].map(([format, guard]) => [
      format,
      withGuard(guard, (req, res, auth) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: auth.claims.client_id, thumbprint: auth.thumbprint, peer: req.socket.remoteAddress }));
      }, { scopes: ['orders:read'] }),
    ]),
  );
  server = createServer((req, res) => {
    const handler = handlers.get(req.url?.split('/')[1] ?? '');
    if (handler) void handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, CLIENT, resolve));
  base = `http://${CLIENT}:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const guard of guards.values()) await guard.close();
  await h.close();
});

const call = (format: ProxyFormat, from: string, headers: Record<string, string | string[]>) =>
  sendPlain(`${base}/${format}/orders`, { localAddress: from, headers: { authorization: `Bearer ${tokenA}`, ...headers } });

function assertRefused(res: PlainResponse, description: string, what: string): void {
  assert.equal(res.status, 401, `${what}: ${res.text}`);
  assert.equal(res.json?.['error'], 'invalid_token', what);
  assert.equal(res.json?.['error_description'], description, what);
  assert.equal(
    res.headers['www-authenticate'],
    `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
    what,
  );
}

for (const format of FORMATS) {
  describe(`guard in trusted-proxy mode, format ${format}`, () => {
    test('RFC 8705 §3: the holder\'s certificate in the header from the trusted proxy is accepted, bound by its x5t#S256', async () => {
      const [name, value] = forwarded(format, a.cert);
      const res = await call(format, PROXY, { [name]: value });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json?.['client_id'], 'acme-a');
      assert.equal(res.json?.['thumbprint'], expectedThumbprint(a.cert));
      assert.equal(res.json?.['peer'], PROXY);
    });

    test('RFC 8705 §3 (RS-B-01): another partner\'s certificate in the header is 401 invalid_token', async () => {
      const [name, value] = forwarded(format, g.cert);
      assertRefused(await call(format, PROXY, { [name]: value }), 'the access token is bound to another certificate', format);
    });

    test('RFC 8705 §3 (RS-B-02, RS-B-06): from the trusted proxy without the header, the bound token is 401 invalid_token', async () => {
      assertRefused(await call(format, PROXY, {}), 'the access token is certificate-bound, and no client certificate was presented', format);
    });

    test('RS-B-07 / CVE-2024-10039: the holder\'s certificate header sent by an untrusted peer is 401 invalid_token', async () => {
      const [name, value] = forwarded(format, a.cert);
      assertRefused(await call(format, CLIENT, { [name]: value }), 'certificate header from an untrusted peer', format);
    });

    test('RS-B-08: X-Forwarded-For, Forwarded and X-Real-IP naming the proxy do not make an untrusted peer trusted', async () => {
      const [name, value] = forwarded(format, a.cert);
      const spoofed = { 'x-forwarded-for': PROXY, forwarded: `for=${PROXY}`, 'x-real-ip': PROXY, [name]: value };
      assertRefused(await call(format, CLIENT, spoofed), 'certificate header from an untrusted peer', format);
    });

    test('RS-B-09: the certificate header twice from the trusted proxy is 401 invalid_token, whichever copy is the holder\'s', async () => {
      const [name, mine] = forwarded(format, a.cert);
      const [, theirs] = forwarded(format, g.cert);
      for (const values of [[mine, mine], [theirs, mine], [mine, theirs]]) {
        assertRefused(await call(format, PROXY, { [name]: values }), 'certificate header repeated', format);
      }
    });

    test('RS-B-12: a malformed certificate header from the trusted proxy is 401 invalid_token, never 500', async () => {
      const [name, value] = forwarded(format, a.cert);
      for (const bad of ['foobar', `${value}x`, value.slice(0, Math.floor(value.length / 2)), '%', ':::', 'Cert=""']) {
        assertRefused(await call(format, PROXY, { [name]: bad }), 'malformed client certificate header', `${format}: ${bad.slice(0, 24)}`);
      }
    });
  });
}

describe('guard behind Envoy named by its identity (proxyIdentity)', () => {
  const callBy = (value: string) =>
    sendPlain(`${base}/xfcc-by/orders`, { localAddress: PROXY, headers: { authorization: `Bearer ${tokenA}`, 'x-forwarded-client-cert': value } });

  test('RS-B-10: the holder\'s element written By= the configured proxy identity is accepted', async () => {
    const [, value] = forwarded('xfcc', a.cert);
    assert.ok(value.startsWith(`By=${EDGE};`));
    const res = await callBy(value);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json?.['thumbprint'], expectedThumbprint(a.cert));
  });

  test('RS-B-10: an element By= another identity, or without By=, is 401 invalid_token, though the certificate is the holder\'s', async () => {
    const [, value] = forwarded('xfcc', a.cert);
    for (const bad of [value.replace(`By=${EDGE};`, 'By=spiffe://rogue.example;'), value.replace(`By=${EDGE};`, '')]) {
      assertRefused(await callBy(bad), 'client certificate header not written by the trusted proxy', bad.slice(0, 30));
    }
  });

  test('RS-B-10: an APPEND_FORWARD chain (a client-sent element, then the proxy\'s) is 401 invalid_token', async () => {
    const [, mine] = forwarded('xfcc', a.cert);
    const [, theirs] = forwarded('xfcc', g.cert);
    assertRefused(await callBy(`${theirs},${mine}`), 'malformed client certificate header', 'two elements');
  });
});
