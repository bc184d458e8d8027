// The embedded PostgreSQL (PGlite) of earlier certbound versions, read only by
// `certbound migrate-store`. PGlite is an optional dependency, imported here on demand: nothing
// else loads it (its WASM heap costs hundreds of MB).
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CertboundError } from '../../core/certbound-error.ts';
import type { Database, Queryable, SqlValue } from '../database.ts';

/** What of PGlite this file uses. */
interface PgliteQueryable {
  query<Row>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}
interface Pglite extends PgliteQueryable {
  transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  exec(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

function wrap(q: PgliteQueryable): Queryable {
  return {
    dialect: 'postgres',
    async query<Row>(sql: string, params: readonly SqlValue[] = []) {
      const result = await q.query<Row>(sql, params as unknown[]);
      return { rows: result.rows };
    },
  };
}

/**
 * Takes group and others' access away from every file and directory under `dir`. PGlite sets
 * mode 0666 on the files it creates whatever the umask; this keeps them private.
 */
function tightenModes(dir: string): void {
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // removed once closed: nothing to protect
    throw err;
  }
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const mode = lstatSync(path).mode & 0o777;
    if (!entry.isSymbolicLink() && (mode & 0o077) !== 0) chmodSync(path, mode & 0o700);
  }
}

/** PGlite's constructor, or ERR_CERTBOUND_LEGACY_STORE saying how to install it. */
async function loadPglite(): Promise<{ create(options: { dataDir: string }): Promise<Pglite> }> {
  const name = '@electric-sql/pglite';
  try {
    const module = (await import(name)) as { PGlite: { create(options: { dataDir: string }): Promise<Pglite> } };
    return module.PGlite;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new CertboundError(
      'ERR_CERTBOUND_LEGACY_STORE',
      `reading a store of earlier certbound versions needs the optional package ${name}: install it with 'npm install ${name}@^0.5.16' and run this command again`,
    );
  }
}

/** Opens an embedded PostgreSQL (PGlite) database in `dataDir`; its files are its owner's alone. */
export async function openPglite(dataDir: string): Promise<Database> {
  const pg = await (await loadPglite()).create({ dataDir });
  tightenModes(dataDir);
  const q = wrap(pg);
  return {
    dialect: 'postgres',
    query: q.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    close: async () => {
      await pg.close();
      tightenModes(dataDir);
    },
  };
}
