/** The fields of a database error (node-postgres, or the embedded SQLite store's) that are safe to read and log. */
export interface DatabaseErrorFields {
  /** The SQLSTATE, e.g. `22021`, `23505`, `08006`. */
  readonly code: string;
  readonly severity: string;
}

/** Whether `err` is an error the database reported: a SQLSTATE and a severity (SQLite's are mapped to SQLSTATEs). */
export function isDatabaseError(err: unknown): err is Error & DatabaseErrorFields {
  if (!(err instanceof Error)) return false;
  const { code, severity } = err as Error & Partial<Record<'code' | 'severity', unknown>>;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string';
}

/**
 * What a log line may say about a failure: a database error by its SQLSTATE and severity only
 * (node-postgres puts the failing value in its details, and SQLite's own messages quote SQL),
 * anything else as the error itself.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function loggableError(err: unknown): Record<string, unknown> {
  return isDatabaseError(err) ? { sqlstate: err.code, severity: err.severity } : { err };
}
