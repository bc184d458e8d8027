// Signing-key rotation (issue 12): a new key is published a lead time before it signs, the
// previous one stays published until every token it signed has expired, then is retired — and
// a resource server caching the JWKS never fails a token across the change.
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { operation } from '../../src/admin/operations.ts';
import { runOperation } from '../../src/admin/run.ts';
import { wrappedKekId } from '../../src/core/key-wrap.ts';
import type { SigningKey } from '../../src/core/model.ts';
import { withGuard } from '../../src/resource/adapters/node.ts';
import { createGuard, type Guard } from '../../src/resource/guard.ts';
import { keyStatuses, MAX_TOKEN_LIFETIME_MS, RETIRE_MARGIN_MS, rotationDue } from '../../src/server/key-rotation.ts';
import { embeddedDatabasePath } from '../../src/storage/open.ts';
import { openSqlite } from '../../src/storage/sqlite/database.ts';
import { startApi, type Api } from '../helpers/api.ts';
import { jwtHeader, send } from '../helpers/https.ts';
import { API, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;

function key(kid: string, activatesAt: number, active = true): SigningKey {
  return { kid, alg: 'ES256', keyPkcs8: new Uint8Array(), active, createdAt: new Date(activatesAt), activatesAt: new Date(activatesAt), retiredAt: null };
}

describe('signing-key states', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const keys = [key('old', t0), key('new', t0 + 30 * 86_400_000)];

  test('before its activation a rotated key is pending and the previous key signs', () => {
    const s = keyStatuses(keys, new Date(t0 + 30 * 86_400_000 - 1));
    assert.deepEqual(s.map((x) => [x.key.kid, x.state]), [['old', 'signing'], ['new', 'pending']]);
  });

  test('after its activation the previous key is kept for the longest token lifetime plus a skew margin from its last signature', () => {
    const switchAt = t0 + 30 * 86_400_000;
    const [old, current] = keyStatuses(keys, new Date(switchAt));
    assert.equal(current!.state, 'signing');
    assert.equal(old!.state, 'previous');
    assert.equal(old!.lastSigningAt!.getTime(), switchAt);
    assert.equal(old!.retiresAt!.getTime(), switchAt + MAX_TOKEN_LIFETIME_MS + RETIRE_MARGIN_MS);
  });

  test('a scheduled rotation is due a lead time before the period ends, and not while a rotated key waits', () => {
    const schedule = { everyMs: 30 * 86_400_000, leadTimeMs: HOUR };
    assert.equal(rotationDue([keys[0]!], new Date(t0 + 30 * 86_400_000 - HOUR - 1), schedule), false);
    assert.equal(rotationDue([keys[0]!], new Date(t0 + 30 * 86_400_000 - HOUR), schedule), true);
    assert.equal(rotationDue(keys, new Date(t0 + 30 * 86_400_000 - HOUR), schedule), false);
  });

  test('a retired key is listed as retired, never as signing', () => {
    const s = keyStatuses([{ ...key('gone', t0, false), retiredAt: new Date(t0 + 1) }, key('now', t0 + 2)], new Date(t0 + 3));
    assert.deepEqual(s.map((x) => [x.key.kid, x.state]), [['now', 'signing'], ['gone', 'retired']]);
  });
});

describe('rotation under load, with a guard caching the JWKS', () => {
  let h: Harness;
  let api: Api;
  let guard: Guard;
  let a: Credentials;
  const seen = { requests: 0, failures: [] as string[] };

  before(async () => {
    // One clock for the token service, the guard and jose's JWKS cache: Date alone is mocked, TLS runs for real.
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    h = await startWorld({ keyMaintenanceMs: 0 });
    a = await credentials('acme-a');
    guard = createGuard({ issuer: h.issuer, ca: a.ca, audience: API.acmeOrders });
    api = await startApi(withGuard(guard, (_req, res) => void res.writeHead(200).end('ok'), { scopes: ['orders:read'] }));
  });
  after(async () => {
    await api?.close();
    await guard?.close();
    await h?.close();
    mock.timers.reset();
  });

  const token = async (): Promise<string> => {
    const res = await send(`${h.issuer}/token`, { ca: a.ca, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
    assert.equal(res.status, 200, res.text);
    return String(res.json?.['access_token']);
  };
  const call = async (t: string): Promise<void> => {
    const res = await send(`${api.url}/orders`, { ca: api.ca, identity: a, headers: { authorization: `Bearer ${t}` } });
    seen.requests++;
    if (res.status !== 200) seen.failures.push(`${res.status} ${String(res.headers['www-authenticate'])}`);
  };
  /** 4 clients in parallel, each getting tokens and calling the API with them; the kids that signed. */
  const load = async (rounds = 5): Promise<Set<string>> => {
    const kids = new Set<string>();
    await Promise.all([1, 2, 3, 4].map(async () => {
      for (let i = 0; i < rounds; i++) {
        const t = await token();
        kids.add(String(jwtHeader(t)['kid']));
        await call(t);
      }
    }));
    return kids;
  };
  const jwksKids = async (): Promise<string[]> => {
    const res = await send(`${h.issuer}/jwks`, { ca: a.ca });
    return ((res.json?.['keys'] ?? []) as { kid: string }[]).map((k) => k.kid);
  };

  test('zero verification failures: the new key is published an hour before it signs, the old one kept until its tokens expired', async () => {
    const [first] = await load();
    assert.equal((await load()).size, 1);
    const rotated = (await runOperation({ store: h.store, actor: 'test' }, operation('rotateSigningKey'), { lead_time_seconds: 3600 })) as { kid: string };
    await h.service.reload();
    assert.deepEqual((await jwksKids()).sort(), [first, rotated.kid].sort(), 'published at once');
    assert.deepEqual([...(await load())], [first], 'the old key signs during the lead time');

    // Past the guard's JWKS cache age (10 min): it refetches and learns the new key before it signs.
    mock.timers.tick(11 * MINUTE);
    assert.deepEqual([...(await load())], [first]);
    mock.timers.tick(HOUR - 11 * MINUTE - 1_000);
    const lastOld = await token();
    assert.equal(jwtHeader(lastOld)['kid'], first, 'a second before activation, the old key still signs');

    mock.timers.tick(2_000);
    assert.deepEqual([...(await load())], [rotated.kid], 'the new key signs from its activation');
    await call(lastOld);
    assert.deepEqual((await h.service.maintainKeys()).retired, [], 'the old key has live tokens: it stays published');
    assert.equal((await jwksKids()).length, 2);

    // Every token the old key signed has expired: the service retires it by itself.
    mock.timers.tick(MAX_TOKEN_LIFETIME_MS + RETIRE_MARGIN_MS);
    assert.deepEqual((await h.service.maintainKeys()).retired, [first]);
    assert.deepEqual(await jwksKids(), [rotated.kid]);
    assert.deepEqual([...(await load())], [rotated.kid]);

    assert.deepEqual(seen.failures, [], `${seen.failures.length} of ${seen.requests} verifications failed`);
    assert.equal(seen.requests, 121, "6 rounds of load, 4 clients × 5 tokens each, and the last token of the old key");
  });

  test('why the lead time: a key that signs at once is refused by a guard that fetched the JWKS within its cooldown', async () => {
    await load(1);
    const before = seen.failures.length;
    await runOperation({ store: h.store, actor: 'test' }, operation('rotateSigningKey'), { lead_time_seconds: 0 });
    await h.service.reload();
    await load(1);
    assert.ok(seen.failures.length > before, 'the guard has not seen the new key yet');
    assert.ok(seen.failures.slice(before).every((f) => f.startsWith('401 ') && f.includes('error="invalid_token"')), seen.failures.join('\n'));
  });

  test('a rotated key is wrapped at rest like every private key', async () => {
    const kid = ((await runOperation({ store: h.store, actor: 'test' }, operation('rotateSigningKey'), { lead_time_seconds: 60 })) as { kid: string }).kid;
    const plain = Buffer.from((await h.store.listSigningKeys()).find((k) => k.kid === kid)!.keyPkcs8);
    const db = await openSqlite(embeddedDatabasePath(h.dir));
    try {
      const { rows } = await db.query<{ key: Uint8Array }>('SELECT key_pkcs8 AS key FROM signing_keys WHERE kid = $1', [kid]);
      const raw = Buffer.from(rows[0]!.key);
      assert.notEqual(wrappedKekId(raw), null, 'wrapped under the KEK');
      assert.equal(raw.includes(plain), false, 'the PKCS#8 bytes are not in the row');
    } finally {
      await db.close();
    }
  });
});
