import type { DatabaseErrorFields } from '../storage/database-error.ts';
import type { AdminErrorReply } from './api-errors.ts';

/** SQLSTATE classes that mean "try again": connection, resources, shutdown, serialization, lock. */
const RETRYABLE = /^(?:08|53|57P0|40|55P03)/;

/**
 * How the admin API answers a database error: bad data (class 22) is 400 `invalid_input`, a
 * broken constraint (class 23) 409 `ERR_CERTBOUND_CONFLICT`, an unreachable or overloaded
 * database 503; anything else 500. The answer never carries the database's message, and the
 * log line only its SQLSTATE: a database error may carry the SQL text and its parameters.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function databaseErrorReply(err: Error & DatabaseErrorFields): AdminErrorReply {
  const sqlstate = err.code;
  if (sqlstate.startsWith('22')) {
    return { status: 400, body: { error: 'invalid_input', error_description: 'a value is not acceptable to the database' }, unexpected: false };
  }
  if (sqlstate.startsWith('23')) {
    return { status: 409, body: { error: 'ERR_CERTBOUND_CONFLICT', error_description: 'the change conflicts with the current state; read it again and retry' }, unexpected: false };
  }
  const log = { sqlstate, severity: err.severity };
  if (RETRYABLE.test(sqlstate)) {
    return { status: 503, body: { error: 'temporarily_unavailable', error_description: 'the database is unavailable; try again' }, unexpected: true, log };
  }
  return { status: 500, body: { error: 'server_error', error_description: 'internal error' }, unexpected: true, log };
}
