import type { RegistryListener, RegistrySubscription } from './store.ts';

/** A value bound to a SQL parameter. */
export type SqlValue = string | number | boolean | Date | Uint8Array | readonly (string | null)[] | null;

/**
 * The SQL a database speaks. The store's SQL is written once in PostgreSQL's form; the few
 * statements that differ are written for both side by side (see sql-dialect.ts), and the
 * SQLite driver maps values and placeholders (see sqlite/values.ts).
 */
export type Dialect = 'postgres' | 'sqlite';

/** The one operation the SQL store needs from a driver: run a parameterised query. */
export interface Queryable {
  readonly dialect: Dialect;
  query<Row>(sql: string, params?: readonly SqlValue[]): Promise<{ rows: Row[] }>;
}

/** How a transaction is committed. */
export interface TransactionOptions {
  /**
   * `relaxed`: a crash right after the commit may lose it (never corrupt the database) — for
   * audit batches, which no client was told were saved. Default `full`: durable once committed.
   */
  readonly durability?: 'full' | 'relaxed';
}

/** A connection to a database the store runs on (embedded SQLite or a PostgreSQL server). */
export interface Database extends Queryable {
  /** Runs `fn` inside BEGIN … COMMIT, rolling back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
  /**
   * Subscribes to a `NOTIFY` channel on a connection of its own, re-made after a loss; absent
   * where the database cannot push (SQLite).
   */
  listen?(channel: string, listener: RegistryListener): Promise<RegistrySubscription>;
}
