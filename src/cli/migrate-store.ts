import { migrateLegacyStore } from '../storage/migrate-store.ts';
import { assertNotServing } from '../storage/lock.ts';
import { parse, UsageError, useDataDir, withStore, type Command } from './context.ts';

/** `certbound migrate-store`: copies a data directory's store from PGlite (earlier versions) into SQLite. */
export const migrateStore: Command = {
  usage: `Usage: certbound migrate-store [--dir D] [--kek-file F] [--json]

Copies the store of a data directory written by an earlier certbound — an embedded PostgreSQL
(PGlite) in D/db — into the SQLite file D/certbound.db that certbound now uses, then moves
D/db aside to D/db.pglite-migrated (remove it once you are satisfied). Everything is copied as
it is, the private keys still wrapped under the same key-encryption key; the new store is then
opened with that KEK (D/kek, or --kek-file / $CERTBOUND_KEK) to check it. All or nothing: on
failure D/db is untouched and no D/certbound.db is left. Stop certbound serve first.
Needs the optional package @electric-sql/pglite (npm install @electric-sql/pglite@^0.5.16).`,
  async run(args, io) {
    const { values, positionals } = parse(args, {});
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const target = await useDataDir(values);
    await assertNotServing(target.dir);
    const result = await migrateLegacyStore(target.dir);
    // Opening checks the keys against the KEK, as every command will from now on.
    const partners = await withStore(target, async (store) => (await store.listPartners()).length);
    if (values.json) {
      io.out(JSON.stringify({ database: result.database, legacy_moved_to: result.legacyMovedTo, rows: result.rows, partners }, null, 2));
    } else {
      const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
      io.out(`Copied ${total} rows (${partners} partners) into ${result.database}.`);
      io.out(`The old store is now ${result.legacyMovedTo}; remove it once you are satisfied.`);
    }
    return 0;
  },
};
