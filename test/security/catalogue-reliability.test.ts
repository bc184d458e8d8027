// Attack catalogue §2.8 (storage faults), §2.6 LC-14 and §5 (reliability) rows: a token service
// on a store the test can slow down, take away and give back, restarts on the same data
// directory, two instances on one store, clock steps, floods beside honest traffic.
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { initDataDir } from '../../src/admin/init.ts';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard } from '../../src/resource/guard.ts';
import { startTokenService, type TokenService, type TokenServiceOptions } from '../../src/server/service.ts';
import { generateSigningKey } from '../../src/server/signing-keys.ts';
import { openStore } from '../../src/storage/open.ts';
import type { Store } from '../../src/storage/store.ts';
import { startApi } from '../helpers/api.ts';
import { jwtHeader, jwtPayload, send, type Response } from '../helpers/https.ts';
import { API, credentials, world, type Credentials } from '../helpers/world.ts';

const UNAVAILABLE_BODY = '{"error":"temporarily_unavailable"}';

/** How the test wants the store to behave right now. */
type StoreMode = 'up' | 'down' | 'hung';

/** A store whose token-state calls the test can fail or hang, as a database outage or a stalled query would. */
function faultyStore(store: Store, mode: () => StoreMode): Store {
  const faulty = new Set<PropertyKey>(['isTokenRevoked', 'revokeToken', 'getSetting', 'appendAudit']);
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!faulty.has(property)) return fn.bind(target);
      return (...args: unknown[]) => {
        const now = mode();
        if (now === 'down') return Promise.reject(new Error('connection refused (test outage)'));
        if (now === 'hung') return new Promise(() => undefined);
        return fn.apply(target, args);
      };
    },
  });
}

/** A data directory copied from the world, its store, and a service the test can stop and start again on it. */
interface Site {
  readonly dir: string;
  store: Store;
  service: TokenService;
  mode: StoreMode;
  start(options?: Partial<Omit<TokenServiceOptions, 'store'>>): Promise<TokenService>;
  close(): Promise<void>;
}

async function site(): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), 'certbound-rel-'));
  await cp((await world()).template, dir, { recursive: true });
  const s: Site = {
    dir,
    store: await openStore(dir),
    service: undefined as unknown as TokenService,
    mode: 'up',
    async start(options = {}) {
      s.service = await startTokenService({ issuer: (port) => `https://localhost:${port}`, port: 0, logger: false, ...options, store: faultyStore(s.store, () => s.mode) });
      return s.service;
    },
    async close() {
      await s.service.close();
      await s.store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await s.start();
  return s;
}

let a: Credentials;
let rs: Credentials;
let ca: string;
before(async () => {
  [a, rs] = await Promise.all([credentials('acme-a'), credentials('acme-rs')]);
  ca = a.ca;
});

const tokenAt = (service: TokenService, identity: Credentials = a, clientId = 'acme-a') =>
  send(`${service.issuer}/token`, { ca, identity, form: { grant_type: 'client_credentials', client_id: clientId } });
async function tokenFrom(service: TokenService): Promise<string> {
  const res = await tokenAt(service);
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}
const introspectAt = (service: TokenService, token: string) => send(`${service.issuer}/introspect`, { ca, identity: rs, form: { client_id: 'acme-rs', token } });
const revokeAt = (service: TokenService, token: string) => send(`${service.issuer}/revoke`, { ca, identity: a, form: { client_id: 'acme-a', token } });

function assertUnavailable(res: Response, what = ''): void {
  assert.equal(res.status, 503, `${what}: ${res.text}`);
  assert.equal(res.text, UNAVAILABLE_BODY, what);
  assert.equal(res.headers['retry-after'], '5', what);
}

describe('catalogue §2.8 and §5: the store fails, stalls and comes back', () => {
  let s: Site;
  before(async () => {
    s = await site();
  });
  after(() => s.close());

  test('ST-02: a stalled store (queries that never answer) makes introspection and revocation 503 temporarily_unavailable at the request deadline, and the service recovers without a restart', async () => {
    const token = await tokenFrom(s.service);
    s.mode = 'hung';
    try {
      const [ix, rv] = await Promise.all([introspectAt(s.service, token), revokeAt(s.service, token)]);
      assertUnavailable(ix, 'introspection');
      assertUnavailable(rv, 'revocation');
    } finally {
      s.mode = 'up';
    }
    assert.equal((await introspectAt(s.service, token)).json?.['active'], true, 'recovered');
  });

  test('REL-01 (by design, issuance is stateless — tokens are still issued): during a store outage, 30 mixed requests get tokens and 503 + Retry-After + generic JSON for introspection and revocation — no 500, no detail; afterwards every request succeeds again', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => tokenFrom(s.service)));
    s.mode = 'down';
    let during: Response[];
    try {
      during = await Promise.all(tokens.flatMap((token) => [tokenAt(s.service), introspectAt(s.service, token), revokeAt(s.service, token)]));
    } finally {
      s.mode = 'up';
    }
    for (const [i, res] of during.entries()) {
      assert.ok(res.status !== 500 && !/stack|Error:|at \//.test(res.text), res.text);
      if (i % 3 === 0) assert.equal(res.status, 200, `token: ${res.text}`);
      else assertUnavailable(res, i % 3 === 1 ? 'introspection' : 'revocation');
    }
    const afterwards = await Promise.all(tokens.map((token) => introspectAt(s.service, token)));
    for (const res of afterwards) assert.equal(res.json?.['active'], true, 'no revocation was half-done, and the store is back');
    for (const res of await Promise.all(tokens.map((token) => revokeAt(s.service, token)))) assert.equal(res.status, 200);
  });

  test('ST-08: persist-before-respond — a retried token request gets a new token (new jti), and the first one is still revocable', async () => {
    const [first, retry] = [await tokenFrom(s.service), await tokenFrom(s.service)];
    assert.notEqual(jwtPayload(first)['jti'], jwtPayload(retry)['jti']);
    assert.equal((await revokeAt(s.service, first)).status, 200);
    assert.equal((await introspectAt(s.service, first)).text, '{"active":false}');
    assert.equal((await introspectAt(s.service, retry)).json?.['active'], true);
  });
});

describe('catalogue LC-14, ST-05, REL-02: a restart on the same data directory', () => {
  let s: Site;
  let issuedBefore: string;
  let revokedBefore: string;
  let kidsBefore: string[];
  let keysBefore: number;
  before(async () => {
    s = await site();
    issuedBefore = await tokenFrom(s.service);
    revokedBefore = await tokenFrom(s.service);
    assert.equal((await revokeAt(s.service, revokedBefore)).status, 200);
    kidsBefore = ((await send(`${s.service.issuer}/jwks`, { ca })).json?.['keys'] as { kid: string }[]).map((k) => k.kid);
    keysBefore = (await s.store.listSigningKeys()).length;
    // REL-02 (a): requests in flight when the stop begins are completed, not reset.
    const port = s.service.port;
    let received = 0;
    const inFlight: Promise<Response>[] = [];
    const draining = new Promise<void>((resolve) => {
      s.service.app.server.on('request', () => {
        received += 1;
        if (received === 5) resolve();
      });
    });
    for (let i = 0; i < 5; i++) inFlight.push(tokenAt(s.service));
    await draining;
    const stopping = s.service.close();
    const drained = await Promise.all(inFlight);
    await stopping;
    for (const res of drained) assert.equal(res.status, 200, `accepted before the stop: ${res.text}`);
    // A real restart: the database is closed and opened again, the service comes back on the same port and issuer.
    await s.store.close();
    s.store = await openStore(s.dir);
    await s.start({ port, issuer: `https://localhost:${port}` });
  });
  after(() => s.close());

  test('LC-14: a token issued before the restart still verifies at a guard (signature, binding) after it; a revocation made before it still holds', async () => {
    const guard = createGuard({ issuer: s.service.issuer, ca, audience: API.acmeOrders });
    const api = await startApi(withGuard(guard, (_req, res) => res.end('ok')));
    try {
      const res = await send(`${api.url}/`, { ca: api.ca, identity: a, headers: { authorization: `Bearer ${issuedBefore}` } });
      assert.equal(res.status, 200, res.text);
    } finally {
      await api.close();
      await guard.close();
    }
    assert.equal((await introspectAt(s.service, revokedBefore)).text, '{"active":false}');
  });

  test('ST-05: signing keys and revocations are persisted — the JWKS kids are unchanged, no key was generated by the restart, new tokens carry a known kid', async () => {
    const kidsAfter = ((await send(`${s.service.issuer}/jwks`, { ca })).json?.['keys'] as { kid: string }[]).map((k) => k.kid);
    assert.deepEqual(kidsAfter, kidsBefore);
    assert.equal((await s.store.listSigningKeys()).length, keysBefore);
    assert.ok(kidsBefore.includes(String(jwtHeader(await tokenFrom(s.service))['kid'])));
    assert.equal((await introspectAt(s.service, issuedBefore)).json?.['active'], true);
  });

  test('REL-02: in-flight requests at a stop completed with 200 (checked at the stop), and after the restart every earlier token is as it was: active stays active, revoked stays revoked', async () => {
    assert.equal((await introspectAt(s.service, issuedBefore)).json?.['active'], true);
    assert.equal((await introspectAt(s.service, revokedBefore)).text, '{"active":false}');
  });
});

describe('catalogue ST-06, REL-03, REL-04: signing keys with two instances on one store', () => {
  test('ST-06: two instances initialising one fresh store at the same time create exactly one active signing key', async () => {
    // One race per run: each costs a full init (CA keys) on a shared machine.
    for (let i = 0; i < 1; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'certbound-race-'));
      const [one, two] = [await openStore(dir), await openStore(dir)];
      try {
        await Promise.all([initDataDir(one, dir), initDataDir(two, dir)]);
        const keys = await one.listSigningKeys();
        assert.equal(keys.length, 1, `iteration ${i}`);
        assert.equal(keys.filter((k) => k.active).length, 1);
      } finally {
        await one.close();
        await two.close();
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  test('REL-03 / REL-04: a key added to the store (a rotation) is published by both instances after reload, both sign with the same one new kid, and tokens signed by the old key keep verifying', async () => {
    const s = await site();
    const second = await startTokenService({ issuer: (port) => `https://localhost:${port}`, port: 0, logger: false, store: s.store });
    try {
      const old = await tokenFrom(s.service);
      const oldKid = String(jwtHeader(old)['kid']);
      const rotated = await generateSigningKey();
      await s.store.addSigningKey(rotated);
      await Promise.all([s.service.reload(), second.reload()]);
      const [t1, t2] = [await tokenFrom(s.service), await tokenFrom(second)];
      assert.equal(jwtHeader(t1)['kid'], rotated.kid, 'one new active key, instance 1');
      assert.equal(jwtHeader(t2)['kid'], rotated.kid, 'the same key, instance 2');
      for (const service of [s.service, second]) {
        const kids = ((await send(`${service.issuer}/jwks`, { ca })).json?.['keys'] as { kid: string }[]).map((k) => k.kid);
        assert.ok(kids.includes(oldKid) && kids.includes(rotated.kid), 'old key retained, new key published');
      }
      // A guard that fetched the JWKS after the rotation verifies tokens of both keys.
      const guard = createGuard({ issuer: s.service.issuer, ca, audience: API.acmeOrders });
      const api = await startApi(withGuard(guard, (_req, res) => res.end('ok')));
      try {
        for (const token of [old, t1]) {
          const res = await send(`${api.url}/`, { ca: api.ca, identity: a, headers: { authorization: `Bearer ${token}` } });
          assert.equal(res.status, 200, `${String(jwtHeader(token)['kid'])}: ${res.text}`);
        }
      } finally {
        await api.close();
        await guard.close();
      }
    } finally {
      await second.close();
      await s.close();
    }
  });
});

describe('catalogue §5: clocks, floods, soak and a blocked log sink', () => {
  test('REL-06: with the token service\'s clock ahead of the guard, a 20 s skew (inside the guard\'s 60 s tolerance) is accepted and one outside it (5 min) is 401 invalid_token; stepping the clock back never yields exp ≤ iat or a repeated jti', async () => {
    let shift = 0;
    const s = await site();
    await s.service.close();
    await s.start({ now: () => new Date(Date.now() + shift) });
    const guard = createGuard({ issuer: s.service.issuer, ca, audience: API.acmeOrders, clockTolerance: 60 });
    const api = await startApi(withGuard(guard, (_req, res) => res.end('ok')));
    const at = async (offsetMs: number) => {
      shift = offsetMs;
      const res = await tokenAt(s.service);
      assert.equal(res.status, 200, res.text);
      return String(res.json?.['access_token']);
    };
    try {
      const call = (token: string) => send(`${api.url}/`, { ca: api.ca, identity: a, headers: { authorization: `Bearer ${token}` } });
      assert.equal((await call(await at(20_000))).status, 200, 'inside the skew');
      const ahead = await call(await at(5 * 60_000));
      assert.equal(ahead.status, 401);
      assert.equal(ahead.json?.['error'], 'invalid_token');
      const jtis = new Set<unknown>();
      for (const offset of [0, -60_000, -120_000, 0]) {
        const claims = jwtPayload(await at(offset));
        assert.ok(Number(claims['exp']) > Number(claims['iat']));
        jtis.add(claims['jti']);
      }
      assert.equal(jtis.size, 4, 'jti unique across the clock step');
    } finally {
      await api.close();
      await guard.close();
      await s.close();
    }
  });

  test('REL-07 (deliberate: no per-partner quota — bulkheads belong to the edge): while globex floods /token with 200 hostile requests, all of acme\'s 20 honest requests succeed', async () => {
    const s = await site();
    const g = await credentials('globex-g');
    try {
      const hostile = Array.from({ length: 200 }, (_, i) =>
        send(`${s.service.issuer}/token`, { ca, identity: g, form: i % 2 ? { grant_type: 'client_credentials', client_id: 'acme-a' } : { grant_type: 'client_credentials', client_id: 'globex-g', scope: 'x'.repeat(2000) } }));
      const honest = Array.from({ length: 20 }, () => tokenAt(s.service));
      const [bad, good] = await Promise.all([Promise.all(hostile), Promise.all(honest)]);
      for (const [i, res] of bad.entries()) {
        // Odd: acme-a's id on globex's certificate; even: globex-g asking for a scope it does not have.
        assert.equal(res.status, i % 2 ? 401 : 400, res.text);
        assert.equal(res.json?.['error'], i % 2 ? 'invalid_client' : 'invalid_scope');
      }
      for (const res of good) assert.equal(res.status, 200, res.text);
    } finally {
      await s.close();
    }
  });

  test('REL-05 (short form; the 10-minute soak is npm run soak): 300 token requests on fresh connections leave no connection open on the service afterwards and no error answer', async () => {
    const s = await site();
    try {
      for (let batch = 0; batch < 30; batch++) {
        for (const res of await Promise.all(Array.from({ length: 10 }, () => tokenAt(s.service)))) assert.equal(res.status, 200, res.text);
      }
      const connections = () => new Promise<number>((resolve, reject) => s.service.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
      // The last sockets close a moment after their answers: give the event loop turns, not time.
      let open = await connections();
      for (let turn = 0; open > 0 && turn < 20_000; turn++) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        open = await connections();
      }
      assert.equal(open, 0, `${open} connections still open`);
    } finally {
      await s.close();
    }
  });

  test('REL-11: a log sink that never drains does not stop the request path — 50 token requests are answered 200', async () => {
    const blocked = new Writable({ highWaterMark: 16, write: () => undefined });
    const s = await site();
    await s.service.close();
    await s.start({ logger: pino({ level: 'info' }, blocked) });
    try {
      for (const res of await Promise.all(Array.from({ length: 50 }, () => tokenAt(s.service)))) assert.equal(res.status, 200, res.text);
      assert.ok(blocked.writableNeedDrain, 'the sink was indeed blocked');
    } finally {
      await s.close();
    }
  });
});
