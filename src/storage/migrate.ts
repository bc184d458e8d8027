import { readdir, readFile } from 'node:fs/promises';
import type { Database, Dialect } from './database.ts';
import { SCHEMA_MIGRATIONS_TABLE } from './sql-dialect.ts';

const MIGRATIONS = new URL('./migrations/', import.meta.url);

/**
 * The migration files of a dialect, by version: `NNN_name.sql` for PostgreSQL, and beside each
 * the same version for SQLite, `NNN_name.sqlite.sql`. One history, the same numbers on both.
 */
export async function migrationFiles(dialect: Dialect): Promise<string[]> {
  const pattern = dialect === 'sqlite' ? /^\d{3}_[\w-]+\.sqlite\.sql$/ : /^\d{3}_[\w-]+\.sql$/;
  return (await readdir(MIGRATIONS)).filter((f) => pattern.test(f)).sort();
}

/**
 * Brings the schema up to date by applying, in order and each in its own transaction,
 * the migration files of the database's dialect not yet recorded in `schema_migrations`.
 * Returns the versions applied.
 */
export async function migrate(db: Database): Promise<number[]> {
  await db.exec(SCHEMA_MIGRATIONS_TABLE[db.dialect]);
  const done = new Set(
    (await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
  );
  const files = await migrationFiles(db.dialect);
  const applied: number[] = [];
  for (const file of files) {
    const version = Number.parseInt(file.slice(0, 3), 10);
    if (done.has(version)) continue;
    const sql = await readFile(new URL(file, MIGRATIONS), 'utf8');
    await db.transaction(async (tx) => {
      // Two instances migrating at once: the primary key makes the second one fail and roll back.
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      for (const statement of splitStatements(sql)) await tx.query(statement);
    });
    applied.push(version);
  }
  return applied;
}

/** Splits a migration script into statements (scripts contain no `;` inside literals or bodies). */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
