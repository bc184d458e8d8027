// The private-key columns of the schema, and the whole-store operations on them: sealing
// keys a data directory stored before keys were wrapped, and re-wrapping under a new KEK.
// Backend independent: plain SQL on a Queryable, the KEK logic in core/key-wrap.ts.
import { KeyUnwrapError, wrappedKekId, type KeyEncryptionKey, type KeyPurpose } from '../core/key-wrap.ts';
import type { Database, Queryable } from './database.ts';

/** A table holding private keys in `key_pkcs8`, the column that names the row, and the keys' purpose. */
interface KeyTable {
  readonly table: string;
  readonly idColumn: string;
  readonly purpose: KeyPurpose;
}

/** Every place the store keeps a private key. */
export const KEY_TABLES: readonly KeyTable[] = [
  { table: 'certificate_authorities', idColumn: 'id', purpose: 'ca' },
  { table: 'tls_credentials', idColumn: 'name', purpose: 'tls' },
  { table: 'signing_keys', idColumn: 'kid', purpose: 'signing' },
];

/** One stored private key. */
interface KeyRow {
  readonly table: KeyTable;
  readonly id: string;
  readonly key: Uint8Array;
}

async function keyRows(q: Queryable): Promise<KeyRow[]> {
  const rows: KeyRow[] = [];
  for (const table of KEY_TABLES) {
    const result = await q.query<{ id: string; key: Uint8Array }>(
      `SELECT ${table.idColumn} AS id, key_pkcs8 AS key FROM ${table.table} WHERE key_pkcs8 IS NOT NULL ORDER BY ${table.idColumn}`,
    );
    for (const r of result.rows) rows.push({ table, id: r.id, key: r.key });
  }
  return rows;
}

async function replaceKey(q: Queryable, row: KeyRow, key: Uint8Array): Promise<number> {
  // Compare-and-set: an instance that sealed or rewrapped the row meanwhile wins, nothing is wrapped twice.
  const { rows } = await q.query(
    `UPDATE ${row.table.table} SET key_pkcs8 = $2 WHERE ${row.table.idColumn} = $1 AND key_pkcs8 = $3 RETURNING ${row.table.idColumn}`,
    [row.id, key, row.key],
  );
  return rows.length;
}

/** The ids of the KEKs the store's wrapped keys were wrapped under (empty for a new store). */
export async function storedKekIds(q: Queryable): Promise<Set<string>> {
  return new Set((await keyRows(q)).map((r) => wrappedKekId(r.key)).filter((id) => id !== null));
}

function mismatch(found: string, kek: KeyEncryptionKey, where: string): KeyUnwrapError {
  return new KeyUnwrapError(
    'ERR_CERTBOUND_KEK_MISMATCH',
    `the stored private keys were wrapped under KEK ${found}, not under the KEK given (${kek.id}, ${where}): ` +
      'give the KEK this database was written with (--kek-file FILE or CERTBOUND_KEK)',
  );
}

/**
 * Checks that every wrapped key of the store is under `kek` (ERR_CERTBOUND_KEK_MISMATCH
 * otherwise) and, for a store from before keys were wrapped — every key in the clear — wraps
 * them all in one transaction. A key in the clear beside wrapped ones was not written by
 * certbound (someone with write access to the database planting a key): it is refused, never
 * sealed. `where` says where the KEK came from, for the error. Returns how many keys it sealed.
 */
export async function sealStoredKeys(db: Database, kek: KeyEncryptionKey, where: string): Promise<number> {
  const rows = await keyRows(db);
  const plaintext = rows.filter((row) => wrappedKekId(row.key) === null);
  for (const row of rows) {
    const id = wrappedKekId(row.key);
    if (id !== null && id !== kek.id) throw mismatch(id, kek, where);
  }
  if (plaintext.length === 0) return 0;
  const planted = plaintext.length < rows.length ? plaintext[0] : undefined;
  if (planted) {
    throw new KeyUnwrapError(
      'ERR_CERTBOUND_KEY_UNWRAP',
      `the stored private key of ${planted.table.purpose} '${planted.id}' is in the clear among wrapped keys, which certbound never writes: ` +
        'remove that row or restore the database from a backup',
    );
  }
  const sealed = await db.transaction(async (tx) => {
    let count = 0;
    for (const row of plaintext) count += await replaceKey(tx, row, kek.wrap(row.key, { purpose: row.table.purpose, id: row.id }));
    return count;
  });
  // Another instance sealed some first: they must be under this KEK too.
  if (sealed < plaintext.length) {
    for (const id of await storedKekIds(db)) if (id !== kek.id) throw mismatch(id, kek, where);
  }
  return sealed;
}

/**
 * Re-wraps every stored private key from `current` to `next` on `q`, which the caller runs in
 * one transaction. Fails (changing nothing, once rolled back) if any key does not unwrap under
 * `current`. Returns how many keys it re-wrapped.
 */
export async function rewrapStoredKeys(q: Queryable, current: KeyEncryptionKey, next: KeyEncryptionKey): Promise<number> {
  let count = 0;
  for (const row of await keyRows(q)) {
    const slot = { purpose: row.table.purpose, id: row.id };
    // A key in the clear fails here too: only keys certbound wrapped move to the new KEK.
    count += await replaceKey(q, row, next.wrap(current.unwrap(row.key, slot), slot));
  }
  // A key written meanwhile under the old KEK (an instance still running) would be lost to the new one.
  for (const id of await storedKekIds(q)) {
    if (id !== next.id) {
      throw new KeyUnwrapError('ERR_CERTBOUND_KEK_MISMATCH', `a private key was written under KEK ${id} while re-wrapping: stop every certbound instance on this database, then run it again`);
    }
  }
  return count;
}
