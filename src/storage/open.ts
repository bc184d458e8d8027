import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CertboundError } from '../core/certbound-error.ts';
import type { KeyEncryptionKey } from '../core/key-wrap.ts';
import { DATA_DIR_MODE } from './data-dir.ts';
import type { Database } from './database.ts';
import { embeddedKek, embeddedKekPath } from './kek-file.ts';
import { migrate } from './migrate.ts';
import { isPostgresUrl } from './postgres/url.ts';
import { openSqlite } from './sqlite/database.ts';
import { SqlStore } from './sql-store.ts';
import type { Store } from './store.ts';
import { sealStoredKeys } from './wrapped-keys.ts';
import { invalidArgValue } from '../core/argument-error.ts';

export { redactDatabaseUrl } from './postgres/url.ts';

/** Where the store lives when it is not in the data directory. */
export interface OpenStoreOptions {
  /** A PostgreSQL server (`postgres://` or `postgresql://` URL) to use instead of the embedded database. */
  readonly databaseUrl?: string;
  /**
   * The key-encryption key the store's private keys are wrapped under. Required with
   * `databaseUrl`, so that a database dump alone never yields a key; for the embedded store it
   * defaults to `<dir>/kek`, created with the database.
   */
  readonly kek?: KeyEncryptionKey;
}

/** Where the embedded database (one SQLite file) lives inside a data directory. */
export function embeddedDatabasePath(dir: string): string {
  return join(dir, 'certbound.db');
}

/** Where data directories from before SQLite kept their embedded PostgreSQL (PGlite). */
export function legacyDatabasePath(dir: string): string {
  return join(dir, 'db');
}

/**
 * Refuses (ERR_CERTBOUND_LEGACY_STORE) a data directory whose store is still the embedded
 * PostgreSQL of earlier versions, naming the command that copies it into SQLite: opening a new,
 * empty store beside it would look like every partner and key had vanished.
 */
export async function assertNoLegacyStore(dir: string): Promise<void> {
  const legacy = legacyDatabasePath(dir);
  const found = await stat(legacy).then(
    (s) => s.isDirectory(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
  if (found) {
    throw new CertboundError(
      'ERR_CERTBOUND_LEGACY_STORE',
      `${legacy} holds a store in the embedded PostgreSQL (PGlite) format of earlier certbound versions, which now keep it in SQLite: ` +
        `run 'certbound migrate-store --dir ${dir}' once to copy it into ${embeddedDatabasePath(dir)}`,
    );
  }
}

/** Runs `fn` on a newly opened database, closing it if `fn` fails. */
async function closingOnError<T>(db: Database, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await db.close();
    throw err;
  }
}

/**
 * Opens the store of a data directory — the embedded SQLite database `<dir>/certbound.db`, or
 * the PostgreSQL server of `options.databaseUrl` (then `dir` is not touched) — and brings its
 * schema up to date. On a server, instances starting together migrate one at a time.
 * Checks that the store's private keys are wrapped under the KEK (ERR_CERTBOUND_KEK_MISMATCH)
 * and wraps any a data directory from before stored in the clear. A data directory still
 * holding the embedded PostgreSQL of earlier versions is refused (ERR_CERTBOUND_LEGACY_STORE).
 */
export async function openStore(dir: string, options: OpenStoreOptions = {}): Promise<Store> {
  const { databaseUrl, kek } = options;
  if (databaseUrl !== undefined) {
    if (!isPostgresUrl(databaseUrl)) {
      // Not echoed: whatever it is, it may carry a password.
      throw invalidArgValue('databaseUrl must be a postgres:// or postgresql:// URL');
    }
    // Fail closed: a KEK kept beside a shared server's data would protect nothing.
    if (kek === undefined) {
      throw new CertboundError(
        'ERR_CERTBOUND_KEK_REQUIRED',
        'a PostgreSQL store needs a key-encryption key, kept apart from the database: give --kek-file FILE or set CERTBOUND_KEK ' +
          '(32 random bytes in base64: openssl rand -base64 32)',
      );
    }
    // Loaded only for a server store: the embedded one starts without node-postgres.
    const [{ openPostgres }, { migrateWithLock }] = await Promise.all([import('./postgres/database.ts'), import('./postgres/migration-lock.ts')]);
    const db = await openPostgres(databaseUrl);
    return closingOnError(db, async () => {
      await migrateWithLock(db);
      await sealStoredKeys(db, kek, 'from --kek-file or CERTBOUND_KEK');
      return new SqlStore(db, kek);
    });
  }
  await assertNoLegacyStore(dir);
  await mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
  const db = await openSqlite(embeddedDatabasePath(dir));
  return closingOnError(db, async () => {
    await migrate(db);
    const key = kek ?? (await embeddedKek(dir, db));
    await sealStoredKeys(db, key, kek === undefined ? `from ${embeddedKekPath(dir)}` : 'from --kek-file or CERTBOUND_KEK');
    return new SqlStore(db, key);
  });
}
