// The resource-server guard over direct mTLS: a token is accepted only from the holder of
// the certificate it is bound to (RFC 8705 §3), with RFC 6750 answers for everything else.
import assert from 'node:assert/strict';
import { connect, type TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { startApi, type Api } from '../helpers/api.ts';
import { send, type Response } from '../helpers/https.ts';
import { API, authority, credentials, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

let h: Harness;
let api: Api;
let guard: Guard;
let a: Credentials;
let g: Credentials;
let tokenA: string;

async function tokenFor(clientId: string, identity: Credentials | null, extra: Record<string, string> = {}): Promise<string> {
  const ca = (await authority('platform')).certPem;
  const res = await send(`${h.issuer}/token`, {
    ca,
    ...(identity ? { identity } : {}),
    form: { grant_type: 'client_credentials', client_id: clientId, ...extra },
  });
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  g = await credentials('globex-g');
  guard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
  api = await startApi(
    withGuard(guard, (_req, res, auth) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: auth.claims.client_id, thumbprint: auth.thumbprint }));
    }, { scopes: ['orders:read'] }),
  );
  tokenA = await tokenFor('acme-a', a);
});
after(async () => {
  await api.close();
  await guard.close();
  await h.close();
});

const call = (token: string | null, identity: Credentials | null, headers: Record<string, string | string[]> = {}, path = '/orders') =>
  send(`${api.url}${path}`, {
    ca: api.ca,
    ...(identity ? { identity } : {}),
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });

function assertChallenge(res: Response, status: number, error: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.['error'], error);
  const challenge = String(res.headers['www-authenticate']);
  assert.match(challenge, /^Bearer realm="https:\/\/api\.acme\.example\/orders", error="[a-z_]+", error_description="[^"]+"/);
  assert.ok(challenge.includes(`error="${error}"`), challenge);
}

describe('resource guard, direct mTLS', () => {
  test('RFC 8705 §3: the token of client A presented with A\'s certificate is accepted', async () => {
    const res = await call(tokenA, a);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json?.['client_id'], 'acme-a');
  });

  test('RFC 8705 §3 (RS-B-01): the same token over a connection with another partner\'s certificate is 401 invalid_token', async () => {
    assertChallenge(await call(tokenA, g), 401, 'invalid_token');
  });

  test('RFC 8705 §3 (RS-B-02): the bound token over a connection without a certificate is 401 invalid_token', async () => {
    assertChallenge(await call(tokenA, null), 401, 'invalid_token');
  });

  test('RFC 8705 §3 (JT-16): a token without cnf is 401 invalid_token when binding is required', async () => {
    const bearer = await tokenFor('acme-post', null, { client_secret: await secret('acme-post') });
    assertChallenge(await call(bearer, a), 401, 'invalid_token');
  });

  test('RFC 9068 §4 (JT-13): a token for another audience is 401 invalid_token', async () => {
    const billing = await tokenFor('acme-a', a, { resource: API.acmeBilling });
    assertChallenge(await call(billing, a), 401, 'invalid_token');
  });

  test('RFC 6750 §3.1: a token without the required scope is 403 insufficient_scope naming the scope', async () => {
    const writeOnly = await tokenFor('acme-a', a, { scope: 'orders:write' });
    const res = await call(writeOnly, a);
    assertChallenge(res, 403, 'insufficient_scope');
    assert.ok(String(res.headers['www-authenticate']).endsWith(', scope="orders:read"'));
    assert.equal(res.json?.['scope'], 'orders:read');
  });

  test('RFC 6750 §3.1: a request without a token is 401 with a bare Bearer challenge and no error code', async () => {
    const res = await call(null, a);
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="https://api.acme.example/orders"');
    assert.equal(res.json?.['error'], undefined);
    // Another scheme is no bearer token either.
    const basic = await call(null, a, { authorization: 'Basic YTpi' });
    assert.equal(basic.status, 401);
    assert.equal(basic.headers['www-authenticate'], 'Bearer realm="https://api.acme.example/orders"');
  });

  test('RFC 6750 §2.3, §5.3 (JT-21): a token in the query string is 400 invalid_request, alone or beside a header', async () => {
    assertChallenge(await call(null, a, {}, `/orders?access_token=${tokenA}`), 400, 'invalid_request');
    assertChallenge(await call(tokenA, a, {}, `/orders?x=1&access_token=${tokenA}`), 400, 'invalid_request');
  });

  test('RFC 6750 §2.1 (JT-23, JT-26): two Authorization headers, or a malformed Bearer credential, is 400 invalid_request', async () => {
    assertChallenge(await call(null, a, { authorization: [`Bearer ${tokenA}`, `Bearer ${tokenA}`] }), 400, 'invalid_request');
    for (const value of ['Bearer', 'Bearer ', `Bearer  ${tokenA}`, `Bearer ${tokenA} x`, 'Bearer a"b', `Bearer\t${tokenA}`]) {
      assertChallenge(await call(null, a, { authorization: value }), 400, 'invalid_request');
    }
  });

  test('JT-25: the Bearer scheme is case-insensitive', async () => {
    for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
      assert.equal((await call(null, a, { authorization: `${scheme} ${tokenA}` })).status, 200, scheme);
    }
  });

  test('JT-09, JT-12: a tampered, foreign or garbage token is 401 invalid_token', async () => {
    const [header, payload, signature] = tokenA.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'orders:read orders:admin' })).toString('base64url');
    for (const token of [`${header}.${forged}.${signature}`, 'abc.def.ghi', 'x'.repeat(9000)]) {
      assertChallenge(await call(token, a), 401, 'invalid_token');
    }
  });

  test('RFC 8705 §3 after TLS session resumption: a resumed connection carries the certificate of its original handshake', async () => {
    const port = Number(new URL(api.url).port);
    const request = (socket: TLSSocket) =>
      new Promise<string>((resolve, reject) => {
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.write(`GET /orders HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${tokenA}\r\nConnection: close\r\n\r\n`);
      });
    const open = (identity: Credentials, session?: Buffer) =>
      new Promise<TLSSocket>((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port, servername: 'localhost', ca: api.ca, cert: identity.cert, key: identity.key, ...(session ? { session } : {}) },
          () => resolve(socket),
        );
        socket.on('error', reject);
      });
    const resumeOf = async (identity: Credentials): Promise<{ first: string; resumed: string; reused: boolean }> => {
      const first = await open(identity);
      const ticket = new Promise<Buffer>((resolve) => first.once('session', resolve));
      const firstAnswer = await request(first);
      const second = await open(identity, await ticket);
      const reused = second.isSessionReused();
      return { first: firstAnswer, resumed: await request(second), reused };
    };
    const holder = await resumeOf(a);
    assert.equal(holder.reused, true, 'the TLS session was resumed');
    assert.match(holder.first, /^HTTP\/1\.1 200/);
    assert.match(holder.resumed, /^HTTP\/1\.1 200/, 'the holder is still recognised on the resumed session');
    const thief = await resumeOf(g);
    assert.equal(thief.reused, true);
    assert.match(thief.first, /^HTTP\/1\.1 401/);
    assert.match(thief.resumed, /^HTTP\/1\.1 401/, 'a resumed session of another certificate never carries A\'s binding');
  });
});

test('REL-08, REL-09: a non-positive jwksMaxStaleMs, a clock that is not a function, or bad circuit breaker settings are TypeError ERR_INVALID_ARG_VALUE at creation', () => {
  const base = { issuer: 'https://issuer.example', jwksUri: 'https://issuer.example/jwks', audience: 'https://api.example/' } as const;
  for (const jwksMaxStaleMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => createGuard({ ...base, jwksMaxStaleMs }), { code: 'ERR_INVALID_ARG_VALUE' }, String(jwksMaxStaleMs));
  }
  assert.throws(() => createGuard({ ...base, now: 'yesterday' as unknown as () => Date }), { code: 'ERR_INVALID_ARG_VALUE' });
  const introspection = { clientId: 'rs', cert: 'unused', key: 'unused' };
  for (const circuitBreaker of [{ failureThreshold: 0 }, { failureThreshold: 1.5 }, { cooldownMs: -5 }, { maxCooldownMs: Number.NaN }]) {
    assert.throws(() => createGuard({ ...base, introspection: { ...introspection, circuitBreaker } }), { code: 'ERR_INVALID_ARG_VALUE' }, JSON.stringify(circuitBreaker));
  }
});
