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

/** The causes of an error, itself first (at most a few: a cycle must not loop). */
function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = err; e !== undefined && chain.length < 5; e = e instanceof Error ? e.cause : undefined) chain.push(e);
  return chain;
}

/**
 * What a log line may say about a failure: a database error by its SQLSTATE and severity only
 * (node-postgres puts the failing value in its details, and SQLite's own messages quote SQL); a
 * database that cannot be reached (ERR_CERTBOUND_DATABASE_UNAVAILABLE, at any depth of causes) by
 * its code and message, whose URL has its password redacted — an outage is not a bug, so no
 * stack; anything else as the error itself.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function loggableError(err: unknown): Record<string, unknown> {
  const chain = causes(err);
  const database = chain.find(isDatabaseError);
  if (database) return { sqlstate: database.code, severity: database.severity };
  const unavailable = chain.find((e): e is Error => e instanceof Error && (e as { code?: unknown }).code === 'ERR_CERTBOUND_DATABASE_UNAVAILABLE');
  if (unavailable) return { error: 'ERR_CERTBOUND_DATABASE_UNAVAILABLE', reason: unavailable.message };
  return { err };
}
