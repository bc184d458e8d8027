// One hardened Fastify-on-https builder (src/server/fastify-https.ts) for both certbound
// listeners: the token service and the admin API are built by it, so a hardening fix lands in
// both; and what the builder itself guarantees, on a listener of its own.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { addAdminCertificate } from '../../src/admin/admins.ts';
import type { AdminApi } from '../../src/admin/api.ts';
import { TOKEN_SERVICE_TLS } from '../../src/admin/init.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { buildHttpsApp, hardeningOf, type HttpsApp, type HttpsAppOptions } from '../../src/server/fastify-https.ts';
import { ADMIN_API_LIMITS, listenerLimits, TOKEN_SERVICE_LIMITS } from '../../src/server/listener-limits.ts';
import { TLS_POLICY } from '../../src/transport/tls-policy.ts';
import { send, type Response, type TlsIdentity } from '../helpers/https.ts';
import { capturedLogger } from '../helpers/log.ts';
import { credentials, startHarnessAdminApi, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

/** Limits unlike both defaults, so a listener that ignored what it was given would show. */
const TOKEN_LIMITS = { headersTimeoutMs: 4_000, requestTimeoutMs: 8_000, keepAliveTimeoutMs: 7_000, maxConnections: 500 } as const;
const ADMIN_LIMITS = { headersTimeoutMs: 3_000, requestTimeoutMs: 9_000, keepAliveTimeoutMs: 6_000, maxConnections: 7 } as const;
const NOT_FOUND = { error: 'not_found', error_description: 'no such endpoint' };

let h: Harness;
let api: AdminApi;
let a: Credentials;
let admin: TlsIdentity;
let tls: { cert: string; key: string };

before(async () => {
  h = await startWorld({ limits: TOKEN_LIMITS });
  a = await credentials('acme-a');
  api = await startHarnessAdminApi(h, { limits: ADMIN_LIMITS });
  const issued = await addAdminCertificate(h.store, 'dana');
  admin = { cert: issued.cert_pem, key: issued.key_pem! };
  const stored = (await h.store.getTlsCredential(TOKEN_SERVICE_TLS))!;
  tls = { cert: stored.certPem, key: pkcs8ToPem(stored.keyPkcs8) };
});
after(async () => {
  await api.close();
  await h.close();
});

const listeners = () => [
  { name: 'token service', server: h.service.app.server as HttpsServer, port: h.service.port, limits: listenerLimits(TOKEN_SERVICE_LIMITS, TOKEN_LIMITS), identity: {} },
  { name: 'admin API', server: api.server, port: api.port, limits: listenerLimits(ADMIN_API_LIMITS, ADMIN_LIMITS), identity: admin },
];

/** Fails if the body carries anything like a stack trace or a source path. */
function assertStackless(res: Response): void {
  assert.doesNotMatch(res.text, /\bat .+:\d+:\d+|\.ts\b|stack/i);
}

describe('both listeners are built by the one hardened builder (buildHttpsApp)', () => {
  test('the token service and the admin API each carry the hardening buildHttpsApp applied, with their own limits and the one TLS policy', () => {
    for (const l of listeners()) {
      const hardening = hardeningOf(l.server);
      assert.ok(hardening, `${l.name} was not built by buildHttpsApp`);
      assert.deepEqual(hardening.limits, l.limits, l.name);
      assert.equal(hardening.tlsPolicy, TLS_POLICY, l.name);
    }
    assert.equal(hardeningOf(listeners()[0]!.server)!.listener, 'token');
    assert.equal(hardeningOf(api.server)!.listener, 'admin');
    // A server built any other way has none.
    assert.equal(hardeningOf(createHttpsServer()), undefined);
  });

  test('the limits are on both real servers: header, request and keep-alive timeouts and the connection cap', () => {
    for (const l of listeners()) {
      assert.equal(l.server.headersTimeout, l.limits.headersTimeoutMs, l.name);
      assert.equal(l.server.requestTimeout, l.limits.requestTimeoutMs, l.name);
      assert.equal(l.server.keepAliveTimeout, l.limits.keepAliveTimeoutMs, l.name);
      assert.equal(l.server.maxConnections, l.limits.maxConnections, l.name);
    }
  });

  for (const which of ['token service', 'admin API']) {
    test(`${which}: an unknown path is 404 not_found, the same stackless body as the other listener`, async () => {
      const l = listeners().find((x) => x.name === which)!;
      const res = await send(`https://localhost:${l.port}/no/such/endpoint?x=1`, { ca: a.ca, identity: l.identity });
      assert.equal(res.status, 404, res.text);
      assert.deepEqual(res.json, NOT_FOUND);
      assertStackless(res);
    });

    test(`${which}: a request whose client certificate is missing still completes the TLS handshake (requestCert, never rejectUnauthorized)`, async () => {
      const l = listeners().find((x) => x.name === which)!;
      const protocol = await new Promise<string | null>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: l.port, servername: 'localhost', ca: a.ca }, () => {
          resolve(socket.getProtocol());
          socket.end();
        });
        socket.on('error', reject);
      });
      assert.ok(protocol === 'TLSv1.3' || protocol === 'TLSv1.2', String(protocol));
    });
  }

  test('a malformed URL is 400, not to be stored, in each listener\'s error vocabulary, without a stack', async () => {
    const token = await send(`https://localhost:${h.service.port}/pki/crl/%zz`, { ca: a.ca });
    assert.equal(token.status, 400, token.text);
    assert.deepEqual(token.json, { error: 'invalid_request', error_description: 'malformed request URL' });
    assert.equal(token.headers['cache-control'], 'no-store');
    const adminAnswer = await send(`https://localhost:${api.port}/v1/partners/%zz`, { ca: a.ca, identity: admin });
    assert.equal(adminAnswer.status, 400, adminAnswer.text);
    assert.deepEqual(adminAnswer.json, { error: 'invalid_input', error_description: 'malformed request URL' });
    assert.equal(adminAnswer.headers['cache-control'], 'no-store');
    assertStackless(token);
    assertStackless(adminAnswer);
  });
});

describe('what buildHttpsApp guarantees on a listener of its own', () => {
  let app: HttpsApp;
  let port: number;
  const log = capturedLogger();
  const fronted: string[] = [];

  before(async () => {
    const options: HttpsAppOptions = {
      tls,
      limits: listenerLimits(TOKEN_SERVICE_LIMITS),
      bodyLimit: 1024,
      logger: log.logger,
      tlsFailures: { listener: 'token', now: () => new Date() },
      malformedError: 'invalid_request',
      // Deliberately generic: whatever the error says, the answer is only what this returns.
      answerError: (err) => ({ status: err.statusCode && err.statusCode < 500 ? err.statusCode : 500, body: { error: err.statusCode && err.statusCode < 500 ? 'bad' : 'server_error', error_description: 'refused' } }),
      bodies: 'json',
      front: (req, res) => {
        if (req.url !== '/front') return false;
        fronted.push(req.url);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('front');
        return true;
      },
    };
    app = buildHttpsApp(options);
    app.get('/boom', async () => {
      throw new Error('SECRET-IN-MESSAGE at /srv/app.ts:1:2');
    });
    app.post('/echo', async (request) => request.body);
    app.get('/ip', async (request) => ({ ip: request.ip }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  const url = (path: string) => `https://localhost:${port}${path}`;

  test('a failure is answered only with what the listener\'s answerError returns: no message, no stack', async () => {
    const res = await send(url('/boom'), { ca: a.ca });
    assert.equal(res.status, 500);
    assert.deepEqual(res.json, { error: 'server_error', error_description: 'refused' });
    assert.doesNotMatch(res.text, /SECRET/);
    assertStackless(res);
  });

  test('the front handler answers its requests ahead of the framework, and the rest reach the framework', async () => {
    const front = await send(url('/front'), { ca: a.ca });
    assert.equal(front.text, 'front');
    assert.deepEqual(fronted, ['/front']);
    assert.equal((await send(url('/nope'), { ca: a.ca })).status, 404);
  });

  test('a JSON body with __proto__ is refused (400 from answerError), not parsed', async () => {
    const res = await send(url('/echo'), { ca: a.ca, body: '{"__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.json, { error: 'bad', error_description: 'refused' });
  });

  test('a body over the limit is 413 through answerError', async () => {
    const res = await send(url('/echo'), { ca: a.ca, body: JSON.stringify({ pad: 'x'.repeat(2048) }), headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 413, res.text);
    assert.deepEqual(res.json, { error: 'bad', error_description: 'refused' });
  });

  test('no proxy trust: X-Forwarded-For does not change the peer address', async () => {
    const res = await send(url('/ip'), { ca: a.ca, headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.deepEqual(res.json, { ip: '127.0.0.1' });
  });

  test('the framework writes no request log lines of its own (they would carry the query string)', async () => {
    await send(url('/ip?access_token=LEAKED'), { ca: a.ca });
    assert.doesNotMatch(log.text(), /LEAKED/);
    assert.doesNotMatch(log.text(), /incoming request|request completed/);
  });
});
