// The gateway's life: its operations address, reloading its certificate and routes without a
// restart, and a graceful shutdown that lets requests in flight finish.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { parseRoute } from '../../src/gateway/routes.ts';
import { serverCredentials } from '../helpers/api.ts';
import { front, partnerCas, ROUTES, testGateway, tokenFor } from '../helpers/gateway.ts';
import { sendPlain } from '../helpers/http.ts';
import { send } from '../helpers/https.ts';
import { startUpstream, type Upstream } from '../helpers/upstream.ts';
import { until } from '../helpers/until.ts';
import { authority, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

let h: Harness;
let upstream: Upstream;
let a: Credentials;
let tokenA: string;
let platformCa: string;

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  platformCa = (await authority('platform')).certPem;
  tokenA = await tokenFor(h, 'acme-a', a);
  upstream = await startUpstream();
});
after(async () => {
  await upstream?.close();
  await h?.close();
});

const call = (g: Gateway, path = '/orders') => send(`${front(g)}${path}`, { ca: platformCa, identity: a, headers: { authorization: `Bearer ${tokenA}` } });

/** The certificate a fresh TLS connection to the gateway is served. */
function servedCertificate(g: Gateway): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: g.port, servername: 'localhost', ca: platformCa }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    socket.on('error', reject);
  });
}

describe('certbound gateway: operations, reload, shutdown', () => {
  test('/healthz, /readyz and /metrics answer on the operations address, not on the gateway port', async () => {
    const g = await testGateway(h, upstream.url, { ops: { port: 0 } });
    try {
      assert.equal((await call(g)).status, 200);
      assert.equal((await sendPlain(`${g.opsUrl}/healthz`)).status, 200);
      assert.equal((await sendPlain(`${g.opsUrl}/readyz`)).status, 200);
      const metrics = await sendPlain(`${g.opsUrl}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /certbound_gateway_requests_total\{route="GET,HEAD \/orders",status="200"\} 1/);
      assert.doesNotMatch(metrics.text, /acme-a/, 'no client in the metrics');
      assertRefusedOnGateway(await call(g, '/metrics'));
    } finally {
      await g.close();
    }
  });

  test('reload: new routes apply to the next request, a new TLS certificate to the next connection', async () => {
    const g = await testGateway(h, upstream.url);
    try {
      assert.equal((await call(g, '/reports')).status, 403);
      const before = await servedCertificate(g);
      const next = await serverCredentials();
      g.reload({ tls: { cert: next.cert, key: next.key, clientCa: (await partnerCas()).bundle }, policy: { routes: [...ROUTES, parseRoute('GET /reports=billing:read')], fallback: 'deny' } });
      assert.equal((await call(g, '/reports')).status, 200);
      const after = await servedCertificate(g);
      assert.notEqual(after.fingerprint256, before.fingerprint256);
      assert.equal(after.fingerprint256, new X509Certificate(next.cert).fingerprint256);
    } finally {
      await g.close();
    }
  });

  test('graceful shutdown: not ready at once, no new connections, the request in flight finishes with its answer', async () => {
    const g = await testGateway(h, upstream.url, { ops: { port: 0 } });
    const seen = upstream.seen.length;
    const inFlight = call(g, '/hold');
    await until('the upstream sees the held request', () => upstream.seen.length > seen, { intervalMs: 1 });
    const closed = g.close();
    assert.equal((await sendPlain(`${g.opsUrl}/readyz`)).status, 503);
    await assert.rejects(call(g), { code: 'ECONNREFUSED' });
    upstream.release();
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal(res.text, 'released');
    await closed;
  });
});

function assertRefusedOnGateway(res: { status: number; json: Record<string, unknown> | undefined }): void {
  assert.equal(res.status, 403, 'no operations endpoint on the partner-facing port');
  assert.equal(res.json?.['error'], 'insufficient_scope');
}
