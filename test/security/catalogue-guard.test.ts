// Attack catalogue §2.4 and §2.7 rows against the resource guard: hostile access tokens (hand-made
// JWS, so the attack is exactly the one named), presented over real mTLS to a guarded node:https API.
import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { serverCredentials, startApi, type Api } from '../helpers/api.ts';
import { send, type Response } from '../helpers/https.ts';
import { credentials, type Credentials } from '../helpers/world.ts';
import { compactJws, testKey, type TestKey } from './jws.ts';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://api.example/';
const REALM = AUDIENCE;

let k1: TestKey;
let attacker: TestKey;
let guard: Guard;
let api: Api;
let a: Credentials;
let g: Credentials;
/** Requests that reached the attacker's key server (jku / x5u must never be fetched). */
let attackerHits = 0;
let attackerServer: HttpServer;
let attackerUrl: string;

const thumbprint = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');

before(async () => {
  k1 = testKey('k1');
  attacker = testKey('k1');
  guard = createGuard({ issuer: ISSUER, jwks: { keys: [k1.jwk] }, audience: AUDIENCE });
  api = await startApi(withGuard(guard, (_req, res, auth) => res.end(String(auth.claims.client_id))));
  a = await credentials('acme-a');
  g = await credentials('globex-g');
  attackerServer = createHttpServer((_req, res) => {
    attackerHits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [attacker.jwk] }));
  });
  await new Promise<void>((resolve) => attackerServer.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}/jwks`;
});
after(async () => {
  await api.close();
  await guard.close();
  await new Promise<void>((resolve) => attackerServer.close(() => resolve()));
});

/** Valid access-token claims bound to acme-a's certificate, with `extra` merged over them. */
function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER, aud: AUDIENCE, sub: 'svc', client_id: 'svc', jti: randomBytes(8).toString('hex'),
    iat: now, exp: now + 300, cnf: { 'x5t#S256': thumbprint(a.cert) }, ...extra,
  };
}
const header = (extra: Record<string, unknown> = {}) => ({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...extra });

const call = (authorization: string | null, identity: Credentials = a, target: Api = api) =>
  send(`${target.url}/`, { ca: target.ca, identity, headers: authorization === null ? {} : { authorization } });

/** RFC 6750 §3: 401 invalid_token, in the body and in a challenge with this guard's realm. */
function assertInvalidToken(res: Response, what = ''): void {
  assert.equal(res.status, 401, `${what}: ${res.text}`);
  assert.equal(res.json?.['error'], 'invalid_token', what);
  assert.match(String(res.headers['www-authenticate']), new RegExp(`^Bearer realm="${REALM}", error="invalid_token", error_description="[^"]+"$`), what);
}

describe('catalogue §2.4: access-token tampering at the guard', () => {
  test('control: a well-formed ES256 at+jwt bound to the caller\'s certificate is 200', async () => {
    const res = await call(`Bearer ${compactJws(header(), claims(), k1.privateKey)}`);
    assert.equal(res.status, 200, res.text);
  });

  test('JT-03: an RS256 token, its key in the JWKS, at a guard configured for ES256 only → 401 invalid_token', async () => {
    const rsa = testKey('r1', 'RS256');
    const strict = createGuard({ issuer: ISSUER, jwks: { keys: [k1.jwk, rsa.jwk] }, audience: AUDIENCE, algorithms: ['ES256'] });
    const strictApi = await startApi(withGuard(strict, (_req, res) => res.end('ok')));
    try {
      const token = compactJws({ alg: 'RS256', typ: 'at+jwt', kid: 'r1' }, claims(), rsa.privateKey);
      assertInvalidToken(await call(`Bearer ${token}`, a, strictApi), 'RS256');
      // The same guard accepts its configured algorithm: the refusal is the allow-list, not the token.
      assert.equal((await call(`Bearer ${compactJws(header(), claims(), k1.privateKey)}`, a, strictApi)).status, 200);
    } finally {
      await strictApi.close();
      await strict.close();
    }
  });

  test('JT-05: kid injection (path traversal, SQL, 10 KB) → 401 invalid_token; the kid is an opaque map key', async () => {
    for (const kid of ['../../dev/null', "' OR 1=1--", '/etc/passwd\u0000', 'k'.repeat(10_240)]) {
      assertInvalidToken(await call(`Bearer ${compactJws(header({ kid }), claims(), k1.privateKey)}`), kid.slice(0, 16));
    }
  });

  test('JT-06: keys embedded in or linked from the header (jwk, jku, x5u, x5c) are never used or fetched → 401 invalid_token', async () => {
    const x5c = [Buffer.from(new X509Certificate(a.cert).raw).toString('base64')];
    const variants: Record<string, unknown>[] = [
      { jwk: attacker.jwk, kid: 'attacker' },
      { jwk: attacker.jwk },
      { jku: attackerUrl, kid: 'attacker' },
      { x5u: attackerUrl, kid: 'attacker' },
      { x5c, kid: 'attacker' },
    ];
    for (const extra of variants) {
      // Signed by the attacker's key, which k1 (the kid some variants keep) does not verify.
      assertInvalidToken(await call(`Bearer ${compactJws(header(extra), claims(), attacker.privateKey)}`), Object.keys(extra).join('+'));
    }
    assert.equal(attackerHits, 0, 'no jku / x5u URL was fetched');
  });

  test('JT-07: a crit header naming an unknown extension → 401 invalid_token, even with a valid signature', async () => {
    const token = compactJws(header({ crit: ['exp-ext'], 'exp-ext': 1 }), claims(), k1.privateKey);
    assertInvalidToken(await call(`Bearer ${token}`));
  });

  test('JT-10: nbf an hour in the future → 401 invalid_token', async () => {
    const token = compactJws(header(), claims({ nbf: Math.floor(Date.now() / 1000) + 3600 }), k1.privateKey);
    assertInvalidToken(await call(`Bearer ${token}`));
  });

  test('JT-15: claims of the wrong JSON type (exp string, aud object, scope array, cnf string, client_id number) → 401 invalid_token', async () => {
    const variants: Record<string, unknown>[] = [
      { exp: '9999999999' },
      { aud: { uri: AUDIENCE } },
      { scope: ['a'] },
      { cnf: 'x' },
      { client_id: 42 },
      { iat: String(Math.floor(Date.now() / 1000)) },
    ];
    for (const extra of variants) assertInvalidToken(await call(`Bearer ${compactJws(header(), claims(extra), k1.privateKey)}`), JSON.stringify(extra));
  });

  test('JT-17: cnf carries the thumbprint of certificate X (globex-g), the request comes over certificate Y (acme-a) → 401 invalid_token', async () => {
    const token = compactJws(header(), claims({ cnf: { 'x5t#S256': thumbprint(g.cert) } }), k1.privateKey);
    assertInvalidToken(await call(`Bearer ${token}`, a));
    assert.equal((await call(`Bearer ${token}`, g)).status, 200, 'control: the holder of X is accepted');
  });

  test('JT-24 (deliberate: bare challenge): DPoP, Basic or "Bearertoken" carry no Bearer credentials → 401 with WWW-Authenticate: Bearer realm and no error code', async () => {
    const token = compactJws(header(), claims(), k1.privateKey);
    for (const authorization of [`DPoP ${token}`, `Basic ${Buffer.from('svc:secret').toString('base64')}`, `Bearer${token}`]) {
      const res = await call(authorization);
      assert.equal(res.status, 401, authorization.slice(0, 10));
      assert.equal(res.headers['www-authenticate'], `Bearer realm="${REALM}"`, 'RFC 6750 §3.1: no error attribute without bearer credentials');
      assert.deepEqual(res.json, {});
    }
  });

  test('JT-27: a 64 KB Authorization header is 431 from the HTTP server; a 9 KiB token reaches the guard and is 401 invalid_token unparsed', async () => {
    // Raw TLS: the server answers 431 and closes while the client is still writing, so a client that
    // waits for its upload to finish sees only the reset; the answer itself arrives first.
    const answer = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: Number(new URL(api.url).port), servername: 'localhost', ca: api.ca, cert: a.cert, key: a.key }, () => {
        socket.write(`GET / HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${'A'.repeat(64 * 1024)}\r\n\r\n`);
      });
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
      socket.on('error', () => resolve(received));
      socket.on('close', () => resolve(received));
    });
    assert.match(answer, /^HTTP\/1\.1 431 /);
    assertInvalidToken(await call(`Bearer ${'A'.repeat(9 * 1024)}`));
  });

  test('JT-28: JWS JSON serialization, JWE compact and a zip: DEF header → 401 invalid_token (compact JWS only) or 400 invalid_request when not a b64token', async () => {
    const compact = compactJws(header(), claims(), k1.privateKey);
    const [h, p, s] = compact.split('.') as [string, string, string];
    // JSON serialization does not fit the b64token syntax of RFC 6750 §2.1.
    const json = await call(`Bearer ${JSON.stringify({ payload: p, protected: h, signature: s })}`);
    assert.equal(json.status, 400, json.text);
    assert.equal(json.json?.['error'], 'invalid_request');
    const jwe = `${Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' })).toString('base64url')}.${randomBytes(256).toString('base64url')}.${randomBytes(12).toString('base64url')}.${randomBytes(64).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    assertInvalidToken(await call(`Bearer ${jwe}`), 'JWE');
    assertInvalidToken(await call(`Bearer ${compactJws(header({ zip: 'DEF' }), claims(), k1.privateKey)}`), 'zip');
  });

  test('JT-29: a token signed by a key that was withdrawn from the JWKS (retired) → 401 invalid_token', async () => {
    const retired = testKey('retired');
    const current = createGuard({ issuer: ISSUER, jwks: { keys: [k1.jwk] }, audience: AUDIENCE });
    const overlap = createGuard({ issuer: ISSUER, jwks: { keys: [k1.jwk, retired.jwk] }, audience: AUDIENCE });
    const [currentApi, overlapApi] = await Promise.all([
      startApi(withGuard(current, (_req, res) => res.end('ok'))),
      startApi(withGuard(overlap, (_req, res) => res.end('ok'))),
    ]);
    try {
      const token = compactJws(header({ kid: 'retired' }), claims(), retired.privateKey);
      assert.equal((await call(`Bearer ${token}`, a, overlapApi)).status, 200, 'during the overlap window');
      assertInvalidToken(await call(`Bearer ${token}`, a, currentApi), 'after withdrawal');
    } finally {
      await Promise.all([currentApi.close(), overlapApi.close(), current.close(), overlap.close()]);
    }
  });
});

describe('catalogue §2.7: resource exhaustion at the guard', () => {
  test('EX-07: a deeply nested payload (3 000 levels) is 401 invalid_token; a 200 KB one behind a permissive HTTP server is refused by length before JSON.parse (401), and the server keeps serving', async () => {
    const nested = `{"iss":"${ISSUER}","x":${'['.repeat(3000)}${']'.repeat(3000)}}`;
    assertInvalidToken(await call(`Bearer ${compactJws(header(), nested, attacker.privateKey)}`), 'nested');
    // A server that lets 1 MB of headers through: the guard's own 8 KiB cap must hold.
    const tls = await serverCredentials();
    const handler = withGuard(guard, (_req, res) => res.end('ok'));
    const server = createHttpsServer({ cert: tls.cert, key: tls.key, requestCert: true, rejectUnauthorized: false, maxHeaderSize: 1024 * 1024 }, (req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const permissive: Api = {
      server, ca: tls.ca, url: `https://localhost:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
    };
    try {
      const deep = `{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      assertInvalidToken(await call(`Bearer ${compactJws(header(), deep, k1.privateKey)}`, a, permissive), 'deep');
      assertInvalidToken(await call(`Bearer ${'A'.repeat(900_000)}`, a, permissive), '1 MB');
      assert.equal((await call(`Bearer ${compactJws(header(), claims(), k1.privateKey)}`, a, permissive)).status, 200, 'still serving');
    } finally {
      await permissive.close();
    }
  });

  test('EX-08: 40 tokens with random kids against a remote JWKS cost at most one refetch per cooldown, and each is 401 invalid_token', async () => {
    let jwksFetches = 0;
    const keysApi = await startApi((req, res) => {
      if (req.url === '/jwks') jwksFetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [k1.jwk] }));
    });
    const remote = createGuard({ issuer: ISSUER, jwksUri: `${keysApi.url}/jwks`, ca: keysApi.ca, audience: AUDIENCE });
    const remoteApi = await startApi(withGuard(remote, (_req, res) => res.end('ok')));
    try {
      assert.equal((await call(`Bearer ${compactJws(header(), claims(), k1.privateKey)}`, a, remoteApi)).status, 200);
      assert.equal(jwksFetches, 1);
      const storm = await Promise.all(Array.from({ length: 40 }, () =>
        call(`Bearer ${compactJws(header({ kid: randomBytes(8).toString('hex') }), claims(), attacker.privateKey)}`, a, remoteApi)));
      for (const res of storm) assertInvalidToken(res, 'random kid');
      assert.ok(jwksFetches <= 2, `${jwksFetches} JWKS fetches for 40 unknown kids`);
    } finally {
      await Promise.all([remoteApi.close(), keysApi.close()]);
      await remote.close();
    }
  });
});
