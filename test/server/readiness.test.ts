// /readyz (issue 12): 503 unless the store answers in bounded time, a signing key signs now and
// the served TLS certificate is within its validity; /healthz stays liveness.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { KeySet } from '../../src/server/access-tokens.ts';
import { readiness } from '../../src/server/readiness.ts';
import { generateSigningKey, loadSigningKey } from '../../src/server/signing-keys.ts';
import { TOKEN_SERVICE_TLS } from '../../src/admin/init.ts';
import { send } from '../helpers/https.ts';
import { credentials, startWorld, type Credentials, type Harness } from '../helpers/world.ts';

async function keySet(activatesAt: Date): Promise<KeySet> {
  const key = await generateSigningKey(activatesAt);
  return new KeySet([await loadSigningKey({ ...key, createdAt: new Date(), activatesAt, retiredAt: null })]);
}

describe('readiness checks', () => {
  const now = new Date('2027-01-01T00:00:00Z');
  const certificate = { notBefore: new Date('2026-01-01T00:00:00Z'), notAfter: new Date('2028-01-01T00:00:00Z') };
  const answering = { getSetting: async () => '3' };

  test('ready: the store answers, a key signs now, the certificate is valid', async () => {
    assert.deepEqual(await readiness({ store: answering, keys: await keySet(now), certificate, now, timeoutMs: 1_000 }), []);
  });

  test('a store that does not answer within the bound fails the store check (no hang)', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const hung = { getSetting: () => new Promise<string | null>(() => {}) };
    const probe = readiness({ store: hung, keys: await keySet(now), certificate, now, timeoutMs: 1_000 });
    t.mock.timers.tick(1_000);
    assert.deepEqual(await probe, ['store']);
  });

  test('a store that fails fails the store check', async () => {
    const failing = { getSetting: () => Promise.reject(new Error('connection refused')) };
    assert.deepEqual(await readiness({ store: failing, keys: await keySet(now), certificate, now, timeoutMs: 1_000 }), ['store']);
  });

  test('only a key that signs later (still in its lead time) fails the signing_key check', async () => {
    assert.deepEqual(await readiness({ store: answering, keys: await keySet(new Date(now.getTime() + 1)), certificate, now, timeoutMs: 1_000 }), ['signing_key']);
  });

  test('a certificate outside its validity fails the tls_certificate check, on either side', async () => {
    const keys = await keySet(certificate.notBefore);
    assert.deepEqual(await readiness({ store: answering, keys, certificate, now: new Date(certificate.notAfter.getTime() + 1), timeoutMs: 1_000 }), ['tls_certificate']);
    assert.deepEqual(await readiness({ store: answering, keys, certificate, now: new Date(certificate.notBefore.getTime() - 1), timeoutMs: 1_000 }), ['signing_key', 'tls_certificate']);
  });
});

describe('/readyz on the token listener', () => {
  let h: Harness;
  let a: Credentials;
  let clock: number | null = null;

  before(async () => {
    h = await startWorld({ now: () => new Date(clock ?? Date.now()) });
    a = await credentials('acme-a');
  });
  after(() => h.close());

  test('200 ready while the store answers, a key signs and the certificate is valid', async () => {
    const res = await send(`${h.issuer}/readyz`, { ca: a.ca });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { status: 'ready' });
  });

  test('503 naming tls_certificate once the served certificate has expired; /healthz (liveness) stays 200', async () => {
    const served = new X509Certificate((await h.store.getTlsCredential(TOKEN_SERVICE_TLS))!.certPem);
    clock = Date.parse(served.validTo) + 1_000;
    try {
      const res = await send(`${h.issuer}/readyz`, { ca: a.ca });
      assert.equal(res.status, 503, res.text);
      assert.deepEqual(res.json, { status: 'unavailable', failing: ['tls_certificate'] });
      assert.equal((await send(`${h.issuer}/healthz`, { ca: a.ca })).status, 200);
    } finally {
      clock = null;
    }
  });
});
