// What an unauthenticated peer can do to the audit trail: not grow it without limit (refusals
// are aggregated per peer and reason), not evict the events that matter, not plant a secret in
// it — and every handshake OpenSSL refuses is counted and recorded. Real TLS on loopback.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { addAdminCertificate } from '../../src/admin/admins.ts';
import { type AdminApi } from '../../src/admin/api.ts';
import { setClientStatus } from '../../src/admin/client-lifecycle.ts';
import { setPartnerStatus } from '../../src/admin/partners.ts';
import type { AuditEvent, StoredAuditEvent } from '../../src/core/model.ts';
import { createAuditLog, type AuditLog } from '../../src/server/audit.ts';
import type { Store } from '../../src/storage/store.ts';
import { send, type Response } from '../helpers/https.ts';
import { capturedLogger } from '../helpers/log.ts';
import { until } from '../helpers/until.ts';
import { API, credentials, secret, startHarnessAdminApi, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

let h: Harness;
let a: Credentials;
let ca: string;
const log = capturedLogger();
/** The service's audit log: long intervals, so each test ends them itself with flush(). */
let trail: AuditLog;
/** appendAudit calls made by the audit log, to show that a refusal costs no write of its own. */
const writes = { calls: 0 };

before(async () => {
  let real: Store | undefined;
  trail = createAuditLog({
    store: { appendAudit: (events) => (writes.calls++, real!.appendAudit(events)) },
    logger: log.logger,
    flushMs: 3_600_000,
    aggregateMs: 3_600_000,
  });
  h = await startWorld({ logger: log.logger, audit: trail });
  real = h.store;
  a = await credentials('acme-a');
  ca = await readFile(join(h.dir, 'ca.pem'), 'utf8');
});
after(async () => {
  await h.close();
  await trail.close();
});

const tokenUrl = () => `${h.issuer}/token`;
const cc = (extra: Record<string, string>) => ({ grant_type: 'client_credentials', ...extra });
const auditLines = () => log.lines().filter((l) => l['msg'] === 'audit').map((l) => l['audit'] as Record<string, unknown>);

/** Rows written since `since` (after ending the aggregation interval). */
async function rowsSince(since: Date): Promise<StoredAuditEvent[]> {
  await trail.flush();
  return h.store.queryAudit({ since: new Date(since.getTime() - 1), limit: 100_000 });
}

function expectInvalidClient(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json?.['error'], 'invalid_client');
}

describe('audit flooding', () => {
  test('40 refused /token requests from one peer without a certificate are one token.denied row with count 40, and no write until flushed', async () => {
    const since = new Date();
    const callsBefore = writes.calls;
    const linesBefore = auditLines().length;
    for (let i = 0; i < 40; i++) expectInvalidClient(await send(tokenUrl(), { ca, form: cc({ client_id: 'flood-nobody' }) }));
    assert.equal(writes.calls, callsBefore, 'no INSERT per refusal');
    assert.equal(trail.pending, 0, 'nothing queued per refusal');
    assert.equal(auditLines().length, linesBefore + 1, 'one log line, the first refusal, not one per refusal');
    const rows = (await rowsSince(since)).filter((e) => e.reason === 'invalid_client: unknown client');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.event, 'token.denied');
    assert.equal(rows[0]?.detail?.['count'], 40);
    assert.equal(rows[0]?.detail?.['peer'], '127.0.0.1');
    assert.equal(typeof rows[0]?.detail?.['last_at'], 'string');
    const lines = log.lines().filter((l) => l['msg'] === 'audit' && (l['audit'] as Record<string, unknown>)['reason'] === 'invalid_client: unknown client');
    assert.deepEqual(lines.map((l) => [l['aggregate'], ((l['audit'] as Record<string, unknown>)['detail'] as Record<string, unknown>)['count']]), [['first', undefined], ['total', 40]]);
  });

  test('token.issued is never dropped to make room for denials when the buffer is full', async () => {
    const gate = { down: true };
    const audit = createAuditLog({
      store: { appendAudit: (events) => (gate.down ? Promise.reject(new Error('down')) : h.store.appendAudit(events)) },
      logger: false,
      maxBuffered: 5,
      flushMs: 3_600_000,
    });
    const partnerId = 'flood-priority';
    const issued = (n: number): AuditEvent => ({ at: new Date(), event: 'token.issued', outcome: 'success', partnerId, detail: { n } });
    const denied = (n: number): AuditEvent => ({ at: new Date(), event: 'token.denied', outcome: 'denied', reason: 'invalid_scope', partnerId, detail: { n } });
    audit.record(issued(0));
    for (let i = 1; i <= 20; i++) audit.record(denied(i));
    audit.record(issued(21));
    audit.record(issued(22));
    for (let i = 23; i <= 40; i++) audit.record(denied(i));
    await audit.flush();
    assert.equal(audit.pending, 5);
    assert.equal(audit.dropped, 36);
    gate.down = false;
    await audit.close();
    const rows = await h.store.queryAudit({ partnerId });
    assert.deepEqual(rows.map((e) => [e.event, e.detail?.['n']]), [
      ['token.issued', 0], ['token.issued', 21], ['token.issued', 22], ['token.denied', 39], ['token.denied', 40],
    ]);
  });

  test('past maxAggregateKeys peers in an interval, the others are counted together under peer *', async () => {
    const partnerId = 'flood-keys';
    const audit = createAuditLog({ store: h.store, logger: false, maxAggregateKeys: 3, flushMs: 3_600_000, aggregateMs: 3_600_000 });
    for (let i = 0; i < 10; i++) {
      audit.recordUnauthenticated({ at: new Date(), event: 'token.denied', outcome: 'denied', reason: 'invalid_client: no client_id', partnerId }, `10.0.0.${i}`);
    }
    await audit.close();
    const rows = await h.store.queryAudit({ partnerId });
    assert.deepEqual(rows.map((e) => [e.detail?.['peer'], e.detail?.['count']]), [['10.0.0.0', 1], ['10.0.0.1', 1], ['10.0.0.2', 1], ['*', 7]]);
  });
});

describe('audit redaction', () => {
  test('a secret inside a client_id, a resource URL (path and query) or a parameter name is in no audit row and no log line', async () => {
    const since = new Date();
    const SECRET = 'Zq8sEcReT-embedded-4711';
    const acmeBasic = await credentials('acme-basic');
    const basicSecret = await secret('acme-basic');
    const cases: { form?: Record<string, string>; body?: string; headers?: Record<string, string>; identity?: Credentials }[] = [
      { form: cc({ client_id: `x:${SECRET}` }) },
      { form: cc({ client_id: `acme-a:${SECRET}` }), identity: a },
      { form: cc({ client_id: 'acme-a', resource: `https://api.acme.example/${SECRET}/orders?key=${SECRET}` }), identity: a },
      { form: cc({ client_id: 'flood-nobody', resource: `https://evil.example/?k=${SECRET}` }) },
      { body: `grant_type=client_credentials&client_id=acme-a&${SECRET}=1&${SECRET}=2`, identity: a },
      { form: cc({}), headers: { authorization: `Basic ${Buffer.from(`acme-basic${SECRET}:${basicSecret}`).toString('base64')}` }, identity: acmeBasic },
    ];
    for (const c of cases) {
      const res = await send(tokenUrl(), {
        ca,
        ...(c.form ? { form: c.form } : {}),
        ...(c.body ? { body: c.body, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
        ...(c.headers ? { headers: c.headers } : {}),
        ...(c.identity ? { identity: c.identity } : {}),
      });
      assert.ok(res.status === 400 || res.status === 401, res.text);
    }
    const rows = await rowsSince(since);
    assert.ok(rows.length >= 3, JSON.stringify(rows));
    const target = rows.find((e) => e.clientId === 'acme-a' && e.reason === 'invalid_target');
    assert.equal(target?.resource, null, 'an unregistered resource is not kept');
    assert.equal(target?.detail?.['resource'], 'unregistered');
    assert.equal(target?.detail?.['resource_length'], `https://api.acme.example/${SECRET}/orders?key=${SECRET}`.length);
    const stored = JSON.stringify(await h.store.queryAudit({ limit: 100_000 }));
    assert.ok(!stored.includes(SECRET), 'the secret is in the audit table');
    assert.ok(!log.text().includes(SECRET), 'the secret is in the log');
  });

  test('a secret in the path of an unknown endpoint is in no log line: the request line names the route, not the path', async () => {
    const SECRET = 'PathSecret-9c1e-token-service';
    const res = await send(`${h.issuer}/token/${SECRET}`, { ca, form: cc({}) });
    assert.equal(res.status, 404);
    assert.equal(res.json?.['error'], 'not_found');
    // The request line is written after the answer is sent: wait for it to be logged.
    await log.whenLogged('the 404 request line', () => (log.lines().some((l) => l['msg'] === 'request' && l['status'] === 404) ? true : undefined));
    assert.ok(log.lines().some((l) => l['msg'] === 'request' && l['status'] === 404 && l['path'] === null));
    assert.ok(!log.text().includes(SECRET));
  });

  test('a registered resource is kept as such on a refusal', async () => {
    const since = new Date();
    const res = await send(tokenUrl(), { ca, identity: a, form: cc({ client_id: 'acme-a', resource: API.acmeOrders, scope: 'no-such-scope' }) });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json?.['error'], 'invalid_scope');
    const row = (await rowsSince(since)).find((e) => e.reason === 'invalid_scope' && e.clientId === 'acme-a');
    assert.equal(row?.resource, API.acmeOrders);
  });
});

describe('disabled reason', () => {
  test('a disabled client is audited as invalid_client: client_disabled, a disabled partner as invalid_client: partner_disabled', async () => {
    const since = new Date();
    const g = await credentials('globex-g');
    await setClientStatus(h.store, 'acme-a', 'disabled');
    await setPartnerStatus(h.store, 'globex', 'disabled');
    await h.service.reload();
    try {
      expectInvalidClient(await send(tokenUrl(), { ca, identity: a, form: cc({ client_id: 'acme-a' }) }));
      expectInvalidClient(await send(tokenUrl(), { ca, identity: { cert: g.chain!, key: g.key }, form: cc({ client_id: 'globex-g' }) }));
    } finally {
      await setClientStatus(h.store, 'acme-a', 'active');
      await setPartnerStatus(h.store, 'globex', 'active');
      await h.service.reload();
    }
    const rows = await rowsSince(since);
    assert.equal(rows.find((e) => e.clientId === 'acme-a' && e.outcome === 'denied')?.reason, 'invalid_client: client_disabled');
    assert.equal(rows.find((e) => e.clientId === 'globex-g' && e.outcome === 'denied')?.reason, 'invalid_client: partner_disabled');
  });
});

/** Plain HTTP on a TLS port: OpenSSL refuses the handshake (ERR_SSL_HTTP_REQUEST). */
function plainHttp(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.on('data', () => undefined);
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

/** A TLS 1.1 client: refused by a listener that requires TLS 1.2 or later. */
function oldTls(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', minVersion: 'TLSv1', maxVersion: 'TLSv1.1', rejectUnauthorized: false, ciphers: 'DEFAULT@SECLEVEL=0' });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('secureConnect', () => socket.destroy());
  });
}

/** The leaf with one byte of its signature flipped: it still parses, but its issuer's signature no longer verifies. */
function tamperSignature(certPem: string): string {
  const der = Buffer.from(certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 1] = der[der.length - 1]! ^ 0x01;
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** A TLS 1.2 token request presenting `cert`: resolves with the status, or the client's error code. */
function tls12Token(port: number, cert: string, key: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsRequest({
      host: '127.0.0.1', servername: 'localhost', port, path: '/token', method: 'POST', ca, cert, key, maxVersion: 'TLSv1.2', agent: false,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    req.end('grant_type=client_credentials&client_id=acme-a');
  });
}

async function failures(listener: string, reason: string): Promise<number> {
  const metric = await h.service.metrics.tlsHandshakeFailures.get();
  return metric.values.find((v) => v.labels['listener'] === listener && v.labels['reason'] === reason)?.value ?? 0;
}

/** Waits until the listener has seen the refused handshakes: the server's side of a refused handshake offers nothing to await. */
async function counted(listener: string, reason: string, expected: number): Promise<void> {
  await until(`${expected} ${reason} on ${listener}`, async () => (await failures(listener, reason)) >= expected, { intervalMs: 5 });
  assert.equal(await failures(listener, reason), expected);
}

describe('every refused handshake leaves a trace', () => {
  test('token service: two plain-HTTP handshakes → certbound_tls_handshake_failures_total{listener="token"} +2 and one aggregated tls.handshake_failed row', async () => {
    const since = new Date();
    const start = await failures('token', 'ERR_SSL_HTTP_REQUEST');
    await plainHttp(h.service.port);
    await plainHttp(h.service.port);
    await counted('token', 'ERR_SSL_HTTP_REQUEST', start + 2);
    const text = await h.service.metrics.registry.metrics();
    assert.match(text, /certbound_tls_handshake_failures_total\{listener="token",reason="ERR_SSL_HTTP_REQUEST"\} \d+/);
    const rows = (await rowsSince(since)).filter((e) => e.event === 'tls.handshake_failed');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.outcome, 'denied');
    assert.equal(rows[0]?.reason, 'ERR_SSL_HTTP_REQUEST');
    assert.deepEqual({ ...rows[0]?.detail, last_at: null }, { listener: 'token', peer: '127.0.0.1', count: 2, last_at: null });
    assert.ok(!JSON.stringify(rows).includes('GET /'), 'only the code, never what the peer sent');
  });
});

describe('a client certificate with a forged signature', () => {
  test('over TLS 1.2 OpenSSL fails the connection before any request: counted (ERR_SSL_PROVIDER_SIGNATURE_FAILURE) and one aggregated tls.handshake_failed row', async () => {
    const since = new Date();
    const reason = 'ERR_SSL_PROVIDER_SIGNATURE_FAILURE';
    const start = await failures('token', reason);
    const forged = tamperSignature(a.cert);
    for (let i = 0; i < 3; i++) assert.equal(await tls12Token(h.service.port, forged, a.key), 'ECONNRESET', 'no answer: the connection is failed');
    await counted('token', reason, start + 3);
    const rows = (await rowsSince(since)).filter((e) => e.event === 'tls.handshake_failed' && e.reason === reason);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.detail?.['count'], 3);
    assert.equal(rows[0]?.detail?.['peer'], '127.0.0.1');
    assert.equal(rows[0]?.thumbprint, null, 'nothing of the certificate');
  });

  test('control: the genuine leaf over TLS 1.2 gets its token and counts nothing', async () => {
    const reason = 'ERR_SSL_PROVIDER_SIGNATURE_FAILURE';
    const start = await failures('token', reason);
    assert.equal(await tls12Token(h.service.port, a.cert, a.key), '200');
    assert.equal(await failures('token', reason), start);
  });
});

describe('the admin API: refusals and refused handshakes go through the buffered, aggregated path', () => {
  let api: AdminApi;
  before(async () => {
    api = await startHarnessAdminApi(h, { logger: log.logger, audit: trail, metrics: h.service.metrics });
  });
  after(() => api.close());

  test('25 requests without a certificate: no write on the request path, one admin.auth_failed row with count 25, the route and never the raw path', async () => {
    const since = new Date();
    const SECRET = 'AdminPathSecret-0042';
    const callsBefore = writes.calls;
    for (let i = 0; i < 25; i++) {
      const res = await send(`https://localhost:${api.port}/v1/partners/${SECRET}`, { ca, method: 'GET' });
      assert.equal(res.status, 401);
      assert.equal(res.json?.['error'], 'unauthorized');
    }
    assert.equal(writes.calls, callsBefore, 'no INSERT per refusal');
    assert.ok(!log.text().includes(SECRET), 'no log line with the raw path');
    const rows = (await rowsSince(since)).filter((e) => e.event === 'admin.auth_failed');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.reason, 'no_certificate');
    assert.equal(rows[0]?.detail?.['count'], 25);
    assert.equal(rows[0]?.detail?.['route'], '/v1/partners/:partner');
    assert.equal(rows[0]?.detail?.['peer'], '127.0.0.1');
    assert.ok(!JSON.stringify(await h.store.queryAudit({ limit: 100_000 })).includes(SECRET));
    assert.ok(!log.text().includes(SECRET));
  });

  test('an administrator is still served and audited by name beside the flood', async () => {
    const alice = await addAdminCertificate(h.store, 'flood-alice');
    const res = await send(`https://localhost:${api.port}/v1/partners`, { ca, method: 'GET', identity: { cert: alice.cert_pem, key: alice.key_pem! } });
    assert.equal(res.status, 200, res.text);
  });

  test('admin listener: a TLS 1.1 handshake → counted with listener="admin" and one tls.handshake_failed row', async () => {
    const since = new Date();
    const reason = 'ERR_SSL_UNSUPPORTED_PROTOCOL';
    const start = await failures('admin', reason);
    await oldTls(api.port);
    await counted('admin', reason, start + 1);
    const rows = (await rowsSince(since)).filter((e) => e.event === 'tls.handshake_failed' && e.detail?.['listener'] === 'admin');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.reason, reason);
    assert.equal(rows[0]?.detail?.['count'], 1);
  });
});
