import { migrateLegacyStore } from '../storage/migrate-store.ts';
import { assertNotServing } from '../storage/lock.ts';
import { parse, UsageError, useDataDir, withStore, type Command } from './context.ts';
import { MIGRATE_STORE_USAGE } from './usage/migrate-store.ts';

/** `certbound migrate-store`: copies a data directory's store from PGlite (earlier versions) into SQLite. */
export const migrateStore: Command = {
  usage: MIGRATE_STORE_USAGE,
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
