import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite/database.ts';
import { SqlStore } from './sql-store.ts';
import type { Store } from './store.ts';

/** Where the embedded database lives inside a data directory. */
export function embeddedDatabasePath(dir: string): string {
  return join(dir, 'db');
}

/**
 * Opens the store of a data directory — the embedded PostgreSQL (PGlite) in `<dir>/db` —
 * and brings its schema up to date.
 */
export async function openStore(dir: string): Promise<Store> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const db = await openPglite(embeddedDatabasePath(dir));
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return new SqlStore(db);
}
