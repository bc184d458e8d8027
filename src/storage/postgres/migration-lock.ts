import { migrate } from '../migrate.ts';
import type { PostgresDatabase } from './database.ts';

/** The advisory lock key (two int4: 'cert', 'migr') that certbound instances migrate under. */
const MIGRATION_LOCK = [0x63657274, 0x6d696772] as const;

/**
 * Brings the schema up to date while holding a session advisory lock, so that instances
 * starting together on one server migrate one after the other: the first applies the
 * migrations, the others wait, then find nothing left to do. Returns the versions applied.
 */
export async function migrateWithLock(db: PostgresDatabase): Promise<number[]> {
  return db.withConnection(async (connection) => {
    await connection.query('SELECT pg_advisory_lock($1, $2)', MIGRATION_LOCK);
    const applied = await migrate(connection);
    // On failure withConnection closes the connection instead, which releases the lock.
    await connection.query('SELECT pg_advisory_unlock($1, $2)', MIGRATION_LOCK);
    return applied;
  });
}
