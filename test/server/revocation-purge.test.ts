// Expired revoked-token rows are purged: at start and on an interval, with a grace period past
// expiry, never failing the service when the store refuses.
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { REVOKED_TOKEN_GRACE_MS, startRevocationPurge } from '../../src/server/revocation-purge.ts';
import { startTokenService } from '../../src/server/service.ts';
import { until } from '../helpers/until.ts';
import { startWorld, type Harness } from '../helpers/world.ts';

const HOUR = 3_600_000;
let h: Harness;
before(async () => {
  h = await startWorld();
});
after(() => h.close());

describe('startRevocationPurge', () => {
  test('RFC 7009: a revocation is kept while its token could still be presented, and deleted once it expired plus the grace period', async () => {
    const now = new Date('2031-06-01T12:00:00Z');
    const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
    await h.store.revokeToken('purge-long-expired', 'demo-client', at(-2 * HOUR));
    await h.store.revokeToken('purge-within-grace', 'demo-client', at(-REVOKED_TOKEN_GRACE_MS + 60_000));
    await h.store.revokeToken('purge-live', 'demo-client', at(HOUR));
    const purge = startRevocationPurge({ store: h.store, now: () => now, logger: false });
    purge.stop();
    assert.ok((await purge.purge()) >= 0);
    assert.equal(await h.store.isTokenRevoked('purge-long-expired'), false);
    assert.equal(await h.store.isTokenRevoked('purge-within-grace'), true, 'the grace period covers clock skew between instances');
    assert.equal(await h.store.isTokenRevoked('purge-live'), true);
  });

  test('purges at start and then once per interval (mock timers)', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const cuts: Date[] = [];
      const now = new Date('2031-06-01T12:00:00Z');
      const purge = startRevocationPurge({ store: { pruneRevokedTokens: (cut) => (cuts.push(cut), Promise.resolve(0)) }, intervalMs: 60_000, now: () => now });
      assert.equal(cuts.length, 1, 'at start');
      assert.equal(cuts[0]?.getTime(), now.getTime() - REVOKED_TOKEN_GRACE_MS);
      mock.timers.tick(60_000);
      mock.timers.tick(60_000);
      assert.equal(cuts.length, 3);
      purge.stop();
      mock.timers.tick(600_000);
      assert.equal(cuts.length, 3, 'nothing after stop');
    } finally {
      mock.timers.reset();
    }
  });

  test('a store that refuses is retried at the next interval, with a warning; purge never rejects', async () => {
    const warnings: string[] = [];
    const purge = startRevocationPurge({
      store: { pruneRevokedTokens: () => Promise.reject(new Error('down')) },
      logger: { warn: (_obj: unknown, message?: string) => void warnings.push(String(message)) },
    });
    purge.stop();
    assert.equal(await purge.purge(), 0);
    assert.ok(warnings.length >= 1 && warnings.every((w) => w.startsWith('revocation purge:')));
  });
});

describe('the token service purges expired revocations', () => {
  test('issue 14: a row whose token expired a day ago is gone once the service has started; a live one stays', async () => {
    await h.store.revokeToken('service-purge-expired', 'demo-client', new Date(Date.now() - 24 * HOUR));
    await h.store.revokeToken('service-purge-live', 'demo-client', new Date(Date.now() + HOUR));
    const service = await startTokenService({ store: h.store, issuer: (port) => `https://localhost:${port}`, port: 0, logger: false, registryPollMs: 0 });
    try {
      // The purge runs as the service starts, on its own: polled.
      await until('the expired revocation purged', async () => !(await h.store.isTokenRevoked('service-purge-expired')), { intervalMs: 5 });
      assert.equal(await h.store.isTokenRevoked('service-purge-live'), true);
    } finally {
      await service.close();
    }
  });
});
