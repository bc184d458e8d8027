import { PGlite } from '@electric-sql/pglite';
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Queryable, SqlValue } from '../database.ts';

function wrap(q: Pick<PGlite, 'query'>): Queryable {
  return {
    async query<Row>(sql: string, params: readonly SqlValue[] = []) {
      const result = await q.query<Row>(sql, params as unknown[]);
      return { rows: result.rows };
    },
  };
}

/**
 * Takes group and others' access away from every file and directory under `dir`. PGlite sets
 * mode 0666 on the files it creates whatever the umask; the data directory (0700) already
 * keeps others out, and this keeps the files themselves private too.
 */
function tightenModes(dir: string): void {
  // Synchronous: a thousand small stats run several times faster this way, nothing else can
  // touch the files mid-walk, and it runs only when the database opens and closes.
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

/** Opens (creating if needed) an embedded PostgreSQL database in `dataDir`; its files are its owner's alone. */
export async function openPglite(dataDir: string): Promise<Database> {
  const pg = await PGlite.create({ dataDir });
  tightenModes(dataDir);
  const q = wrap(pg);
  return {
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
