// The gateway's forward to the upstream: bodies streamed both ways with backpressure, the
// request-size limit, and upstream failures answered 502/504 without internals.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway/gateway.ts';
import { front, testGateway, tokenFor } from '../helpers/gateway.ts';
import { send, type Response } from '../helpers/https.ts';
import { patternByte, startUpstream, type Upstream } from '../helpers/upstream.ts';
import { authority, credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { freePort } from '../helpers/ports.ts';

let h: Harness;
let upstream: Upstream;
let gateway: Gateway;
let a: Credentials;
let tokenA: string;
let platformCa: string;
const MiB = 1024 * 1024;

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
  platformCa = (await authority('platform')).certPem;
  tokenA = await tokenFor(h, 'acme-a', a);
  upstream = await startUpstream();
  gateway = await testGateway(h, upstream.url, { upstream: { url: upstream.url, maxBodyBytes: 16 * MiB } });
});
after(async () => {
  await gateway?.close();
  await upstream?.close();
  await h?.close();
});

/** A request whose body is streamed from `body` (chunked unless `length` is given). */
function stream(g: Gateway, method: string, path: string, body: Readable | null, headers: Record<string, string> = {}): Promise<Response & { bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', servername: 'localhost', port: g.port, method, path, ca: platformCa, cert: a.cert, key: a.key, agent: false, headers: { authorization: `Bearer ${tokenA}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(bytes.toString()) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: bytes.length < 4096 ? bytes.toString() : '', json, bytes });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

/** `total` bytes in 64 KiB chunks, produced only as fast as they are read. */
function generated(total: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(64 * 1024, total - sent);
      const chunk = Buffer.alloc(n, sent & 0xff);
      sent += n;
      this.push(chunk);
    },
  });
}

function sha256Of(total: number): string {
  const hash = createHash('sha256');
  const s = generated(total);
  let chunk: Buffer | null;
  while ((chunk = s.read() as Buffer | null) !== null) hash.update(chunk);
  return hash.digest('hex');
}


describe('certbound gateway: bodies and upstream failures', () => {
  test('a large request body is streamed to the upstream (chunked), byte for byte', async () => {
    const total = 12 * MiB;
    const res = await stream(gateway, 'PUT', '/upload', generated(total), { 'content-type': 'application/octet-stream' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { length: total, sha256: sha256Of(total) });
  });

  test('a large request body with Content-Length is streamed to the upstream, byte for byte', async () => {
    const total = 6 * MiB;
    const res = await stream(gateway, 'PUT', '/upload', generated(total), { 'content-length': String(total) });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { length: total, sha256: sha256Of(total) });
  });

  test('a large answer is streamed back from the upstream, byte for byte', async () => {
    const total = 24 * MiB;
    const res = await stream(gateway, 'GET', `/download?bytes=${total}`, null);
    assert.equal(res.status, 200);
    assert.equal(res.bytes.length, total);
    for (const i of [0, 1, 65_535, 65_536, total - 1]) assert.equal(res.bytes[i], patternByte(i), `byte ${i}`);
  });

  // The timeout turns a regression (the upstream read on until its own 30 s body timeout) into a failure.
  test('a client that goes away mid-answer stops the upstream\'s answer too (nothing is buffered for no one)', { timeout: 15_000 }, async () => {
    const cut = upstream.downloadCut();
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', servername: 'localhost', port: gateway.port, path: `/download?bytes=${256 * MiB}`, ca: platformCa, cert: a.cert, key: a.key, agent: false, headers: { authorization: `Bearer ${tokenA}` } },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
      req.end();
    });
    await cut;
    assert.equal((await send(`${front(gateway)}/orders`, { ca: platformCa, identity: a, headers: { authorization: `Bearer ${tokenA}` } })).status, 200, 'the gateway goes on serving');
  });

  test('RFC 9110 §15.5.14: a body declared larger than the limit is 413 invalid_request, never forwarded', async () => {
    const before = upstream.seen.length;
    const res = await stream(gateway, 'PUT', '/upload', Readable.from([Buffer.alloc(1024)]), { 'content-length': String(17 * MiB) });
    assert.equal(res.status, 413);
    assert.equal(res.json?.['error'], 'invalid_request');
    assert.equal(upstream.seen.length, before);
  });

  test('RFC 9110 §15.5.14: a chunked body that grows past the limit is cut and answered 413 invalid_request', async () => {
    const res = await stream(gateway, 'PUT', '/upload', generated(17 * MiB));
    assert.equal(res.status, 413);
    assert.equal(res.json?.['error'], 'invalid_request');
  });

  test('RFC 9110 §10.1.1: Expect: 100-continue gets its 100 only once the request is allowed; a refused client never uploads', async () => {
    const upload = (identity: Credentials) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const req = httpsRequest(
          { host: '127.0.0.1', servername: 'localhost', port: gateway.port, method: 'PUT', path: '/upload', ca: platformCa, cert: identity.cert, key: identity.key, agent: false, headers: { authorization: `Bearer ${tokenA}`, expect: '100-continue', 'content-length': '4' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, continued }));
          },
        );
        req.on('continue', () => {
          continued = true;
          req.end('body');
        });
        req.on('error', reject);
        req.flushHeaders();
      });
    assert.deepEqual(await upload(a), { status: 200, continued: true });
    const before = upstream.seen.length;
    assert.deepEqual(await upload(await credentials('globex-g')), { status: 401, continued: false });
    assert.equal(upstream.seen.length, before);
  });

  test('RFC 9110 §15.6.3: an upstream that refuses connections is 502 server_error, with no detail', async () => {
    const warnings: Record<string, unknown>[] = [];
    const down = await testGateway(h, `http://127.0.0.1:${await freePort()}`, { logger: { info: () => {}, warn: (d) => warnings.push(d) } });
    try {
      const res = await send(`${front(down)}/orders`, { ca: platformCa, identity: a, headers: { authorization: `Bearer ${tokenA}` } });
      assert.equal(res.status, 502);
      assert.deepEqual(res.json, { error: 'server_error' });
      assert.doesNotMatch(res.text, /ECONNREFUSED|127\.0\.0\.1/);
      assert.deepEqual(warnings, [{ route: 'GET,HEAD /orders', status: 502, reason: 'ECONNREFUSED' }], 'the operator learns why');
    } finally {
      await down.close();
    }
  });

  test('RFC 9110 §15.6.5: an upstream that does not answer in time is 504 server_error, with no detail', async () => {
    const slow = await testGateway(h, upstream.url, { upstream: { url: upstream.url, timeoutMs: 300 } });
    try {
      const res = await send(`${front(slow)}/slow`, { ca: platformCa, identity: a, headers: { authorization: `Bearer ${tokenA}` } });
      assert.equal(res.status, 504);
      assert.deepEqual(res.json, { error: 'server_error' });
    } finally {
      await slow.close();
    }
  });

  test('keep-alive: many requests reuse the gateway\'s pooled connections to the upstream', async () => {
    const sockets = new Set<string>();
    const onConnection = (socket: { remotePort?: number }) => sockets.add(String(socket.remotePort));
    upstream.server.on('connection', onConnection);
    try {
      for (let i = 0; i < 10; i++) assert.equal((await send(`${front(gateway)}/orders`, { ca: platformCa, identity: a, headers: { authorization: `Bearer ${tokenA}` } })).status, 200);
    } finally {
      upstream.server.off('connection', onConnection);
    }
    assert.ok(sockets.size <= 1, `${sockets.size} new upstream connections for 10 sequential requests`);
  });
});
