/** A value bound to a SQL parameter. */
export type SqlValue = string | number | boolean | Date | Uint8Array | readonly (string | null)[] | null;

/** The one operation the SQL store needs from a driver: run a parameterised query. */
export interface Queryable {
  query<Row>(sql: string, params?: readonly SqlValue[]): Promise<{ rows: Row[] }>;
}

/** A connection to a PostgreSQL-compatible database (PGlite or a server). */
export interface Database extends Queryable {
  /** Runs `fn` inside BEGIN … COMMIT, rolling back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
