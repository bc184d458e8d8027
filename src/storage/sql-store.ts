import type { KeyEncryptionKey } from '../core/key-wrap.ts';
import type { Database, Queryable } from './database.ts';
import type { Store } from './store.ts';
import { adminsOperations } from './sql/admins.ts';
import { auditOperations } from './sql/audit.ts';
import { authoritiesOperations } from './sql/authorities.ts';
import { certificatesOperations } from './sql/certificates.ts';
import { clientsOperations } from './sql/clients.ts';
import { sqlContext, type SqlContext } from './sql/context.ts';
import { keysOperations } from './sql/keys.ts';
import { partnersOperations } from './sql/partners.ts';
import { settingsOperations } from './sql/settings.ts';
import { tokensOperations } from './sql/tokens.ts';

/** Every Store operation but the transaction and close, which the class itself holds. */
type SqlOperations = Omit<Store, 'transaction' | 'close'>;

/** The operations of each concern (one file each under sql/), over one context. */
function sqlOperations(sql: SqlContext): SqlOperations {
  // Typed as the whole of them: an operation no concern provides is a compile error here.
  return {
    ...settingsOperations(sql),
    ...authoritiesOperations(sql),
    ...keysOperations(sql),
    ...partnersOperations(sql),
    ...clientsOperations(sql),
    ...certificatesOperations(sql),
    ...tokensOperations(sql),
    ...adminsOperations(sql),
    ...auditOperations(sql),
  };
}

// The class carries the operations sqlOperations returns: the constructor assigns them all, and
// sqlOperations is typed as all of them, so none can be missing.
export interface SqlStore extends SqlOperations {}

/**
 * The Store over SQL: the embedded SQLite database or a PostgreSQL server, one SQL text for
 * both except the few statements of sql-dialect.ts. Its operations live by concern under sql/.
 * Private keys are wrapped under `kek` on the way in and unwrapped on the way out (see
 * core/key-wrap.ts): the database never holds one in the clear.
 */
export class SqlStore implements Store {
  readonly #db: Database | null;
  readonly #kek: KeyEncryptionKey;

  constructor(db: Database | null, kek: KeyEncryptionKey, q: Queryable = db as Queryable) {
    this.#db = db;
    this.#kek = kek;
    Object.assign(this, sqlOperations(sqlContext(db, kek, q)));
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (!this.#db) return fn(this); // already inside one: join it
    return this.#db.transaction((tx) => fn(new SqlStore(null, this.#kek, tx)));
  }

  async close(): Promise<void> {
    await this.#db?.close();
  }
}
