// The guard's framework adapters over real mTLS: Express middleware, the Fastify plugin and the
// node:http wrapper each put the verified token on the request and answer every refusal per
// RFC 6750 §3 — exact status, error code and WWW-Authenticate challenge.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Server as HttpsServer } from 'node:https';
import { guardMiddleware, type AuthenticatedRequest } from '../../src/resource/adapters/express.ts';
import { certboundGuard } from '../../src/resource/adapters/fastify.ts';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard, type VerifiedToken } from '../../src/resource/guard.ts';
import { expectedThumbprint } from '../core/proxy-cert/helpers.ts';
import { serverCredentials, startApi, type Api } from '../helpers/api.ts';
import { send, type Response } from '../helpers/https.ts';
import { API, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

const REALM = API.acmeOrders;
const BARE = `Bearer realm="${REALM}"`;

let h: Harness;
let guard: Guard;
let a: Credentials;
let g: Credentials;
/** acme-a's token with every scope it may have (orders:read orders:write billing:read). */
let tokenA: string;
/** acme-a's token with orders:read only. */
let readOnly: string;

async function tokenFor(extra: Record<string, string> = {}): Promise<string> {
  const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a', ...extra } });
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

/** What every test app answers once the guard let the request through. */
const echo = (auth: VerifiedToken | undefined) => ({
  client_id: auth?.claims.client_id ?? null,
  thumbprint: auth?.thumbprint ?? null,
  scopes: auth?.scopes ?? null,
});

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  g = await credentials('globex-g');
  guard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
  tokenA = await tokenFor();
  readOnly = await tokenFor({ scope: 'orders:read' });
});
after(async () => {
  await guard.close();
  await h.close();
});

/** Asserts an RFC 6750 error answer: status, `error` in the body, and the exact challenge. */
function assertChallenge(res: Response, status: number, error: string, description: string, scope?: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.['error'], error);
  assert.equal(res.json?.['error_description'], description);
  assert.equal(res.headers['cache-control'], 'no-store');
  const expected = `${BARE}, error="${error}", error_description="${description}"${scope === undefined ? '' : `, scope="${scope}"`}`;
  assert.equal(res.headers['www-authenticate'], expected);
  if (scope !== undefined) assert.equal(res.json?.['scope'], scope);
}

/** Asserts the answer to a request without a bearer token: 401, a bare challenge, no error code (RFC 6750 §3.1). */
function assertBare(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.headers['www-authenticate'], BARE);
  // Fastify appends `; charset=utf-8` to the type the guard sets.
  assert.match(String(res.headers['content-type']), /^application\/json(; charset=utf-8)?$/);
  assert.deepEqual(res.json, {});
}

describe('Express: guardMiddleware', () => {
  let api: Api;
  before(async () => {
    const app = express();
    const ok = (req: express.Request, res: express.Response) => {
      res.json(echo((req as AuthenticatedRequest).auth));
    };
    app.get('/orders', guardMiddleware(guard, { scopes: ['orders:read'] }), ok);
    app.get('/orders/admin', guardMiddleware(guard, { scopes: ['orders:read', 'orders:write'] }), ok);
    app.post('/orders', express.urlencoded({ extended: false }), guardMiddleware(guard, { scopes: ['orders:write'] }), ok);
    api = await startApi(app);
  });
  after(() => api.close());

  const call = (path: string, token: string | null, identity: Credentials | null = a, extra: { form?: Record<string, string> } = {}) =>
    send(`${api.url}${path}`, {
      ca: api.ca,
      ...(identity ? { identity } : {}),
      ...(extra.form ? { form: extra.form } : {}),
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });

  test('RFC 8705 §3: the holder\'s token passes, and its claims, scopes and thumbprint are on req.auth', async () => {
    const res = await call('/orders', tokenA);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { client_id: 'acme-a', thumbprint: expectedThumbprint(a.cert), scopes: ['orders:read', 'orders:write', 'billing:read'] });
  });

  test('RFC 6750 §3.1 (JT-30): a route\'s scopes are per route: lacking one is 403 insufficient_scope naming the route\'s scopes', async () => {
    assert.equal((await call('/orders', readOnly)).status, 200);
    assertChallenge(await call('/orders/admin', readOnly), 403, 'insufficient_scope', 'the access token lacks a required scope', 'orders:read orders:write');
    assert.equal((await call('/orders/admin', tokenA)).status, 200);
  });

  test('RFC 8705 §3 (RS-B-01): the token over another partner\'s certificate is 401 invalid_token', async () => {
    assertChallenge(await call('/orders', tokenA, g), 401, 'invalid_token', 'the access token is bound to another certificate');
  });

  test('RFC 6750 §3.1: no token is 401 with a bare challenge', async () => {
    assertBare(await call('/orders', null));
  });

  test('RFC 6750 §2.2, §5.3 (JT-22): a token in a form body parsed by express.urlencoded is 400 invalid_request', async () => {
    const description = 'send the access token in the Authorization header only';
    assertChallenge(await call('/orders', null, a, { form: { access_token: tokenA } }), 400, 'invalid_request', description);
    assertChallenge(await call('/orders', tokenA, a, { form: { access_token: tokenA } }), 400, 'invalid_request', description);
    assert.equal((await call('/orders', tokenA, a, { form: { item: 'x' } })).status, 200);
  });
});

describe('Fastify: certboundGuard plugin', () => {
  let app: FastifyInstance<HttpsServer>;
  let url: string;
  let ca: string;
  before(async () => {
    const tls = await serverCredentials();
    ca = tls.ca;
    app = Fastify({ https: { cert: tls.cert, key: tls.key, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' } });
    // @fastify/formbody is not a dependency; a form is parsed into a plain object the way it would.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    await app.register(certboundGuard, { guard, scopes: ['orders:read'] });
    const ok = async (request: FastifyRequest) => echo(request.auth);
    app.get('/orders', ok);
    app.get('/orders/admin', { config: { certbound: { scopes: ['orders:read', 'orders:write'] } } }, ok);
    app.post('/orders', { config: { certbound: { scopes: ['orders:write'] } } }, ok);
    app.get('/status', { config: { certbound: false } }, async (request) => ({ open: true, ...echo(request.auth) }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `https://localhost:${(app.server.address() as AddressInfo).port}`;
  });
  after(() => app.close());

  const call = (path: string, token: string | null, identity: Credentials | null = a, extra: { form?: Record<string, string> } = {}) =>
    send(`${url}${path}`, {
      ca,
      ...(identity ? { identity } : {}),
      ...(extra.form ? { form: extra.form } : {}),
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });

  test('RFC 8705 §3: the holder\'s token passes a route with the plugin\'s default scopes; claims on request.auth', async () => {
    const res = await call('/orders', tokenA);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { client_id: 'acme-a', thumbprint: expectedThumbprint(a.cert), scopes: ['orders:read', 'orders:write', 'billing:read'] });
  });

  test('RFC 6750 §3.1 (JT-30): config.certbound.scopes is per route: lacking one is 403 insufficient_scope naming them', async () => {
    assert.equal((await call('/orders', readOnly)).status, 200);
    assertChallenge(await call('/orders/admin', readOnly), 403, 'insufficient_scope', 'the access token lacks a required scope', 'orders:read orders:write');
    assert.equal((await call('/orders/admin', tokenA)).status, 200);
  });

  test('config.certbound: false leaves a route open: no token, no certificate, and no request.auth', async () => {
    const res = await call('/status', null, null);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { open: true, client_id: null, thumbprint: null, scopes: null });
  });

  test('RFC 8705 §3 (RS-B-01, RS-B-02): the token over another certificate, or over none, is 401 invalid_token', async () => {
    assertChallenge(await call('/orders', tokenA, g), 401, 'invalid_token', 'the access token is bound to another certificate');
    assertChallenge(await call('/orders', tokenA, null), 401, 'invalid_token', 'the access token is certificate-bound, and no client certificate was presented');
  });

  test('RFC 6750 §3.1: no token is 401 with a bare challenge', async () => {
    assertBare(await call('/orders', null));
  });

  test('RFC 6750 §2.2, §5.3 (JT-22): a token in a form body is 400 invalid_request, seen after body parsing', async () => {
    const description = 'send the access token in the Authorization header only';
    assertChallenge(await call('/orders', null, a, { form: { access_token: tokenA } }), 400, 'invalid_request', description);
    assertChallenge(await call('/orders', tokenA, a, { form: { access_token: tokenA } }), 400, 'invalid_request', description);
    assert.equal((await call('/orders', tokenA, a, { form: { item: 'x' } })).status, 200);
  });
});

describe('node:http: withGuard', () => {
  let api: Api;
  let handled = 0;
  before(async () => {
    api = await startApi(
      withGuard(guard, (_req, res, auth) => {
        handled++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echo(auth)));
      }, { scopes: ['orders:read'] }),
    );
  });
  after(() => api.close());

  const call = (headers: Record<string, string>) => send(`${api.url}/orders`, { ca: api.ca, identity: a, headers });

  test('RFC 6750 §3.1: no token, or another scheme, is 401 with a bare challenge, and the handler never runs', async () => {
    const before = handled;
    assertBare(await call({}));
    assertBare(await call({ authorization: 'Basic YWNtZS1hOng=' }));
    assert.equal(handled, before);
  });

  test('RFC 8705 §3: the holder\'s token reaches the handler with the verified token as its third argument', async () => {
    const res = await call({ authorization: `Bearer ${tokenA}` });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { client_id: 'acme-a', thumbprint: expectedThumbprint(a.cert), scopes: ['orders:read', 'orders:write', 'billing:read'] });
  });
});
