// runOperation saves an admin change and its registry version mark (the announcement every
// instance on the store reloads on) in one transaction: a change is never saved unannounced —
// a failed announcement fails the change, and the caller hears of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operation } from '../../src/admin/operations.ts';
import { runOperation } from '../../src/admin/run.ts';
import { embeddedDatabasePath } from '../../src/storage/open.ts';
import { openSqlite } from '../../src/storage/sqlite/database.ts';
import type { Database } from '../../src/storage/database.ts';
import { startWorld, type Harness } from '../helpers/world.ts';

describe('an admin change and its announcement are one transaction', () => {
  let h: Harness;
  let db: Database;
  before(async () => {
    h = await startWorld({ registryPollMs: 0 });
    // The same database file, through a connection of this process (shared with the store).
    db = await openSqlite(embeddedDatabasePath(h.dir));
  });
  after(async () => {
    await db.close();
    await h.close();
  });

  test('a change whose registry version bump fails is not saved, and the failure reaches the caller (never swallowed)', async () => {
    const before = await h.store.getSetting('registry_version');
    // The database refuses the version mark (as a full disk or a lost connection would), and only it.
    await db.exec(`
      CREATE TRIGGER refuse_bump_insert BEFORE INSERT ON settings WHEN NEW.key = 'registry_version' BEGIN SELECT RAISE(ABORT, 'refused'); END;
      CREATE TRIGGER refuse_bump_update BEFORE UPDATE ON settings WHEN NEW.key = 'registry_version' BEGIN SELECT RAISE(ABORT, 'refused'); END;`);
    try {
      await assert.rejects(runOperation({ store: h.store, actor: 'test' }, operation('disableClient'), { client: 'acme-a' }));
    } finally {
      await db.exec('DROP TRIGGER refuse_bump_insert; DROP TRIGGER refuse_bump_update;');
    }
    assert.equal((await h.store.getClient('acme-a'))?.status, 'active', 'the change was rolled back with its announcement');
    assert.equal(await h.store.getSetting('registry_version'), before);
    const [denied] = (await h.store.queryAudit({ clientId: 'acme-a', outcome: 'denied' })).filter((e) => e.event === 'admin.disableClient');
    assert.ok(denied, 'the refused change is audited as denied');
  });

  test('control: the same change with the database accepting the mark is saved and announced', async () => {
    const before = await h.store.getSetting('registry_version');
    await runOperation({ store: h.store, actor: 'test' }, operation('disableClient'), { client: 'acme-a' });
    assert.equal((await h.store.getClient('acme-a'))?.status, 'disabled');
    assert.notEqual(await h.store.getSetting('registry_version'), before);
  });
});
