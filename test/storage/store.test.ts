import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { migrate } from '../../src/storage/migrate.ts';
import { embeddedDatabasePath, openStore } from '../../src/storage/open.ts';
import { openSqlite } from '../../src/storage/sqlite/database.ts';
import { storeContract } from './contract.ts';

// One embedded database for the whole file.
const dir = await mkdtemp(join(tmpdir(), 'certbound-store-'));
after(() => rm(dir, { recursive: true, force: true }));

/** Runs the migrations on the embedded database of `dir` and closes it. */
async function migrateOnce(): Promise<number[]> {
  const db = await openSqlite(embeddedDatabasePath(dir));
  try {
    return await migrate(db);
  } finally {
    await db.close();
  }
}

describe('SQLite migrations', () => {
  test('a new database gets every migration file, in order; a second run applies nothing', async () => {
    const files = (await readdir(new URL('../../src/storage/migrations/', import.meta.url))).filter((f) => /^\d{3}_.*\.sqlite\.sql$/.test(f)).sort();
    assert.ok(files.length > 0);
    assert.deepEqual(await migrateOnce(), files.map((f) => Number(f.slice(0, 3))));
    assert.deepEqual(await migrateOnce(), []);
  });
});

storeContract('SQLite', () => openStore(dir), { migrateAgain: migrateOnce });
