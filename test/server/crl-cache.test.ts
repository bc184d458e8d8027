// The CRL cache of imported CAs against real sources: files and a local HTTP server. What is
// kept when a refresh fails, when a CRL expires, and what the warnings say (never a secret).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { certificateFingerprint } from '../../src/core/thumbprint.ts';
import { createRootCa, type CertifiedKey } from '../../src/pki/ca.ts';
import { derToPem } from '../../src/pki/keys.ts';
import { createCrlCache, type CrlCacheOptions } from '../../src/server/crl-cache.ts';
import { checkCrlSource } from '../../src/server/crl-source.ts';
import type { Anchor } from '../../src/server/registry.ts';
import { DAY_MS, signCrl, startCrlServer, type CrlServer } from '../helpers/crl.ts';
import { until } from '../helpers/until.ts';

/** One warning the cache logged. */
interface Warning {
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

let dir: string;
let ca: CertifiedKey;
let server: CrlServer;
let base: string;
/** What the HTTP server answers, per path. */
const routes = new Map<string, (res: ServerResponse) => void>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certbound-crl-cache-'));
  ca = await createRootCa({ commonName: 'partner own root CA' });
  server = await startCrlServer((req, res) => {
    const route = routes.get(new URL(req.url ?? '/', 'https://x').pathname);
    if (route) route(res);
    else res.writeHead(404).end();
  });
  base = server.base;
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function anchorOf(certifiedKey: CertifiedKey, crlSource: string | null): Anchor {
  const x509 = new X509Certificate(certifiedKey.certPem);
  const fingerprint = certificateFingerprint(x509.raw);
  return { authorityId: `partner:p:${fingerprint}`, partnerId: 'p', x509, fingerprint, crlSource };
}

function cacheWithLog(options: CrlCacheOptions = {}) {
  const warnings: Warning[] = [];
  const logger = { warn: (obj: Record<string, unknown>, msg: string) => void warnings.push({ obj, msg }) };
  const cache = createCrlCache({ logger: logger as unknown as NonNullable<CrlCacheOptions['logger']>, fetchCa: [server.ca], ...options });
  return { cache, warnings };
}

const serve = (path: string, body: Uint8Array | string, status = 200) =>
  routes.set(path, (res) => res.writeHead(status, { 'content-type': 'application/pkix-crl' }).end(body));

let fileCount = 0;
async function crlFile(bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, `crl-${++fileCount}.crl`);
  await writeFile(path, bytes);
  return path;
}

describe('fetching and answering', () => {
  test('a DER file and a PEM URL: revokedSerials gives the canonical serials of each anchor', async () => {
    const file = await crlFile(await signCrl(ca, { serials: ['00a1'] }));
    serve('/pem.crl', derToPem(await signCrl(ca, { serials: ['b2'] }), 'X509 CRL'));
    const { cache, warnings } = cacheWithLog();
    const fromFile = anchorOf(ca, file);
    const fromUrl = anchorOf(ca, `${base}/pem.crl`);
    await cache.sync([fromFile, fromUrl, anchorOf(ca, null)]);
    assert.deepEqual([...(cache.revokedSerials(fromFile) ?? [])], ['a1']);
    assert.deepEqual([...(cache.revokedSerials(fromUrl) ?? [])], ['b2']);
    assert.equal(cache.revokedSerials(anchorOf(ca, null)), null, 'an anchor without a source has no CRL');
    assert.equal(cache.revokedSerials(anchorOf(ca, `${base}/never-synced.crl`)), null);
    assert.deepEqual(warnings, []);
    cache.close();
  });

  test('fail closed: a missing file, an HTTP 500, an unreachable server, garbage, another CA\'s CRL: null, with a warning each', async () => {
    const other = await createRootCa({ commonName: 'another CA' });
    serve('/500.crl', 'oops', 500);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const sources = {
      missing: join(dir, 'no-such.crl'),
      http500: `${base}/500.crl`,
      unreachable: `https://127.0.0.1:${closedPort}/crl`,
      garbage: await crlFile('not a CRL'),
      otherCa: await crlFile(await signCrl(other)),
    };
    const { cache, warnings } = cacheWithLog({ fetchTimeoutMs: 2_000 });
    const anchors = Object.values(sources).map((source) => anchorOf(ca, source));
    await cache.sync(anchors);
    for (const anchor of anchors) assert.equal(cache.revokedSerials(anchor), null, anchor.crlSource ?? '');
    const reasons = warnings.map((w) => w.obj['reason']).sort();
    assert.deepEqual(reasons, [
      'CRL source unavailable: answered HTTP 500',
      'CRL source unavailable: cannot open the file (ENOENT)',
      'CRL source unavailable: request failed (ECONNREFUSED)',
      'invalid CRL: not an X.509 CRL',
      "invalid CRL: the CRL's issuer is not the CA's subject",
    ]);
    for (const w of warnings) {
      assert.equal(w.msg, "CRL refresh failed: no valid CRL at hand, the CA's clients are refused");
      assert.equal(w.obj['keptUntil'], null);
      assert.match(String(w.obj['authority']), /^partner:p:[0-9a-f]{64}$/);
    }
    assert.ok(warnings.some((w) => w.obj['source'] === 'file no-such.crl'), 'a file is named by its base name only');
    cache.close();
  });

  test('a failed refresh keeps the last valid CRL until its nextUpdate, and says so; an expired one is dropped', async () => {
    let clock = Date.now();
    const nextUpdate = new Date(Math.floor(clock / 1000) * 1000 + 60_000);
    serve('/flaky.crl', await signCrl(ca, { serials: ['c3'], nextUpdate }));
    const { cache, warnings } = cacheWithLog({ now: () => new Date(clock) });
    const anchor = anchorOf(ca, `${base}/flaky.crl`);
    await cache.sync([anchor]);
    assert.deepEqual([...(cache.revokedSerials(anchor) ?? [])], ['c3']);
    serve('/flaky.crl', 'down', 503);
    await cache.refresh();
    assert.deepEqual([...(cache.revokedSerials(anchor) ?? [])], ['c3'], 'kept');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.msg, 'CRL refresh failed: the last valid CRL is used until its nextUpdate');
    assert.equal(warnings[0]?.obj['keptUntil'], nextUpdate.toISOString());
    clock = nextUpdate.getTime();
    assert.equal(cache.revokedSerials(anchor), null, 'at nextUpdate the CRL is no longer used (fail closed)');
    cache.close();
  });

  test('a CRL older than the one held (a stale mirror) does not replace it', async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    serve('/mirror.crl', await signCrl(ca, { serials: ['d4', 'd5'], thisUpdate: new Date(now - 60_000) }));
    const { cache } = cacheWithLog();
    const anchor = anchorOf(ca, `${base}/mirror.crl`);
    await cache.sync([anchor]);
    serve('/mirror.crl', await signCrl(ca, { serials: ['d4'], thisUpdate: new Date(now - 120_000) }));
    await cache.refresh();
    assert.deepEqual([...(cache.revokedSerials(anchor) ?? [])].sort(), ['d4', 'd5']);
    serve('/mirror.crl', await signCrl(ca, { serials: [], thisUpdate: new Date(now - 30_000) }));
    await cache.refresh();
    assert.equal(cache.revokedSerials(anchor)?.size, 0, 'a newer one does');
    cache.close();
  });

  test('limits: an answer larger than maxBytes (declared or streamed) and one slower than fetchTimeoutMs are refused', async () => {
    const big = await signCrl(ca, { serials: Array.from({ length: 50 }, (_, i) => (i + 1).toString(16).padStart(2, '0')) });
    serve('/big.crl', big);
    routes.set('/chunked.crl', (res) => {
      res.writeHead(200);
      res.write(big.subarray(0, 1000));
      res.end(big.subarray(1000));
    });
    routes.set('/slow.crl', () => undefined);
    const { cache, warnings } = cacheWithLog({ maxBytes: 1000, fetchTimeoutMs: 300 });
    const anchors = ['/big.crl', '/chunked.crl', '/slow.crl'].map((p) => anchorOf(ca, `${base}${p}`));
    const file = anchorOf(ca, await crlFile(big));
    await cache.sync([...anchors, file]);
    for (const anchor of [...anchors, file]) assert.equal(cache.revokedSerials(anchor), null);
    assert.deepEqual(warnings.map((w) => w.obj['reason']).sort(), [
      'CRL source unavailable: larger than 1000 bytes',
      'CRL source unavailable: larger than 1000 bytes',
      'CRL source unavailable: larger than 1000 bytes',
      'CRL source unavailable: no answer within 300 ms',
    ]);
    cache.close();
  });

  test('a URL is logged without its userinfo, query or fragment', async () => {
    routes.set('/secret.crl', (res) => res.writeHead(404).end());
    const { cache, warnings } = cacheWithLog();
    const source = `https://user:hunter2@127.0.0.1:${new URL(base).port}/secret.crl?token=query-secret#fragment-secret`;
    await cache.sync([anchorOf(ca, source)]);
    assert.equal(warnings.length, 1);
    const line = JSON.stringify(warnings);
    assert.equal(warnings[0]?.obj['source'], `${base}/secret.crl`);
    for (const secret of ['hunter2', 'user', 'token', 'query-secret', 'fragment-secret']) assert.ok(!line.includes(secret), secret);
    cache.close();
  });
});

describe('sources that are not a regular file or an https URL', () => {
  test('refused when configured: a FIFO, a directory, a symlink to a FIFO, a device, a missing file, a relative path, http, ftp, an https URL with credentials', async () => {
    const fifo = join(dir, 'configured.fifo');
    execFileSync('mkfifo', [fifo]);
    const folder = join(dir, 'a-directory');
    await mkdir(folder);
    const link = join(dir, 'link-to-fifo.crl');
    await symlink(fifo, link);
    const refused = [fifo, folder, link, '/dev/zero', join(dir, 'missing.crl'), 'relative.crl', `http://127.0.0.1:1/ca.crl`, 'ftp://example.com/ca.crl', `https://u:p@127.0.0.1:1/ca.crl`, 'file:///etc/hostname'];
    for (const source of refused) {
      await assert.rejects(checkCrlSource(source), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_CERTBOUND_INVALID_INPUT', source);
        assert.match(err.message, /give an https URL or the absolute path of a regular file/);
        assert.ok(!err.message.includes(':p@'), 'no credentials echoed');
        return true;
      });
    }
    await checkCrlSource(await crlFile(await signCrl(ca)));
    await checkCrlSource(`${base}/any.crl`);
  });

  test('a FIFO already stored as a source (configured before the check) is refused at read time at once, without a writer ever opening it', async () => {
    const fifo = join(dir, 'stored.fifo');
    execFileSync('mkfifo', [fifo]);
    const { cache, warnings } = cacheWithLog();
    const anchors = [anchorOf(ca, fifo), anchorOf(ca, dir), anchorOf(ca, `${base.replace('https:', 'http:')}/plain.crl`)];
    // Before the fix the open() of the FIFO never returned: this sync (and every reload behind it) hung.
    await cache.sync(anchors);
    for (const anchor of anchors) assert.equal(cache.revokedSerials(anchor), null);
    assert.deepEqual(warnings.map((w) => w.obj['reason']).sort(), [
      'CRL source unavailable: not a regular file',
      'CRL source unavailable: not a regular file',
      'CRL source unavailable: not an https URL or an absolute file path',
    ]);
    cache.close();
  });
});

describe('refreshing', () => {
  /**
   * A cache clock the test moves together with the mocked timers: `advance(ms)` says how often
   * the cache read its clock meanwhile (a refresh its timer starts reads it at once).
   */
  function testClock(t: TestContext, start: number) {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let clock = start;
    let reads: number | null = null;
    return {
      now: () => {
        if (reads !== null) reads++;
        return new Date(clock);
      },
      get ms() {
        return clock;
      },
      advance(ms: number): number {
        reads = 0;
        clock += ms;
        t.mock.timers.tick(ms);
        const seen = reads;
        reads = null;
        return seen;
      },
    };
  }

  test('every refreshMs the sources are read again; after close() they are not', async (t) => {
    const clock = testClock(t, Date.now());
    const path = await crlFile(await signCrl(ca, { serials: ['e1'] }));
    const { cache } = cacheWithLog({ refreshMs: 100, now: clock.now });
    const anchor = anchorOf(ca, path);
    await cache.sync([anchor]);
    assert.deepEqual([...(cache.revokedSerials(anchor) ?? [])], ['e1']);
    await writeFile(path, await signCrl(ca, { serials: ['e1', 'e2'], thisUpdate: new Date(clock.ms - 1000) }));
    assert.equal(clock.advance(99), 0, 'no refresh before refreshMs');
    assert.ok(clock.advance(1) > 0, 'a refresh at refreshMs');
    await until('the timer read the file again', () => cache.revokedSerials(anchor)?.has('e2') === true, { timeoutMs: 5_000 });
    assert.deepEqual([...(cache.revokedSerials(anchor) ?? [])].sort(), ['e1', 'e2']);
    cache.close();
    await writeFile(path, await signCrl(ca, { serials: [], thisUpdate: new Date(clock.ms) }));
    assert.equal(clock.advance(10 * 100), 0, 'no refresh timer fired after close');
    assert.equal(cache.revokedSerials(anchor)?.size, 2, 'no refresh after close');
  });

  test('a CRL is fetched again soon after its nextUpdate passes, even with a long refresh interval', async (t) => {
    const clock = testClock(t, Math.floor(Date.now() / 1000) * 1000);
    const nextUpdate = new Date(clock.ms + 2_000);
    serve('/short.crl', await signCrl(ca, { serials: ['f1'], thisUpdate: new Date(clock.ms - DAY_MS), nextUpdate }));
    const { cache } = cacheWithLog({ refreshMs: 3_600_000, now: clock.now });
    const anchor = anchorOf(ca, `${base}/short.crl`);
    await cache.sync([anchor]);
    assert.deepEqual([...(cache.revokedSerials(anchor) ?? [])], ['f1']);
    serve('/short.crl', await signCrl(ca, { serials: ['f1', 'f2'] }));
    assert.equal(clock.advance(2_000), 0, 'no refresh while the CRL is current');
    assert.equal(cache.revokedSerials(anchor), null, 'at its nextUpdate the CRL is no longer used');
    // Its successor is fetched within seconds of nextUpdate, not an hour (refreshMs) after the first fetch.
    assert.ok(clock.advance(1_000) > 0, 'a refresh soon after nextUpdate');
    await until('the CRL fetched again after its nextUpdate', () => cache.revokedSerials(anchor)?.has('f2') === true, { timeoutMs: 8_000 });
    assert.deepEqual([...(cache.revokedSerials(anchor) ?? [])].sort(), ['f1', 'f2']);
    cache.close();
  });

  test('sync drops anchors no longer named, fetches new sources, and does not refetch a fresh CRL', async () => {
    let hits = 0;
    const crl = await signCrl(ca, { serials: ['01'] });
    routes.set('/counted.crl', (res) => {
      hits++;
      res.writeHead(200).end(crl);
    });
    const { cache } = cacheWithLog();
    const anchor = anchorOf(ca, `${base}/counted.crl`);
    await cache.sync([anchor]);
    await cache.sync([anchor]);
    assert.equal(hits, 1, 'a CRL still fresh is not fetched again by sync');
    await cache.sync([]);
    assert.equal(cache.revokedSerials(anchor), null, 'an anchor gone from the registry has no CRL');
    await cache.sync([anchor]);
    assert.equal(hits, 2);
    assert.deepEqual([...(cache.revokedSerials(anchor) ?? [])], ['1']);
    cache.close();
  });

  test('bad options are RangeErrors', () => {
    assert.throws(() => createCrlCache({ refreshMs: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => createCrlCache({ fetchTimeoutMs: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  });
});
