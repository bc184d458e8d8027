import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite/database.ts';
import { openPostgres } from './postgres/database.ts';
import { migrateWithLock } from './postgres/migration-lock.ts';
import { isPostgresUrl } from './postgres/url.ts';
import { SqlStore } from './sql-store.ts';
import type { Store } from './store.ts';

export { redactDatabaseUrl } from './postgres/url.ts';

/** Where the store lives when it is not in the data directory. */
export interface OpenStoreOptions {
  /** A PostgreSQL server (`postgres://` or `postgresql://` URL) to use instead of the embedded database. */
  readonly databaseUrl?: string;
}

/** Where the embedded database lives inside a data directory. */
export function embeddedDatabasePath(dir: string): string {
  return join(dir, 'db');
}

/**
 * Opens the store of a data directory — the embedded PostgreSQL (PGlite) in `<dir>/db`, or
 * the PostgreSQL server of `options.databaseUrl` (then `dir` is not touched) — and brings its
 * schema up to date. On a server, instances starting together migrate one at a time.
 */
export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<Store> {
  const { databaseUrl } = options;
  if (databaseUrl !== undefined) {
    if (!isPostgresUrl(databaseUrl)) {
      // Not echoed: whatever it is, it may carry a password.
      throw Object.assign(new TypeError('databaseUrl must be a postgres:// or postgresql:// URL'), { code: 'ERR_INVALID_ARG_VALUE' });
    }
    const db = await openPostgres(databaseUrl);
    try {
      await migrateWithLock(db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return new SqlStore(db);
  }
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
