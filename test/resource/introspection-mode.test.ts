// The guard against the live token service: introspection as a registered resource server
// (revocation bites before exp, LC-02), the token service going away (503, never a guess:
// REL-08, REL-09), and JWKS refetch hygiene for unknown keys (JT-04).
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair, SignJWT } from 'jose';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import type { GuardOptions } from '../../src/resource/options.ts';
import { startApi, type Api } from '../helpers/api.ts';
import { jwtPayload, send, type Response } from '../helpers/https.ts';
import { API, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

const REALM = API.acmeOrders;
const UNAVAILABLE = { error: 'temporarily_unavailable' };

let a: Credentials;
let rs: Credentials;
before(async () => {
  a = await credentials('acme-a');
  rs = await credentials('acme-rs');
});

async function tokenFrom(h: Harness): Promise<string> {
  const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

/** One mTLS API serving several guards, each on its own first path segment. */
async function apiFor(guards: Record<string, Guard>): Promise<Api> {
  const handlers = new Map(
    Object.entries(guards).map(([name, guard]) => [
      name,
      withGuard(guard, (_req, res, auth) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ client_id: auth.claims.client_id }))),
    ]),
  );
  return startApi((req, res) => {
    const handler = handlers.get(req.url?.split('/')[1] ?? '');
    if (handler) return handler(req, res);
    res.writeHead(404).end();
  });
}

const call = (api: Api, path: string, token: string) =>
  send(`${api.url}${path}`, { ca: api.ca, identity: a, headers: { authorization: `Bearer ${token}` } });

function assertInvalidToken(res: Response, description: string): void {
  assert.equal(res.status, 401, res.text);
  assert.deepEqual(res.json, { error: 'invalid_token', error_description: description });
  assert.equal(res.headers['www-authenticate'], `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`);
}

/**
 * REL-08: the token service could not answer — 503 with Retry-After (the seconds until the guard
 * asks again) and no detail, never a 401 that sends the client for a new token.
 */
function assertUnavailable(res: Response, retryAfter: string): void {
  assert.equal(res.status, 503, res.text);
  assert.deepEqual(res.json, UNAVAILABLE);
  assert.equal(res.headers['retry-after'], retryAfter);
  assert.equal(res.headers['www-authenticate'], undefined);
}

/** The guard options every guard of this file shares, against harness `h`. */
const common = (h: Harness): GuardOptions => ({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
const introspection = (cacheSeconds: number, clientId = 'acme-rs', identity: Credentials = rs) =>
  ({ clientId, cert: identity.cert, key: identity.key, cacheSeconds }) as const;

/** An at+jwt exactly like the service's, bound to acme-a's certificate, but signed by a key the service never published. */
async function unknownKidToken(issuer: string, kid: string): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  const now = Math.floor(Date.now() / 1000);
  const x5t = createHash('sha256').update(new X509Certificate(a.cert).raw).digest('base64url');
  return new SignJWT({ client_id: 'acme-a', scope: 'orders:read', cnf: { 'x5t#S256': x5t } })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .setIssuer(issuer)
    .setAudience(API.acmeOrders)
    .setSubject('acme-a')
    .setJti(`unknown-${kid}`)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(privateKey);
}

describe('guard with introspection (RFC 7662, LC-02)', () => {
  let h: Harness;
  let api: Api;
  const guards: Record<string, Guard> = {};
  before(async () => {
    h = await startWorld();
    guards['fresh'] = createGuard({ ...common(h), introspection: introspection(0) });
    guards['cached'] = createGuard({ ...common(h), introspection: introspection(60) });
    // globex-rs introspects globex's API only: to it, acme's tokens are never active.
    guards['foreign'] = createGuard({ ...common(h), introspection: introspection(0, 'globex-rs', await credentials('globex-rs')) });
    api = await apiFor(guards);
  });
  after(async () => {
    await api.close();
    for (const guard of Object.values(guards)) await guard.close();
    await h.close();
  });

  const revoke = async (token: string) => {
    const res = await send(`${h.issuer}/revoke`, { ca: a.ca, identity: a, form: { client_id: 'acme-a', token } });
    assert.equal(res.status, 200, res.text);
  };

  test('RFC 7662 §2.2: an active token, introspected by the resource server with its own certificate, is accepted', async () => {
    const res = await call(api, '/fresh/orders', await tokenFrom(h));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { client_id: 'acme-a' });
  });

  test('RFC 7009 (LC-02): once its owner revokes it, the token is 401 invalid_token (cacheSeconds: 0 caches nothing)', async () => {
    const token = await tokenFrom(h);
    assert.equal((await call(api, '/fresh/orders', token)).status, 200);
    await revoke(token);
    assertInvalidToken(await call(api, '/fresh/orders', token), 'the access token is no longer active');
    // Revocation is for good: the next request is refused too.
    assertInvalidToken(await call(api, '/fresh/orders', token), 'the access token is no longer active');
  });

  test('LC-02: within cacheSeconds the introspection answer is reused — the documented staleness — and a revoked token is refused once it lapses', async () => {
    const token = await tokenFrom(h);
    assert.equal((await call(api, '/cached/orders', token)).status, 200);
    await revoke(token);
    assert.equal((await call(api, '/cached/orders', token)).status, 200, 'the cached answer still holds');
    // The cache is per answer, not per guard: the same token, first seen after its revocation, is refused.
    const seenLate = await tokenFrom(h);
    await revoke(seenLate);
    assertInvalidToken(await call(api, '/cached/orders', seenLate), 'the access token is no longer active');
  });

  test('RFC 7662 §2.2: a resource server the token service does not let see the token gets active: false, so 401 invalid_token', async () => {
    assertInvalidToken(await call(api, '/foreign/orders', await tokenFrom(h)), 'the access token is no longer active');
  });
});

describe('JWKS refetch for unknown keys (JT-04)', () => {
  let h: Harness;
  let api: Api;
  const guards: Record<string, Guard> = {};
  /** GET requests per path on the token service, counted before Fastify sees them. */
  const hits = new Map<string, number>();
  const hitsOf = (path: string) => hits.get(path) ?? 0;
  before(async () => {
    h = await startWorld();
    (h.service.app.server as Server).prependListener('request', (req: IncomingMessage) => {
      const path = (req.url ?? '').split('?')[0]!;
      if (req.method === 'GET') hits.set(path, hitsOf(path) + 1);
    });
    guards['default'] = createGuard(common(h));
    // A positive control: with no cooldown, every unknown kid refetches, so the counter is seen to move.
    guards['eager'] = createGuard({ ...common(h), jwksCooldown: 0 });
    // A JWKS URL the service does not serve: every fetch of it fails (404).
    guards['broken'] = createGuard({ issuer: h.issuer, jwksUri: `${h.issuer}/jwks-moved`, ca: a.ca, audience: API.acmeOrders });
    api = await apiFor(guards);
  });
  after(async () => {
    await api.close();
    for (const guard of Object.values(guards)) await guard.close();
    await h.close();
  });

  test('JT-04: a token signed with an unknown kid is 401 invalid_token, and the JWKS is not refetched within the cooldown', async () => {
    const token = await tokenFrom(h);
    assert.equal((await call(api, '/default/orders', token)).status, 200);
    const fetched = hitsOf('/jwks');
    assert.equal(fetched, 1, 'the first request fetched the JWKS once');
    for (let i = 0; i < 3; i++) {
      assertInvalidToken(await call(api, '/default/orders', await unknownKidToken(h.issuer, `kid-${i}`)), 'the access token is signed by an unknown key');
    }
    // Concurrent unknown kids: still no fetch.
    const storm = await Promise.all([3, 4, 5, 6].map(async (i) => call(api, '/default/orders', await unknownKidToken(h.issuer, `kid-${i}`))));
    for (const res of storm) assertInvalidToken(res, 'the access token is signed by an unknown key');
    assert.equal(hitsOf('/jwks'), fetched, 'no JWKS fetch within the cooldown');
    // Known keys still verify from the cache.
    assert.equal((await call(api, '/default/orders', await tokenFrom(h))).status, 200);
    assert.equal(hitsOf('/jwks'), fetched);
  });

  test('JT-04 (control): with jwksCooldown 0, each unknown kid refetches the JWKS once', async () => {
    assert.equal((await call(api, '/eager/orders', await tokenFrom(h))).status, 200);
    const fetched = hitsOf('/jwks');
    for (let i = 0; i < 3; i++) {
      assertInvalidToken(await call(api, '/eager/orders', await unknownKidToken(h.issuer, `eager-${i}`)), 'the access token is signed by an unknown key');
    }
    assert.equal(hitsOf('/jwks'), fetched + 3);
  });

  test('JT-04, REL-09: a JWKS endpoint that fails is 503, and is tried at most once per cooldown, not once per request', async () => {
    const token = await tokenFrom(h);
    // The first wait after a failure is the cooldown (30 s), and Retry-After says so.
    for (let i = 0; i < 4; i++) assertUnavailable(await call(api, '/broken/orders', token), '30');
    assert.equal(hitsOf('/jwks-moved'), 1);
  });
});

describe('token service unreachable (REL-08, REL-09)', () => {
  let h: Harness;
  let api: Api;
  let closed = false;
  const guards: Record<string, Guard> = {};
  /** Presented while the service is up. */
  let seen: string;
  /** Issued while the service is up, presented only after it went down. */
  let unseen: string;
  /** Likewise, presented last of all, after the failed refetch. */
  let last: string;
  /** How far the 'stale' guard's clock is ahead. */
  let offset = 0;
  /** How far the 'jwt' guard's clock is ahead. */
  let jwtAhead = 0;
  before(async () => {
    h = await startWorld();
    guards['introspecting'] = createGuard({ ...common(h), introspection: introspection(0) });
    guards['jwt'] = createGuard({ ...common(h), jwksCooldown: 50, now: () => new Date(Date.now() + jwtAhead) });
    // Created now, first used after the service is gone.
    guards['cold'] = createGuard(common(h));
    // Its clock runs `offset` ms ahead of the test's: two minutes of staleness allowed, so a refresh every minute.
    guards['stale'] = createGuard({ ...common(h), jwksMaxStaleMs: 120_000, now: () => new Date(Date.now() + offset) });
    api = await apiFor(guards);
    seen = await tokenFrom(h);
    unseen = await tokenFrom(h);
    last = await tokenFrom(h);
    assert.equal(new Set([seen, unseen, last].map((t) => jwtPayload(t)['jti'])).size, 3);
    assert.equal((await call(api, '/introspecting/orders', seen)).status, 200);
    assert.equal((await call(api, '/jwt/orders', seen)).status, 200);
    assert.equal((await call(api, '/stale/orders', seen)).status, 200);
    await h.service.close();
    closed = true;
  });
  after(async () => {
    await api.close();
    for (const guard of Object.values(guards)) await guard.close();
    if (!closed) await h.service.close();
    await h.store.close();
    await rm(h.dir, { recursive: true, force: true });
  });

  test('REL-08 (ST-03 analogue): with introspection and the token service down, a valid token is 503 temporarily_unavailable with Retry-After', async () => {
    // One failure does not open the circuit: the next request may ask again at once.
    assertUnavailable(await call(api, '/introspecting/orders', seen), '1');
  });

  test('REL-09: a guard whose issuer is unreachable at first use (discovery fails) is 503, not 401', async () => {
    assertUnavailable(await call(api, '/cold/orders', seen), '30');
    assertUnavailable(await call(api, '/cold/orders', unseen), '30');
  });

  test('REL-09: a JWT guard keeps verifying with the keys it holds; an unknown kid is 401 even when the refetch cannot reach the service', async () => {
    const res = await call(api, '/jwt/orders', unseen);
    assert.equal(res.status, 200, res.text);
    // Past the 50 ms cooldown an unknown kid triggers a refetch, which fails: the token is still not signed by a known key.
    jwtAhead = 120;
    assertInvalidToken(await call(api, '/jwt/orders', await unknownKidToken(h.issuer, 'after-outage')), 'the access token is signed by an unknown key');
    assert.equal((await call(api, '/jwt/orders', last)).status, 200, 'known keys still verify after the failed refetch');
  });

  test('REL-09: with the token service down, a token of a held key verifies until the key set is jwksMaxStaleMs old, then is 503 with Retry-After', async () => {
    offset = 90_000; // past the 1-minute refresh: the refresh fails, the held set answers
    const stale = await call(api, '/stale/orders', unseen);
    assert.equal(stale.status, 200, stale.text);
    offset = 121_000; // past the 2-minute maximum staleness: fail closed, known key or not
    const refused = await call(api, '/stale/orders', seen);
    assert.equal(refused.status, 503, refused.text);
    assert.deepEqual(refused.json, UNAVAILABLE);
    const retryAfter = Number(refused.headers['retry-after']);
    // The next attempt is one to two cooldowns (30-60 s) away: the second failure in a row, jittered.
    assert.ok(retryAfter >= 30 && retryAfter <= 60, String(retryAfter));
    assert.equal(refused.headers['www-authenticate'], undefined);
  });
});
