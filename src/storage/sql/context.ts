import type { KeyEncryptionKey } from '../../core/key-wrap.ts';
import type { Database, Queryable, SqlValue } from '../database.ts';

/**
 * What the SQL store's queries run on: a connection (or the transaction they are in), the
 * key-encryption key that wraps private keys on the way in and unwraps them on the way out.
 */
export interface SqlContext {
  readonly q: Queryable;
  readonly kek: KeyEncryptionKey;
  /** The database itself; null inside a transaction, which has none of its own to open. */
  readonly db: Database | null;
  /** Runs a query and returns its rows. */
  rows<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** Runs `fn` in a transaction: a new one on the database, or the one this context is already in (joined). */
  transaction<T>(fn: (tx: SqlContext) => Promise<T>): Promise<T>;
}

/** The context of a store on `db`, or (db null) of one inside the transaction `q`. */
export function sqlContext(db: Database | null, kek: KeyEncryptionKey, q: Queryable): SqlContext {
  const context: SqlContext = {
    q,
    kek,
    db,
    async rows<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
      return (await q.query<Row>(sql, params)).rows;
    },
    async transaction<T>(fn: (tx: SqlContext) => Promise<T>): Promise<T> {
      if (!db) return fn(context); // already inside one: join it
      return db.transaction((tx) => fn(sqlContext(null, kek, tx)));
    },
  };
  return context;
}
