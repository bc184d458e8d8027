// The audit log: batched writes, retries while the store fails, drop-oldest when full, and
// never a secret — unit tests over a real store, then end to end over real TLS.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Logger } from 'pino';
import { InvalidClient, InvalidScope } from '../../src/core/errors.ts';
import type { AuditEvent } from '../../src/core/model.ts';
import { x5tS256 } from '../../src/core/thumbprint.ts';
import { deniedEvent } from '../../src/server/audit-events.ts';
import { createAuditLog, type AuditLog } from '../../src/server/audit.ts';
import { loadRegistry } from '../../src/server/registry.ts';
import type { Store } from '../../src/storage/store.ts';
import { API, credentials, derOf, secret, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { jwtPayload, send } from '../helpers/https.ts';
import { capturedLogger } from '../helpers/log.ts';
import { until, within } from '../helpers/until.ts';

/**
 * The real store's appendAudit, failing while `down` is true or for the next `failures` calls,
 * counting batch sizes; `settled()` resolves once the next call has been answered, with how.
 */
function flakyStore(real: Pick<Store, 'appendAudit'>) {
  const waiting: ((outcome: 'written' | 'refused') => void)[] = [];
  const tell = (outcome: 'written' | 'refused') => {
    for (const resolve of waiting.splice(0)) resolve(outcome);
  };
  const gate = {
    down: false,
    failures: 0,
    batches: [] as number[],
    settled: () => new Promise<'written' | 'refused'>((resolve) => waiting.push(resolve)),
  };
  const store: Pick<Store, 'appendAudit'> = {
    appendAudit(events) {
      gate.batches.push(events.length);
      if (gate.down || gate.failures > 0) {
        gate.failures = Math.max(0, gate.failures - 1);
        tell('refused');
        return Promise.reject(new Error('connection refused'));
      }
      // Told before the caller's continuation runs: the rows are committed by then.
      return real.appendAudit(events).then(() => tell('written'));
    },
  };
  return { store, gate };
}

/** What `probe` finds once it finds something: rows the running service writes after it has answered. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  let found: T | undefined;
  await until(what, async () => {
    // Aggregated refusals reach the store once their interval ends: end it now.
    await trail?.flush();
    found = await probe();
    return found !== undefined;
  }, { timeoutMs: 6_000 });
  return found!;
}

let h: Harness;
const log = capturedLogger();
let a: Credentials;
// The service's audit log, so that tests can end the aggregation interval (flush) before they look.
let trail: AuditLog;
before(async () => {
  let real: Store | undefined;
  trail = createAuditLog({ store: { appendAudit: (events) => real!.appendAudit(events) }, logger: log.logger, flushMs: 20, aggregateMs: 3_600_000 });
  h = await startWorld({ logger: log.logger, audit: trail });
  real = h.store;
  a = await credentials('acme-a');
});
after(async () => {
  await h.close();
  await trail.close();
});

let partnerSeq = 0;
/** Unit-test events under a partner id of their own, so each test queries only its own rows. */
function events(count: number): { partnerId: string; list: AuditEvent[] } {
  const partnerId = `unit-${++partnerSeq}`;
  const list = Array.from({ length: count }, (_, i): AuditEvent => ({ at: new Date(), event: 'test.event', outcome: 'success', partnerId, detail: { n: i } }));
  return { partnerId, list };
}
const numbers = async (partnerId: string) => (await h.store.queryAudit({ partnerId })).map((e) => (e.detail as { n: number }).n);

describe('createAuditLog', () => {
  test('flush writes the buffer in batches of maxBatch, in order', async () => {
    const { store, gate } = flakyStore(h.store);
    const audit = createAuditLog({ store, logger: false, maxBatch: 3, flushMs: 60_000 });
    const { partnerId, list } = events(7);
    for (const e of list) audit.record(e);
    assert.equal(audit.pending, 7);
    await audit.flush();
    assert.deepEqual(gate.batches, [3, 3, 1]);
    assert.equal(audit.pending, 0);
    assert.deepEqual(await numbers(partnerId), [0, 1, 2, 3, 4, 5, 6]);
    await audit.close();
  });

  test('the timer writes buffered events without anyone calling flush', async (t) => {
    // The flush timer (setInterval) is moved by the test, not waited for.
    t.mock.timers.enable({ apis: ['setInterval'] });
    const { store, gate } = flakyStore(h.store);
    const audit = createAuditLog({ store, logger: false, flushMs: 20 });
    const { partnerId, list } = events(2);
    for (const e of list) audit.record(e);
    t.mock.timers.tick(19);
    assert.deepEqual(gate.batches, [], 'not before flushMs');
    const written = gate.settled();
    t.mock.timers.tick(1);
    assert.equal(await within('the timer\'s write', written), 'written');
    assert.deepEqual(await numbers(partnerId), [0, 1]);
    await audit.close();
  });

  test('while the store fails, events are kept and retried on the next flush, older ones first; nothing is lost', async () => {
    const { store, gate } = flakyStore(h.store);
    const out = capturedLogger();
    const audit = createAuditLog({ store, logger: out.logger, flushMs: 60_000 });
    const { partnerId, list } = events(5);
    gate.failures = 2;
    for (const e of list.slice(0, 3)) audit.record(e);
    await audit.flush();
    assert.equal(audit.pending, 3);
    for (const e of list.slice(3)) audit.record(e);
    await audit.flush();
    assert.equal(audit.pending, 5);
    assert.deepEqual(await numbers(partnerId), [], 'nothing written while the store fails');
    await audit.flush();
    assert.equal(audit.pending, 0);
    assert.equal(audit.dropped, 0);
    assert.deepEqual(await numbers(partnerId), [0, 1, 2, 3, 4]);
    const warnings = out.lines().filter((l) => l['level'] === 40);
    assert.equal(warnings.length, 1, 'one warning per outage, not one per retry');
    assert.match(String(warnings[0]?.['msg']), /kept and retried/);
    await audit.close();
  });

  test('when maxBuffered events wait, the oldest are dropped, counted, and reported once per flush', async () => {
    const { store, gate } = flakyStore(h.store);
    const out = capturedLogger();
    const audit = createAuditLog({ store, logger: out.logger, maxBuffered: 5, flushMs: 60_000 });
    const { partnerId, list } = events(8);
    gate.down = true;
    for (const e of list) audit.record(e);
    assert.equal(audit.pending, 5);
    assert.equal(audit.dropped, 3);
    await audit.flush();
    await audit.flush();
    const dropWarnings = out.lines().filter((l) => l['msg'] === 'audit log: buffer full, events dropped (denials first)');
    assert.deepEqual(dropWarnings.map((l) => l['dropped']), [3], 'reported once, with the number dropped');
    gate.down = false;
    await audit.flush();
    assert.deepEqual(await numbers(partnerId), [3, 4, 5, 6, 7], 'the newest are kept');
    await audit.close();
  });

  test('record never throws: a failing logger, a cyclic detail, an invalid date', async () => {
    const throwing = { info: () => { throw new Error('log sink gone'); }, warn: () => undefined } as unknown as Logger;
    const audit = createAuditLog({ store: h.store, logger: throwing, flushMs: 60_000 });
    const { partnerId } = events(0);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.doesNotThrow(() => audit.record({ at: new Date(Number.NaN), event: 'test.event', outcome: 'denied', partnerId, reason: 'a\u0000b', detail: cyclic }));
    await audit.flush();
    const [row] = await h.store.queryAudit({ partnerId });
    assert.equal(row?.reason, 'ab', 'a NUL, which PostgreSQL refuses, is removed');
    assert.equal(row?.detail, null, 'a detail that is not JSON is left out, not a poisoned batch');
    await audit.close();
  });

  test('close flushes what is buffered, and gives up after closeTimeoutMs on a store that never answers', async () => {
    const { partnerId, list } = events(2);
    const audit = createAuditLog({ store: h.store, logger: false, flushMs: 60_000 });
    for (const e of list) audit.record(e);
    await audit.close();
    assert.deepEqual(await numbers(partnerId), [0, 1]);
    const hanging = createAuditLog({ store: { appendAudit: () => new Promise<void>(() => undefined) }, logger: false, closeTimeoutMs: 50 });
    hanging.record(list[0]!);
    const started = Date.now();
    await hanging.close();
    assert.ok(Date.now() - started < 2_000);
  });

  test('IL-05: an event and its log line hold no secret, Authorization header or credential-shaped claim', async () => {
    const out = capturedLogger();
    const audit = createAuditLog({ store: h.store, logger: out.logger, flushMs: 60_000 });
    const SECRET = 'S3CRET-never-in-the-audit-trail';
    const jwtLike = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const partnerId = `unit-${++partnerSeq}`;
    const registry = await loadRegistry(h.store);
    const cert = new X509Certificate(a.cert);
    const peer = { x509: cert, thumbprint: x5tS256(cert.raw), authorized: true, authorizationError: null };
    const base = { at: new Date(), event: 'token.denied', registry, certificate: peer, peer: '127.0.0.1' } as const;
    const wrong = deniedEvent({
      ...base,
      error: new InvalidClient('wrong client secret'),
      params: new Map([['client_secret', [SECRET]]]),
      authorization: `Basic ${Buffer.from(`acme-basic:${SECRET}`).toString('base64')}`,
    });
    assert.equal(wrong.clientId, 'acme-basic');
    assert.equal(wrong.reason, 'invalid_client: wrong client secret');
    const claimedJwt = deniedEvent({ ...base, error: new InvalidScope(), params: new Map([['client_id', [jwtLike]]]), authorization: undefined });
    assert.equal(claimedJwt.clientId, null);
    assert.equal(claimedJwt.detail?.['client_id'], 'unregistered');
    for (const e of [wrong, claimedJwt]) audit.record({ ...e, partnerId });
    audit.record({ at: new Date(), event: 'test.event', outcome: 'success', partnerId, detail: { client_secret: SECRET, access_token: jwtLike, authorization: SECRET, ok: 1 } });
    await audit.close();
    const stored = JSON.stringify(await h.store.queryAudit({ partnerId }));
    assert.match(stored, /"ok":1/);
    for (const text of [stored, out.text()]) {
      assert.ok(!text.includes(SECRET), 'the secret');
      assert.ok(!text.includes(jwtLike), 'a token');
      assert.doesNotMatch(text, /Basic |authorization|client_secret|access_token|BEGIN/i);
    }
  });
});

const tokenUrl = () => `${h.issuer}/token`;
const cc = (extra: Record<string, string>) => ({ grant_type: 'client_credentials', ...extra });
const basic = (id: string, pass: string) => `Basic ${Buffer.from(`${id}:${pass}`).toString('base64')}`;

describe('the token service records its audit trail', () => {
  test('POST /token success: token.issued with client, partner, cnf thumbprint, lowercase serial, resource, scope, jti and exp', async () => {
    const res = await send(tokenUrl(), { ca: a.ca, identity: a, form: cc({ client_id: 'acme-a', resource: API.acmeBilling, scope: 'billing:read' }) });
    assert.equal(res.status, 200, res.text);
    const claims = jwtPayload(String(res.json?.['access_token']));
    const row = await eventually(
      async () => (await h.store.queryAudit({ clientId: 'acme-a' })).find((e) => e.detail?.['jti'] === claims['jti']),
      'the token.issued row',
    );
    assert.equal(row.event, 'token.issued');
    assert.equal(row.outcome, 'success');
    assert.equal(row.partnerId, 'acme');
    assert.equal(row.thumbprint, createHash('sha256').update(derOf(a.cert)).digest('base64url'));
    assert.equal(row.serial, new X509Certificate(a.cert).serialNumber.toLowerCase().replace(/^0+/, ''));
    assert.equal(row.resource, API.acmeBilling);
    assert.equal(row.detail?.['scope'], 'billing:read');
    assert.equal(row.detail?.['exp'], claims['exp']);
    assert.equal(row.reason, null);
    const line = log.lines().find((l) => (l['audit'] as Record<string, unknown> | undefined)?.['event'] === 'token.issued');
    assert.equal(line?.['level'], 30, 'logged at info');
  });

  test('RFC 8705 §2.1.2: a certificate whose subject is not the registered one → token.denied with the private reason', async () => {
    const since = new Date();
    const res = await send(tokenUrl(), { ca: a.ca, identity: a, form: cc({ client_id: 'acme-san', resource: API.acmeOrders }) });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.json?.['error_description'], 'client authentication failed', 'the reason is never sent');
    const row = await eventually(async () => (await h.store.queryAudit({ clientId: 'acme-san', outcome: 'denied', since }))[0], 'the token.denied row');
    assert.equal(row.event, 'token.denied');
    assert.equal(row.reason, 'invalid_client: certificate subject does not match');
    assert.equal(row.partnerId, 'acme');
    assert.equal(row.thumbprint, createHash('sha256').update(derOf(a.cert)).digest('base64url'));
    assert.equal(row.resource, API.acmeOrders);
  });

  test('an unknown client_id is never recorded, not even in detail: a fixed marker and its length', async () => {
    const since = new Date();
    const claimed = `no-such-client-${'x'.repeat(300)}`;
    const res = await send(tokenUrl(), { ca: a.ca, identity: a, form: cc({ client_id: claimed }) });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.json?.['error'], 'invalid_client');
    const row = await eventually(
      async () => (await h.store.queryAudit({ since, outcome: 'denied' })).find((e) => e.detail?.['client_id_length'] === claimed.length),
      'the token.denied row',
    );
    assert.equal(row.clientId, null);
    assert.equal(row.partnerId, null);
    assert.equal(row.reason, 'invalid_client: unknown client');
    assert.equal(row.detail?.['client_id'], 'unregistered');
    assert.ok(!JSON.stringify(row).includes('no-such-client'));
  });

  test('queryAudit filters by partner, client, since and outcome', async () => {
    const since = new Date();
    const g = await credentials('globex-g');
    assert.equal((await send(tokenUrl(), { ca: g.ca, identity: g, form: cc({ client_id: 'globex-g' }) })).status, 200);
    assert.equal((await send(tokenUrl(), { ca: g.ca, identity: g, form: cc({ client_id: 'globex-g', scope: 'nope' }) })).status, 400);
    const rows = await eventually(async () => {
      const r = await h.store.queryAudit({ partnerId: 'globex', since });
      return r.length >= 2 ? r : undefined;
    }, 'both globex rows');
    assert.deepEqual(rows.map((e) => [e.event, e.outcome, e.clientId]), [['token.issued', 'success', 'globex-g'], ['token.denied', 'denied', 'globex-g']]);
    assert.equal(rows[1]?.reason, 'invalid_scope');
    assert.deepEqual((await h.store.queryAudit({ partnerId: 'globex', since, outcome: 'denied' })).map((e) => e.event), ['token.denied']);
    assert.deepEqual(await h.store.queryAudit({ partnerId: 'globex', since: new Date(Date.now() + 60_000) }), []);
    assert.ok((await h.store.queryAudit({ clientId: 'globex-g', since })).every((e) => e.clientId === 'globex-g'));
    assert.ok((await h.store.queryAudit({ partnerId: 'acme', since })).every((e) => e.partnerId === 'acme'));
  });

  test('introspection and revocation: a failed authentication is client.auth_failed, a revocation is token.revoked', async () => {
    const since = new Date();
    const issued = await send(tokenUrl(), { ca: a.ca, identity: a, form: cc({ client_id: 'acme-a' }) });
    const token = String(issued.json?.['access_token']);
    const rs = await credentials('acme-rs');
    assert.equal((await send(`${h.issuer}/introspect`, { ca: a.ca, identity: rs, form: { client_id: 'acme-a', token } })).status, 401);
    assert.equal((await send(`${h.issuer}/revoke`, { ca: a.ca, identity: a, form: { client_id: 'acme-a', token } })).status, 200);
    const rows = await eventually(async () => {
      const r = (await h.store.queryAudit({ clientId: 'acme-a', since })).filter((e) => e.event !== 'token.issued');
      return r.length >= 2 ? r : undefined;
    }, 'the introspection and revocation rows');
    // The refusal is aggregated (written when its interval ends), so it may land after the revocation.
    const sorted = [...rows].sort((x, y) => x.event.localeCompare(y.event));
    assert.deepEqual(sorted.map((e) => [e.event, e.outcome, e.reason]), [
      ['client.auth_failed', 'denied', 'invalid_client: certificate subject does not match'],
      ['token.revoked', 'success', null],
    ]);
    assert.equal(sorted[1]?.detail?.['jti'], jwtPayload(token)['jti']);
    assert.ok(!JSON.stringify(rows).includes(token));
  });

  test('IL-05: client secrets, the Authorization header and access tokens appear in no stored row and no log line', async () => {
    const since = new Date();
    const b = await credentials('acme-basic');
    const [basicSecret, postSecret] = await Promise.all([secret('acme-basic'), secret('acme-post')]);
    const ok = await send(tokenUrl(), { ca: a.ca, identity: b, headers: { authorization: basic('acme-basic', basicSecret) }, form: cc({}) });
    assert.equal(ok.status, 200, ok.text);
    const token = String(ok.json?.['access_token']);
    const wrong = 'WRONG-secret-for-acme-basic-0000';
    assert.equal((await send(tokenUrl(), { ca: a.ca, identity: b, headers: { authorization: basic('acme-basic', wrong) }, form: cc({}) })).status, 401);
    assert.equal((await send(tokenUrl(), { ca: a.ca, form: cc({ client_id: 'acme-post', client_secret: wrong }) })).status, 401);
    assert.equal((await send(tokenUrl(), { ca: a.ca, form: cc({ client_id: 'acme-post', client_secret: postSecret }) })).status, 200);
    assert.equal((await send(`${h.issuer}/introspect`, { ca: a.ca, headers: { authorization: basic('acme-basic', basicSecret) }, form: { token } })).status, 200);
    const rows = await eventually(async () => {
      const r = await h.store.queryAudit({ since });
      return r.length >= 4 ? r : undefined;
    }, 'four rows');
    const basicDenied = rows.find((e) => e.clientId === 'acme-basic' && e.outcome === 'denied');
    assert.equal(basicDenied?.reason, 'invalid_client: wrong client secret');
    const all = JSON.stringify(await h.store.queryAudit({ limit: 100_000 }));
    for (const [name, leak] of Object.entries({ basicSecret, postSecret, wrong, token, header: basic('acme-basic', basicSecret).slice(6) })) {
      assert.ok(!all.includes(leak), `${name} leaked into the audit table`);
      assert.ok(!log.text().includes(leak), `${name} leaked into the log`);
    }
    assert.doesNotMatch(log.lines().filter((l) => l['msg'] === 'audit').map((l) => JSON.stringify(l)).join('\n'), /Basic |authorization|BEGIN/i);
  });
});

describe('the database is down: /token keeps issuing, and the audit trail catches up', () => {
  let down: Harness;
  let gate: ReturnType<typeof flakyStore>['gate'];
  let audit: AuditLog;
  before(async () => {
    let real: Store | undefined;
    const flaky = flakyStore({ appendAudit: (events) => real!.appendAudit(events) });
    gate = flaky.gate;
    audit = createAuditLog({ store: flaky.store, logger: false, flushMs: 20 });
    down = await startWorld({ audit });
    real = down.store;
  });
  after(async () => {
    // The service flushes an audit log it was given, but leaves closing it to its owner.
    await down.close();
    await audit.close();
  });

  test('tokens issued while appendAudit fails are written once it succeeds again', async () => {
    gate.down = true;
    const jtis: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await send(`${down.issuer}/token`, { ca: a.ca, identity: a, form: cc({ client_id: 'acme-a' }) });
      assert.equal(res.status, 200, res.text);
      jtis.push(jwtPayload(String(res.json?.['access_token']))['jti']);
    }
    // The flush timer (20 ms) has tried, and been refused, twice since: nothing is written.
    assert.equal(await within('a refused write', gate.settled()), 'refused');
    assert.equal(await within('a refused retry', gate.settled()), 'refused');
    assert.deepEqual(await down.store.queryAudit({ clientId: 'acme-a' }), []);
    gate.down = false;
    const rows = await eventually(async () => {
      const r = await down.store.queryAudit({ clientId: 'acme-a' });
      return r.length >= 3 ? r : undefined;
    }, 'the buffered rows');
    assert.deepEqual(rows.map((e) => e.detail?.['jti']), jtis);
  });
});
