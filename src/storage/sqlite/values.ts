// The SQLite side of the dialect layer: the store writes PostgreSQL-style SQL and values;
// SQLite keeps dates as ISO-8601 text, booleans as 0/1, text[] as a JSON array and jsonb as
// JSON text (see the *.sqlite.sql migrations), and this file converts both ways.
import type { SqlValue } from '../database.ts';
import { SqliteDatabaseError } from './errors.ts';

/** The current time as SQLite stores dates: the same text as Date#toISOString(), so text order is time order. */
export const SQLITE_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/**
 * Columns (or result aliases) by the type they carry, for reading rows back. One name, one
 * type across the schema; test/storage/postgres.test.ts checks these lists against the
 * PostgreSQL schema's column types.
 */
export const SQLITE_COLUMN_TYPES = {
  timestamptz: new Set(['created_at', 'activates_at', 'not_after', 'expires_at', 'revoked_at', 'retired_at', 'cutoff', 'at', 'applied_at']),
  boolean: new Set(['active', 'bound_tokens']),
  'text[]': new Set(['scopes', 'resources', 'introspects']),
  jsonb: new Set(['detail']),
} as const;

/**
 * A PostgreSQL-style statement as SQLite takes it: `$n` placeholders become `?n` (same
 * numbering) and `now()` the current time as ISO-8601 text. The store's SQL has neither
 * inside a string literal.
 */
export function toSqliteSql(sql: string): string {
  return sql.replace(/\$(\d+)/g, '?$1').replaceAll('now()', SQLITE_NOW);
}

/** A parameter as SQLite stores it. */
export function toSqliteValue(value: SqlValue): string | number | Uint8Array | null {
  if (value === null || typeof value === 'number' || value instanceof Uint8Array) return value;
  if (typeof value === 'string') {
    // PostgreSQL refuses NUL in text (22021); SQLite would store it. Both backends refuse it alike.
    if (value.includes('\u0000')) throw new SqliteDatabaseError('22021', 'text with a NUL character');
    return value;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) {
    // Four-digit years only: beyond them ISO-8601 text ('+010000-…') no longer sorts as time does.
    const year = value.getUTCFullYear();
    if (!(year >= 0 && year <= 9999)) throw new SqliteDatabaseError('22008', 'a date outside the years 0000 to 9999');
    return value.toISOString();
  }
  return JSON.stringify(value);
}

/** A row from SQLite with the types PostgreSQL would have given it (Date, boolean, string[], objects). */
export function fromSqliteRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (value === null || value === undefined) out[name] = null;
    else if (SQLITE_COLUMN_TYPES.timestamptz.has(name) && typeof value === 'string') out[name] = new Date(value);
    else if (SQLITE_COLUMN_TYPES.boolean.has(name) && typeof value === 'number') out[name] = value !== 0;
    else if ((SQLITE_COLUMN_TYPES['text[]'].has(name) || SQLITE_COLUMN_TYPES.jsonb.has(name)) && typeof value === 'string') out[name] = JSON.parse(value);
    else out[name] = value;
  }
  return out;
}
