import { chmodSync, closeSync, existsSync, openSync, realpathSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Database, Queryable, SqlValue, TransactionOptions } from '../database.ts';
import { toDatabaseError } from './errors.ts';
import { fromSqliteRow, toSqliteSql, toSqliteValue } from './values.ts';

/** Options of the embedded SQLite database. */
export interface SqliteOptions {
  /** How long a statement waits for another process's lock before failing (55P03), in ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

/** Prepared statements kept at most; beyond, the cache starts over (the store uses a few dozen). */
const STATEMENT_CACHE_SIZE = 256;

/** Creates `path` (mode 0600) if missing and sets its mode to 0600 whatever the umask did. */
function privateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/** The WAL and shared-memory files SQLite keeps beside the database: owner only too. */
function tightenCompanions(path: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(path + suffix)) chmodSync(path + suffix, 0o600);
  }
}

/** One connection to the database file: a transaction holds it, and other queries wait until it ends. */
function connect(path: string, options: SqliteOptions): Database {
  privateFile(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? 5_000, enableForeignKeyConstraints: true });
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON');
  } catch (err) {
    throw toDatabaseError(err);
  }
  tightenCompanions(path);

  const statements = new Map<string, StatementSync>();
  const run = <Row>(sql: string, params: readonly SqlValue[]): { rows: Row[] } => {
    try {
      let statement = statements.get(sql);
      if (statement === undefined) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = db.prepare(toSqliteSql(sql));
        statements.set(sql, statement);
      }
      const rows = statement.all(...params.map(toSqliteValue)) as Record<string, unknown>[];
      return { rows: rows.map(fromSqliteRow) as Row[] };
    } catch (err) {
      throw toDatabaseError(err);
    }
  };
  const exec = (sql: string): void => {
    try {
      db.exec(sql);
    } catch (err) {
      throw toDatabaseError(err);
    }
  };

  // Statements run synchronously; only a transaction spans several turns of the event loop,
  // and while one is open every other query waits for it (one connection, as PGlite had).
  let chain: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    waiting += 1;
    const result = chain.then(fn);
    chain = result.then(
      () => (waiting -= 1),
      () => (waiting -= 1),
    );
    return result;
  };
  const tx: Queryable = { dialect: 'sqlite', query: async (sql, params = []) => run(sql, params) };

  return {
    dialect: 'sqlite',
    query: async <Row>(sql: string, params: readonly SqlValue[] = []) =>
      waiting === 0 ? run<Row>(sql, params) : exclusive(async () => run<Row>(sql, params)),
    transaction: <T>(fn: (q: Queryable) => Promise<T>, opts: TransactionOptions = {}) =>
      exclusive(async () => {
        const relaxed = opts.durability === 'relaxed';
        // NORMAL in WAL mode: a crash may lose the last commits, never corrupt the database.
        if (relaxed) exec('PRAGMA synchronous = NORMAL');
        try {
          // IMMEDIATE: take the write lock now, not halfway through (no deadlock with another writer).
          exec('BEGIN IMMEDIATE');
          try {
            const result = await fn(tx);
            exec('COMMIT');
            return result;
          } catch (err) {
            if (db.isTransaction) exec('ROLLBACK');
            throw err;
          }
        } finally {
          if (relaxed) exec('PRAGMA synchronous = FULL');
        }
      }),
    exec: async (sql) => (waiting === 0 ? exec(sql) : exclusive(async () => exec(sql))),
    close: async () => {
      await chain;
      statements.clear();
      if (db.isOpen) db.close();
      tightenCompanions(path);
    },
  };
}

/** Open connections by database file: every store of one process on a file shares one. */
const connections = new Map<string, { readonly db: Database; refs: number }>();

/**
 * Opens (creating if needed) the embedded SQLite database file at `path` — mode 0600, WAL
 * journal, `synchronous=FULL` (a commit is on disk before a client hears of it), foreign keys
 * on — as a Database speaking the store's PostgreSQL-style SQL (see values.ts). Stores of one
 * process on one file share its connection, so their transactions queue behind each other
 * instead of one blocking the event loop on the other's lock; each close() releases one use.
 */
export async function openSqlite(path: string, options: SqliteOptions = {}): Promise<Database> {
  privateFile(path);
  const key = realpathSync(path);
  let entry = connections.get(key);
  if (entry === undefined) {
    entry = { db: connect(key, options), refs: 0 };
    connections.set(key, entry);
  }
  entry.refs += 1;
  const shared = entry;
  let closed = false;
  return {
    ...shared.db,
    close: async () => {
      if (closed) return;
      closed = true;
      shared.refs -= 1;
      if (shared.refs === 0) {
        connections.delete(key);
        await shared.db.close();
      }
    },
  };
}
