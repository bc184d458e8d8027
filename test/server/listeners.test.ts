// Both listeners (the token service and the admin API) under slow, malformed and weak-TLS peers:
// timeouts that hold, parse errors in the OAuth error shape, one TLS policy, and /metrics off
// the partner-facing port. Timeouts are injected small, so nothing here waits seconds.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { addAdminCertificate } from '../../src/admin/admins.ts';
import { type AdminApi } from '../../src/admin/api.ts';
import { TLS_POLICY as resourceTlsPolicy } from '../../src/resource/index.ts';
import { TLS_POLICY } from '../../src/transport/tls-policy.ts';
import { ADMIN_API_LIMITS, TOKEN_SERVICE_LIMITS } from '../../src/server/listener-limits.ts';
import { startMetricsListener, type MetricsListener } from '../../src/server/metrics-listener.ts';
import { send, type TlsIdentity } from '../helpers/https.ts';
import { run } from '../helpers/run.ts';
import { credentials, startHarnessAdminApi, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { opensslDir, type OpensslDir } from '../pki/openssl.ts';

/** Small enough that a sweep happens within the test, large enough for a loaded 2-core machine to finish honest requests. */
const FAST = { headersTimeoutMs: 400, requestTimeoutMs: 2_000, handshakeTimeoutMs: 400, connectionsCheckingIntervalMs: 50 } as const;
/** A test that would hang on a listener whose timeouts do not hold fails instead. */
const BOUNDED = { timeout: 15_000 };

let h: Harness;
let api: AdminApi;
let a: Credentials;
let admin: TlsIdentity;
let metrics: MetricsListener;
let ossl: OpensslDir;

before(async () => {
  h = await startWorld({ limits: FAST });
  a = await credentials('acme-a');
  api = await startHarnessAdminApi(h, { limits: { ...FAST, maxConnections: 3 } });
  const issued = await addAdminCertificate(h.store, 'carol');
  admin = { cert: issued.cert_pem, key: issued.key_pem! };
  metrics = await startMetricsListener({ registry: h.service.metrics.registry, port: 0 });
  ossl = await opensslDir();
  await ossl.write({ 'ca.pem': a.ca });
});
after(async () => {
  await metrics.close();
  await api.close();
  await h.close();
  await ossl.remove();
});

const listeners = () => [
  { name: 'token service', port: h.service.port },
  { name: 'admin API', port: api.port },
];

/** Sends raw bytes over TLS and resolves with everything the server wrote before closing. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: a.ca }, () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

/** Status, lower-cased headers and JSON body of a raw HTTP/1.1 answer. */
function parseRaw(raw: string): { status: number; headers: Record<string, string>; json: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, json: JSON.parse(body) };
}

describe('EX-01: the header timeout holds (connectionsCheckingInterval), on both listeners', () => {
  for (const which of ['token service', 'admin API']) {
    test(`${which}: a peer that never finishes its headers is answered 408 invalid_request and disconnected`, BOUNDED, async () => {
      const port = listeners().find((l) => l.name === which)!.port;
      const answer = parseRaw(await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1'));
      assert.equal(answer.status, 408);
      assert.deepEqual(answer.json, { error: 'invalid_request', error_description: 'request not received in time' });
      assert.equal(answer.headers['connection'], 'close');
    });
  }

  test('EX-02: token service: a body trickled past the request timeout is answered 408 invalid_request and disconnected', BOUNDED, async () => {
    const head = 'POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=';
    const answer = parseRaw(await rawExchange(h.service.port, head));
    assert.equal(answer.status, 408);
    assert.deepEqual(answer.json, { error: 'invalid_request', error_description: 'request not received in time' });
  });

  test('the default limits sweep connections every second, so the 10 s header timeout means 10 s, not 30–40', () => {
    for (const limits of [TOKEN_SERVICE_LIMITS, ADMIN_API_LIMITS]) {
      assert.equal(limits.headersTimeoutMs, 10_000);
      assert.equal(limits.handshakeTimeoutMs, 10_000);
      assert.equal(limits.connectionsCheckingIntervalMs, 1_000);
    }
    assert.equal(ADMIN_API_LIMITS.maxConnections, 256);
  });
});

describe("EX-04: slow sockets cannot hold the admin API's connection cap", () => {
  test('with the cap (3) taken by a silent TCP peer and two slow-headers peers, all are cut and an administrator then gets 200', BOUNDED, async () => {
    const closed = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
    const silent = netConnect({ host: '127.0.0.1', port: api.port });
    silent.on('error', () => {});
    const slow = [0, 1].map(() => {
      const s = tlsConnect({ host: '127.0.0.1', port: api.port, servername: 'localhost', ca: a.ca }, () => s.write('GET /v1/partners HTTP/1.1\r\nHost: x\r\n'));
      s.on('error', () => {});
      s.resume();
      return s;
    });
    await Promise.all([silent, ...slow].map(closed));
    const res = await send(`https://localhost:${api.port}/v1/partners`, { ca: a.ca, identity: admin });
    assert.equal(res.status, 200, res.text);
  });
});

describe('HTTP parse errors are answered in the OAuth error shape, on both listeners', () => {
  for (const which of ['token service', 'admin API']) {
    test(`${which}: a malformed request line is 400 invalid_request, JSON, Connection: close`, BOUNDED, async () => {
      const port = listeners().find((l) => l.name === which)!.port;
      const answer = parseRaw(await rawExchange(port, 'NOT A REQUEST\r\n\r\n'));
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.json, { error: 'invalid_request', error_description: 'malformed HTTP request' });
      assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
      assert.equal(answer.headers['connection'], 'close');
      assert.equal(answer.headers['cache-control'], 'no-store');
    });

    test(`${which}: a header with a bad character is 400 invalid_request`, BOUNDED, async () => {
      const port = listeners().find((l) => l.name === which)!.port;
      const answer = parseRaw(await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n'));
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.json, { error: 'invalid_request', error_description: 'malformed HTTP request' });
    });

    test(`${which}: headers over 16 KiB are 431 invalid_request, JSON`, BOUNDED, async () => {
      const port = listeners().find((l) => l.name === which)!.port;
      const answer = parseRaw(await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
      assert.equal(answer.status, 431);
      assert.deepEqual(answer.json, { error: 'invalid_request', error_description: 'request headers too large' });
      assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
    });
  }
});

describe('RFC 9325: one TLS policy on both listeners (TLS 1.3 preferred; TLS 1.2 with ECDHE and AEAD only)', () => {
  const sClient = (port: number, ...extra: string[]) =>
    run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', `${ossl.path}/ca.pem`, ...extra], { input: '', timeoutMs: 15_000 });

  for (const which of ['token service', 'admin API']) {
    test(`${which}: a default openssl client negotiates TLS 1.3`, BOUNDED, async () => {
      const res = await sClient(listeners().find((l) => l.name === which)!.port);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /New, TLSv1\.3/);
    });

    test(`${which}: a TLS 1.2 client offering only a CBC suite (ECDHE-ECDSA-AES128-SHA256) is refused`, BOUNDED, async () => {
      const res = await sClient(listeners().find((l) => l.name === which)!.port, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA');
      assert.notEqual(res.code, 0, res.stdout);
      assert.match(res.stderr, /handshake failure|no shared cipher/i);
    });

    test(`${which}: a TLS 1.2 client with an ECDHE-AEAD suite is served`, BOUNDED, async () => {
      const res = await sClient(listeners().find((l) => l.name === which)!.port, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256');
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Cipher is ECDHE-ECDSA-AES128-GCM-SHA256/);
    });

    test(`${which}: TLS 1.0 and TLS 1.1 are refused`, BOUNDED, async () => {
      for (const version of ['-tls1', '-tls1_1']) {
        const res = await sClient(listeners().find((l) => l.name === which)!.port, version, '-cipher', 'DEFAULT:@SECLEVEL=0');
        assert.notEqual(res.code, 0, `${version}: ${res.stdout}`);
      }
    });
  }

  test('resource servers get the same policy object: certbound/resource exports TLS_POLICY', () => {
    assert.equal(resourceTlsPolicy, TLS_POLICY);
    assert.equal(TLS_POLICY.minVersion, 'TLSv1.2');
    for (const suite of TLS_POLICY.ciphers.split(':')) assert.match(suite, /^(?:TLS_|ECDHE-)(?:.*GCM|.*CHACHA20-POLY1305|CHACHA20_POLY1305)/, suite);
  });

  test('token service with an RSA certificate (--tls-cert): TLS 1.2 static-RSA and DHE suites are refused, ECDHE-RSA-GCM is served', BOUNDED, async () => {
    const made = await ossl.openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa-key.pem', '-out', 'rsa-cert.pem', '-days', '1', '-subj', '/CN=localhost');
    assert.ok(made.ok, made.stderr);
    const rsa = await startWorld({ tls: { cert: await readFile(`${ossl.path}/rsa-cert.pem`, 'utf8'), key: await readFile(`${ossl.path}/rsa-key.pem`, 'utf8') } });
    try {
      for (const cipher of ['AES128-GCM-SHA256', 'DHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA256']) {
        const res = await sClient(rsa.service.port, '-tls1_2', '-cipher', cipher);
        assert.notEqual(res.code, 0, `${cipher} was negotiated`);
      }
      const ok = await sClient(rsa.service.port, '-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256');
      assert.match(ok.stdout, /Cipher is ECDHE-RSA-AES128-GCM-SHA256/, ok.stderr);
    } finally {
      await rsa.close();
    }
  });
});

describe('/metrics is served by the metrics listener, not on the partner-facing token port', () => {
  test('GET /metrics on the token port is 404 not_found; /healthz and /readyz stay there', async () => {
    const res = await send(`${h.issuer}/metrics`, { ca: a.ca });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { error: 'not_found', error_description: 'no such endpoint' });
    assert.equal((await send(`${h.issuer}/healthz`, { ca: a.ca })).status, 200);
    assert.equal((await send(`${h.issuer}/readyz`, { ca: a.ca })).status, 200);
  });

  test('the metrics listener (plain HTTP, loopback) serves the same metric names; anything else there is 404 not_found', async () => {
    const get = (path: string) =>
      new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
        httpRequest(`http://127.0.0.1:${metrics.port}${path}`, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text: Buffer.concat(chunks).toString('utf8') }));
        }).on('error', reject).end();
      });
    assert.equal(metrics.url, `http://127.0.0.1:${metrics.port}/metrics`);
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/plain/);
    for (const name of ['certbound_tokens_issued_total', 'certbound_oauth_errors_total', 'certbound_request_duration_seconds']) {
      assert.match(res.text, new RegExp(`^# TYPE ${name} `, 'm'));
    }
    const other = await get('/token');
    assert.equal(other.status, 404);
    assert.deepEqual(JSON.parse(other.text), { error: 'not_found', error_description: 'no such endpoint' });
  });
});
