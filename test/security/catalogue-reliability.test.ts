// Attack catalogue §5 (reliability) and ST-06 rows: signing keys with two instances on one store,
// clock steps, floods beside honest traffic, a short soak and a blocked log sink.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { before, describe, test } from 'node:test';
import { pino } from 'pino';
import { initDataDir } from '../../src/admin/init.ts';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard } from '../../src/resource/guard.ts';
import { startTokenService } from '../../src/server/service.ts';
import { generateSigningKey } from '../../src/server/signing-keys.ts';
import { openStore } from '../../src/storage/open.ts';
import { startApi } from '../helpers/api.ts';
import { jwtHeader, jwtPayload, send } from '../helpers/https.ts';
import { API, credentials, type Credentials } from '../helpers/world.ts';
import { site, tokenAt, tokenFrom } from './site.ts';

let a: Credentials;
let ca: string;
before(async () => {
  a = await credentials('acme-a');
  ca = a.ca;
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
      // Steps back stay within the certificate-validity skew: the world's certificates may be seconds old.
      for (const offset of [0, -20_000, -40_000, 0]) {
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
