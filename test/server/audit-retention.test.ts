// Audit retention: old rows are pruned at start and on an interval, the prune is itself audited,
// and `serve --audit-retention` parses what it is given or says what it takes.
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import { parseAuditRetention } from '../../src/cli/retention.ts';
import { UsageError } from '../../src/cli/context.ts';
import type { AuditEvent } from '../../src/core/model.ts';
import { createAuditLog } from '../../src/server/audit.ts';
import { AUDIT_PRUNED, startAuditRetention } from '../../src/server/audit-retention.ts';
import { startTokenService } from '../../src/server/service.ts';
import { until } from '../helpers/until.ts';
import { startWorld, type Harness } from '../helpers/world.ts';

const DAY = 86_400_000;
let h: Harness;
before(async () => {
  h = await startWorld();
});
after(() => h.close());

const event = (partnerId: string, at: Date): AuditEvent => ({ at, event: 'token.issued', outcome: 'success', partnerId });

describe('startAuditRetention', () => {
  test('prunes events older than the retention period and records audit.pruned with the cut and the count', async () => {
    const now = new Date();
    const partnerId = 'retention-prune';
    await h.store.appendAudit([event(partnerId, new Date(now.getTime() - 120 * DAY)), event(partnerId, new Date(now.getTime() - 91 * DAY)), event(partnerId, new Date(now.getTime() - 89 * DAY))]);
    const audit = createAuditLog({ store: h.store, logger: false, flushMs: 3_600_000 });
    const retention = startAuditRetention({ store: h.store, retentionMs: 90 * DAY, audit, now: () => now, intervalMs: 3_600_000 });
    retention.stop();
    await retention.prune();
    await audit.close();
    const kept = await h.store.queryAudit({ partnerId });
    assert.deepEqual(kept.map((e) => e.at.getTime()), [now.getTime() - 89 * DAY]);
    const pruned = (await h.store.queryAudit({ limit: 100_000 })).filter((e) => e.event === AUDIT_PRUNED);
    assert.equal(pruned.length, 1, 'one row: the second prune found nothing and recorded nothing');
    assert.equal(pruned[0]?.actor, 'retention');
    assert.equal(pruned[0]?.detail?.['before'], new Date(now.getTime() - 90 * DAY).toISOString());
    assert.ok(Number(pruned[0]?.detail?.['deleted']) >= 2);
  });

  test('prunes at start and then once per interval (mock timers)', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      const cuts: Date[] = [];
      const retention = startAuditRetention({
        store: { pruneAudit: (before) => (cuts.push(before), Promise.resolve(0)) },
        retentionMs: DAY,
        intervalMs: 60_000,
      });
      assert.equal(cuts.length, 1, 'at start');
      mock.timers.tick(60_000);
      mock.timers.tick(60_000);
      assert.equal(cuts.length, 3);
      retention.stop();
      mock.timers.tick(600_000);
      assert.equal(cuts.length, 3, 'nothing after stop');
    } finally {
      mock.timers.reset();
    }
  });

  test('a store that refuses to prune is retried at the next interval; prune never rejects', async () => {
    const retention = startAuditRetention({ store: { pruneAudit: () => Promise.reject(new Error('down')) }, retentionMs: DAY, logger: false });
    retention.stop();
    assert.equal(await retention.prune(), 0);
  });
});

describe('the token service prunes with auditRetentionMs', () => {
  test('rows older than the retention are gone once it has started, and the prune is audited', async () => {
    const partnerId = 'retention-service';
    const now = Date.now();
    await h.store.appendAudit([event(partnerId, new Date(now - 3 * DAY)), event(partnerId, new Date(now - 60_000))]);
    // A second service on the world's store, with a retention of two days.
    const service = await startTokenService({ store: h.store, issuer: (port) => `https://localhost:${port}`, port: 0, logger: false, registryPollMs: 0, auditRetentionMs: 2 * DAY });
    // The prune runs as the service starts; closing flushes its audit log, with the audit.pruned.
    let rows = await h.store.queryAudit({ partnerId });
    await until('the old row pruned', async () => (rows = await h.store.queryAudit({ partnerId })).length <= 1, { intervalMs: 5 });
    await service.close();
    assert.deepEqual(rows.map((e) => e.at.getTime()), [now - 60_000]);
    const pruned = (await h.store.queryAudit({ limit: 100_000 })).filter((e) => e.event === AUDIT_PRUNED);
    assert.ok(pruned.some((e) => Date.now() - Date.parse(String(e.detail?.['before'])) >= 2 * DAY), 'audit.pruned with a two-day cut');
  });
});

describe('serve --audit-retention', () => {
  test('90d by default; Nd and Nh; 0 and off keep everything', () => {
    assert.equal(parseAuditRetention(undefined), 90 * DAY);
    assert.equal(parseAuditRetention('30d'), 30 * DAY);
    assert.equal(parseAuditRetention('36h'), 36 * 3_600_000);
    assert.equal(parseAuditRetention('0'), 0);
    assert.equal(parseAuditRetention('off'), 0);
  });

  test('anything else is a usage error that says what is accepted', () => {
    for (const bad of ['', '90', '90 days', '-1d', '0h', '1.5d', '90D', '36501d', 'never', '1m']) {
      assert.throws(() => parseAuditRetention(bad), (err: unknown) => {
        assert.ok(err instanceof UsageError, bad);
        assert.equal(err.code, 'ERR_CERTBOUND_USAGE');
        assert.match(err.message, /--audit-retention takes a duration from 1h to 36500d such as 90d or 36h, or 0 or off/);
        return true;
      });
    }
  });
});
