import { readdir, readFile } from 'node:fs/promises';
import type { Database } from './database.ts';

const MIGRATIONS = new URL('./migrations/', import.meta.url);

/**
 * Brings the schema up to date by applying, in order and each in its own transaction,
 * the `NNN_name.sql` files not yet recorded in `schema_migrations`. Returns the versions applied.
 */
export async function migrate(db: Database): Promise<number[]> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const done = new Set(
    (await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
  );
  const files = (await readdir(MIGRATIONS)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
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
