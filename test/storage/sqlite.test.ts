// The embedded SQLite database under the store: private files, WAL with durable commits (audit
// batches relaxed), PostgreSQL's SQLSTATEs for its errors without SQL in them, and one
// connection that a transaction holds.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isDatabaseError } from '../../src/storage/database-error.ts';
import type { Database } from '../../src/storage/database.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openSqlite } from '../../src/storage/sqlite/database.ts';

const root = await mkdtemp(join(tmpdir(), 'certbound-sqlite-'));
after(() => rm(root, { recursive: true, force: true }));

let n = 0;
/** A new migrated database in its own directory. */
async function fresh(): Promise<{ db: Database; path: string }> {
  const path = join(root, `db-${n++}.sqlite`);
  const db = await openSqlite(path);
  await migrate(db);
  return { db, path };
}

/** Asserts `err` is a database error with `sqlstate` whose message quotes neither SQL nor `values`. */
function databaseError(sqlstate: string, values: readonly string[] = []) {
  return (err: unknown) => {
    assert.ok(isDatabaseError(err), String(err));
    assert.equal(err.code, sqlstate);
    assert.ok(!/SELECT|INSERT|UPDATE|CHECK \(|token_ttl|status IN/i.test(err.message), err.message);
    for (const value of values) assert.ok(!err.message.includes(value), err.message);
    return true;
  };
}

describe('SQLite database files', () => {
  test('the database file and its WAL companions are created mode 0600 even under umask 000', async () => {
    const previous = process.umask(0);
    try {
      const { db, path } = await fresh();
      await db.query("INSERT INTO settings (key, value) VALUES ('k', 'v')");
      const files = (await readdir(root)).filter((f) => f.startsWith(path.slice(root.length + 1)));
      assert.ok(files.some((f) => f.endsWith('-wal')), `WAL mode keeps a -wal file: ${files.join(', ')}`);
      for (const file of files) assert.equal((await stat(join(root, file))).mode & 0o777, 0o600, file);
      await db.close();
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    } finally {
      process.umask(previous);
    }
  });

  test('WAL journal, synchronous FULL and foreign keys on; a relaxed transaction runs with NORMAL, and FULL is back after it', async () => {
    const { db } = await fresh();
    try {
      assert.deepEqual((await db.query('PRAGMA journal_mode')).rows, [{ journal_mode: 'wal' }]);
      assert.deepEqual((await db.query('PRAGMA synchronous')).rows, [{ synchronous: 2 }]);
      assert.deepEqual((await db.query('PRAGMA foreign_keys')).rows, [{ foreign_keys: 1 }]);
      const inside = await db.transaction(async (tx) => (await tx.query<{ synchronous: number }>('PRAGMA synchronous')).rows[0]?.synchronous, { durability: 'relaxed' });
      assert.equal(inside, 1);
      assert.deepEqual((await db.query('PRAGMA synchronous')).rows, [{ synchronous: 2 }]);
      await assert.rejects(db.transaction(async () => { throw new Error('boom'); }, { durability: 'relaxed' }), /boom/);
      assert.deepEqual((await db.query('PRAGMA synchronous')).rows, [{ synchronous: 2 }], 'FULL again after a relaxed transaction that failed');
    } finally {
      await db.close();
    }
  });
});

describe('SQLite values and errors', () => {
  test('values come back as PostgreSQL gives them: Date, boolean, text[], bytes, JSON', async () => {
    const { db } = await fresh();
    try {
      await db.query("INSERT INTO partners (id) VALUES ('p')");
      await db.query('INSERT INTO signing_keys (kid, alg, key_pkcs8, active) VALUES ($1, $2, $3, $4)', ['k', 'ES256', new Uint8Array([0, 1, 255]), false]);
      await db.query('INSERT INTO resources (uri, partner_id, scopes) VALUES ($1, $2, $3)', ['https://r', 'p', ['a b', '"q"', 'ü']]);
      await db.query("INSERT INTO audit_events (at, event, outcome, detail) VALUES ($1, 'e', 'success', $2)", [new Date('2031-02-03T04:05:06.789Z'), '{"x":[1,null]}']);
      const [key] = (await db.query<Record<string, unknown>>('SELECT * FROM signing_keys')).rows;
      assert.deepEqual(key?.['key_pkcs8'], new Uint8Array([0, 1, 255]));
      assert.equal(key?.['active'], false);
      assert.ok(key?.['created_at'] instanceof Date);
      assert.deepEqual((await db.query<{ scopes: string[] }>('SELECT scopes FROM resources')).rows[0]?.scopes, ['a b', '"q"', 'ü']);
      const [event] = (await db.query<{ at: Date; detail: unknown; id: number }>('SELECT * FROM audit_events')).rows;
      assert.deepEqual(event?.at, new Date('2031-02-03T04:05:06.789Z'));
      assert.deepEqual(event?.detail, { x: [1, null] });
      assert.equal(event?.id, 1);
    } finally {
      await db.close();
    }
  });

  test('broken constraints have the SQLSTATEs of PostgreSQL (23505, 23503, 23514, 23502), and no message quotes SQL or a value', async () => {
    const { db } = await fresh();
    try {
      await db.query('INSERT INTO partners (id) VALUES ($1)', ['secret-partner']);
      await assert.rejects(db.query('INSERT INTO partners (id) VALUES ($1)', ['secret-partner']), databaseError('23505', ['secret-partner']));
      await assert.rejects(db.query("INSERT INTO resources (uri, partner_id) VALUES ('https://r', $1)", ['nobody-secret']), databaseError('23503', ['nobody-secret']));
      await assert.rejects(db.query("UPDATE partners SET status = 'gone'"), databaseError('23514', ['gone']));
      await assert.rejects(db.query('INSERT INTO settings (key, value) VALUES ($1, NULL)', ['secret-key']), databaseError('23502', ['secret-key']));
    } finally {
      await db.close();
    }
  });

  test('text with a NUL character is refused with 22021, as PostgreSQL refuses it; a date whose ISO text would not sort as time, with 22008', async () => {
    const { db } = await fresh();
    try {
      await assert.rejects(db.query('SELECT * FROM partners WHERE id = $1', ['a\u0000b']), databaseError('22021'));
      await assert.rejects(db.query('SELECT * FROM audit_events WHERE at < $1', [new Date('+010000-01-01T00:00:00Z')]), databaseError('22008'));
      await assert.rejects(db.query('SELECT * FROM audit_events WHERE at < $1', [new Date(Number.NaN)]), databaseError('22008'));
      assert.deepEqual((await db.query('SELECT * FROM audit_events WHERE at < $1', [new Date('9999-12-31T23:59:59Z')])).rows, []);
    } finally {
      await db.close();
    }
  });
});

describe('SQLite connection', () => {
  test('a query issued while a transaction is open waits for its end: it never sees its writes half done, nor rolled-back ones', async () => {
    const { db } = await fresh();
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const failing = db.transaction(async (tx) => {
        await tx.query("INSERT INTO partners (id) VALUES ('a')");
        await gate;
        throw new Error('rolled back');
      });
      const counted = db.query<{ n: number }>('SELECT count(*) AS n FROM partners');
      release();
      await assert.rejects(failing, /rolled back/);
      assert.deepEqual((await counted).rows, [{ n: 0 }]);

      const committing = db.transaction(async (tx) => {
        await tx.query("INSERT INTO partners (id) VALUES ('b')");
        await Promise.resolve();
        await tx.query("INSERT INTO partners (id) VALUES ('c')");
      });
      const seen = db.query<{ n: number }>('SELECT count(*) AS n FROM partners');
      await committing;
      assert.deepEqual((await seen).rows, [{ n: 2 }]);
    } finally {
      await db.close();
    }
  });
});
