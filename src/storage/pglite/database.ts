import { PGlite } from '@electric-sql/pglite';
import { chmod, readdir, stat } from 'node:fs/promises';
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
async function tightenModes(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & 0o077) !== 0) await chmod(path, mode & 0o700);
  }
}

/** Opens (creating if needed) an embedded PostgreSQL database in `dataDir`; its files are its owner's alone. */
export async function openPglite(dataDir: string): Promise<Database> {
  const pg = await PGlite.create({ dataDir });
  await tightenModes(dataDir);
  const q = wrap(pg);
  return {
    query: q.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    close: async () => {
      await pg.close();
      await tightenModes(dataDir);
    },
  };
}
