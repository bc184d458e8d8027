// SQLite failures as the store's callers already understand them: a SQLSTATE and a severity
// (see database-error.ts), so the admin API answers a broken constraint 409 and a locked
// database 503 on either backend.

/** A database error from the embedded SQLite store, carrying the SQLSTATE PostgreSQL would have used. */
export class SqliteDatabaseError extends Error {
  readonly code: string;
  readonly severity = 'ERROR';
  /** SQLite's extended result code, when SQLite raised it. */
  readonly errcode: number | undefined;

  constructor(sqlstate: string, reason: string, errcode?: number) {
    super(`database error ${sqlstate}: ${reason}`);
    this.name = 'SqliteDatabaseError';
    this.code = sqlstate;
    this.errcode = errcode;
  }
}

/** SQLSTATEs of SQLite constraint failures, by extended result code. */
const CONSTRAINTS: ReadonlyMap<number, string> = new Map([
  [2067, '23505'], // SQLITE_CONSTRAINT_UNIQUE
  [1555, '23505'], // SQLITE_CONSTRAINT_PRIMARYKEY
  [787, '23503'], // SQLITE_CONSTRAINT_FOREIGNKEY
  [1299, '23502'], // SQLITE_CONSTRAINT_NOTNULL
  [275, '23514'], // SQLITE_CONSTRAINT_CHECK
]);

/** SQLSTATEs by SQLite primary result code. */
const PRIMARY: ReadonlyMap<number, string> = new Map([
  [5, '55P03'], // SQLITE_BUSY: lock_not_available, worth a retry
  [6, '55P03'], // SQLITE_LOCKED
  [8, '25006'], // SQLITE_READONLY
  [10, '58030'], // SQLITE_IOERR: io_error
  [11, 'XX001'], // SQLITE_CORRUPT: data_corrupted
  [13, '53100'], // SQLITE_FULL: disk_full
  [18, '54000'], // SQLITE_TOOBIG: program_limit_exceeded
  [19, '23000'], // SQLITE_CONSTRAINT
  [20, '42804'], // SQLITE_MISMATCH: datatype_mismatch
  [26, 'XX001'], // SQLITE_NOTADB
]);

/**
 * `err` from node:sqlite as a SqliteDatabaseError. Only SQLite's generic text for the result
 * code is kept: its own message may quote the SQL (a CHECK expression, a syntax error's
 * neighbourhood), which must never reach a log line or an answer.
 */
export function toDatabaseError(err: unknown): unknown {
  if (!(err instanceof Error) || (err as { code?: unknown }).code !== 'ERR_SQLITE_ERROR') return err;
  const { errcode, errstr } = err as Error & { errcode?: unknown; errstr?: unknown };
  if (typeof errcode !== 'number') return err;
  const sqlstate = CONSTRAINTS.get(errcode) ?? PRIMARY.get(errcode & 0xff) ?? 'XX000';
  return new SqliteDatabaseError(sqlstate, typeof errstr === 'string' ? errstr : 'sqlite error', errcode);
}
