// Copies a data directory's store from the embedded PostgreSQL (PGlite) of earlier versions
// into the SQLite file that replaced it. Rows are copied as they are: private keys stay
// wrapped under the KEK they were wrapped under.
import { existsSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { CertboundError } from '../core/certbound-error.ts';
import type { Database, Queryable, SqlValue } from './database.ts';
import { migrate } from './migrate.ts';
import { embeddedDatabasePath, legacyDatabasePath } from './open.ts';
import { openPglite } from './pglite/database.ts';
import { openSqlite } from './sqlite/database.ts';

/** What a migration copied: rows per table, and where the old store was moved. */
export interface StoreMigration {
  readonly rows: Readonly<Record<string, number>>;
  readonly database: string;
  readonly legacyMovedTo: string;
}

/** Where the old store is kept once copied (remove it by hand when satisfied). */
export function migratedLegacyPath(dir: string): string {
  return `${legacyDatabasePath(dir)}.pglite-migrated`;
}

/** The tables the SQLite schema has, bookkeeping aside. */
async function tablesOf(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name",
  );
  return rows.map((r) => r.name);
}

/** A PGlite value as the SQLite driver binds it: jsonb objects as JSON text, int8 bigints as numbers. */
function bindable(value: unknown): SqlValue {
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array) && !Array.isArray(value)) {
    return JSON.stringify(value);
  }
  return value as SqlValue;
}

/** Copies every row of every table of `from` into the same table of `to`, in one transaction; returns rows per table. */
async function copyRows(from: Database, to: Database): Promise<Record<string, number>> {
  const tables = await tablesOf(to);
  const counts: Record<string, number> = {};
  // Rows arrive table by table, not in reference order: references are checked once all are in.
  await to.exec('PRAGMA foreign_keys = OFF');
  try {
    await to.transaction(async (tx) => {
      for (const table of tables) {
        const columns = (await tx.query<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)).rows.map((c) => c.name);
        const insert = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
        const { rows } = await from.query<Record<string, unknown>>(`SELECT ${columns.join(', ')} FROM ${table}`);
        for (const row of rows) await tx.query(insert, columns.map((c) => bindable(row[c])));
        counts[table] = rows.length;
      }
      const broken = (await tx.query<{ table: string }>('SELECT "table" FROM pragma_foreign_key_check')).rows;
      if (broken.length > 0) {
        throw new CertboundError('ERR_CERTBOUND_CONFLICT', `the old store has rows whose references do not hold (in ${[...new Set(broken.map((b) => b.table))].join(', ')}): nothing was copied`);
      }
    });
  } finally {
    await to.exec('PRAGMA foreign_keys = ON');
  }
  return counts;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}

/**
 * Copies the PGlite store of `dir` (`<dir>/db`, brought up to the latest schema first) into a
 * new `<dir>/certbound.db`, then moves the old one aside to `<dir>/db.pglite-migrated`. All or
 * nothing: the SQLite file appears only once every row is in. Needs the optional package
 * @electric-sql/pglite (ERR_CERTBOUND_LEGACY_STORE says how to install it).
 */
export async function migrateLegacyStore(dir: string): Promise<StoreMigration> {
  const legacy = legacyDatabasePath(dir);
  const target = embeddedDatabasePath(dir);
  if (!(await isDirectory(legacy))) throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', `${dir} has no store of an earlier certbound version (${legacy}) to migrate`);
  if (existsSync(target)) {
    throw new CertboundError('ERR_CERTBOUND_EXISTS', `${target} exists already: move it away to migrate ${legacy} again`);
  }
  const partial = `${target}.migrating`;
  const companions = (path: string) => [path, `${path}-wal`, `${path}-shm`, `${path}-journal`];
  for (const path of companions(partial)) await rm(path, { force: true });

  const from = await openPglite(legacy);
  let rows: Record<string, number>;
  try {
    await migrate(from);
    const to = await openSqlite(partial);
    try {
      await migrate(to);
      rows = await copyRows(from, to);
    } finally {
      await to.close();
    }
  } catch (err) {
    for (const path of companions(partial)) await rm(path, { force: true });
    throw err;
  } finally {
    await from.close();
  }
  // Closing checkpointed the WAL into the file: it alone is the database now.
  await rename(partial, target);
  const movedTo = migratedLegacyPath(dir);
  await rename(legacy, movedTo);
  return { rows, database: target, legacyMovedTo: movedTo };
}
