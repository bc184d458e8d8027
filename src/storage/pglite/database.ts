import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, SqlValue } from '../database.ts';

function wrap(q: Pick<PGlite, 'query'>): Queryable {
  return {
    async query<Row>(sql: string, params: readonly SqlValue[] = []) {
      const result = await q.query<Row>(sql, params as unknown[]);
      return { rows: result.rows };
    },
  };
}

/** Opens (creating if needed) an embedded PostgreSQL database in `dataDir`. */
export async function openPglite(dataDir: string): Promise<Database> {
  const pg = await PGlite.create({ dataDir });
  const q = wrap(pg);
  return {
    query: q.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    close: () => pg.close(),
  };
}
