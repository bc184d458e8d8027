// Private keys at rest in the embedded store: wrapped under the data directory's KEK, never
// PKCS#8 in the database, bound to their row, migrated from plaintext, rotated by re-wrapping.
// Most cases work on one raw connection to the database of a copied directory.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDataDir, PLATFORM_CA, TOKEN_SERVICE_TLS } from '../../src/admin/init.ts';
import { rewrapAllKeys } from '../../src/admin/rewrap.ts';
import { CertboundError } from '../../src/core/certbound-error.ts';
import { KeyEncryptionKey, wrappedKekId } from '../../src/core/key-wrap.ts';
import type { Queryable } from '../../src/storage/database.ts';
import { embeddedKekPath } from '../../src/storage/kek-file.ts';
import { embeddedDatabasePath, openStore } from '../../src/storage/open.ts';
import { openSqlite } from '../../src/storage/sqlite/database.ts';
import { SqlStore } from '../../src/storage/sql-store.ts';
import type { Store } from '../../src/storage/store.ts';
import { sealStoredKeys } from '../../src/storage/wrapped-keys.ts';

const root = await mkdtemp(join(tmpdir(), 'certbound-keys-'));
after(() => rm(root, { recursive: true, force: true }));

/** One stored private key, straight from the database. */
interface RawKey {
  readonly table: string;
  readonly id: string;
  readonly key: Buffer;
}
const TABLES = [['certificate_authorities', 'id'], ['tls_credentials', 'name'], ['signing_keys', 'kid']] as const;

async function rawKeys(db: Queryable): Promise<RawKey[]> {
  const out: RawKey[] = [];
  for (const [table, column] of TABLES) {
    const { rows } = await db.query<{ id: string; key: Uint8Array }>(`SELECT ${column} AS id, key_pkcs8 AS key FROM ${table} WHERE key_pkcs8 IS NOT NULL ORDER BY 1`);
    out.push(...rows.map((r) => ({ table, id: r.id, key: Buffer.from(r.key) })));
  }
  return out;
}

async function setRawKeys(db: Queryable, changes: readonly RawKey[]): Promise<void> {
  for (const c of changes) {
    const column = TABLES.find(([t]) => t === c.table)![1];
    await db.query(`UPDATE ${c.table} SET key_pkcs8 = $2 WHERE ${column} = $1`, [c.id, c.key]);
  }
}

/** Runs `fn` on a raw connection to the embedded database of `dir`. */
async function withRaw<T>(dir: string, fn: (db: Awaited<ReturnType<typeof openSqlite>>) => Promise<T>): Promise<T> {
  const db = await openSqlite(embeddedDatabasePath(dir));
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The plaintext PKCS#8 keys a store hands out, by table/id. */
async function storedKeys(store: Store): Promise<Map<string, Buffer>> {
  const keys = new Map<string, Buffer>();
  for (const ca of await store.listAuthorities()) if (ca.keyPkcs8) keys.set(`certificate_authorities/${ca.id}`, Buffer.from(ca.keyPkcs8));
  keys.set(`tls_credentials/${TOKEN_SERVICE_TLS}`, Buffer.from((await store.getTlsCredential(TOKEN_SERVICE_TLS))!.keyPkcs8));
  for (const k of await store.listSigningKeys()) keys.set(`signing_keys/${k.kid}`, Buffer.from(k.keyPkcs8));
  return keys;
}

function isPkcs8(key: Buffer): boolean {
  try {
    createPrivateKey({ key, format: 'der', type: 'pkcs8' });
    return true;
  } catch {
    return false;
  }
}

const code = (expected: string) => (err: unknown) => {
  assert.ok(err instanceof CertboundError, String(err));
  assert.equal(err.code, expected, err.message);
  assert.ok(!/BEGIN|PRIVATE KEY/.test(err.message), err.message);
  return true;
};

const readKek = async (dir: string) => KeyEncryptionKey.fromBase64(await readFile(embeddedKekPath(dir), 'utf8'), 'kek');

describe('private keys at rest (embedded store)', () => {
  let dir: string;
  let plaintext: Map<string, Buffer>;
  let kek: KeyEncryptionKey;

  /** A copy of the initialised data directory, to change freely. */
  async function copy(name: string): Promise<string> {
    const to = join(root, name);
    await cp(dir, to, { recursive: true });
    return to;
  }

  before(async () => {
    dir = join(root, 'data');
    const store = await openStore(dir);
    try {
      await initDataDir(store, dir);
      plaintext = await storedKeys(store);
    } finally {
      await store.close();
    }
    kek = await readKek(dir);
  });

  test('a key row read straight from the database is not a PKCS#8 key: no PEM, not parseable by createPrivateKey', async () => {
    const raw = await withRaw(dir, rawKeys);
    assert.deepEqual(raw.map((r) => `${r.table}/${r.id}`).sort(), [...plaintext.keys()].sort(), 'the CA, TLS and signing keys are all covered');
    for (const r of raw) {
      assert.ok(!r.key.toString('latin1').includes('-----BEGIN PRIVATE KEY'), r.id);
      assert.equal(isPkcs8(r.key), false, `${r.table}/${r.id} parses as PKCS#8`);
      assert.ok(!r.key.includes(plaintext.get(`${r.table}/${r.id}`)!), 'the plaintext key is not inside the row');
      assert.equal(wrappedKekId(r.key), kek.id, 'wrapped under the kek file');
    }
    for (const key of plaintext.values()) assert.ok(isPkcs8(key), 'the store still hands out PKCS#8');
  });

  test('the embedded kek file is created beside the database with mode 0600, in a 0700 data directory; no database file is open to others', async () => {
    assert.equal((await stat(embeddedKekPath(dir))).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    const loose: string[] = [];
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      if ((await stat(path)).mode & 0o077) loose.push(path);
    }
    // This process's umask is not certbound's (the CLI sets 077): the PEM files follow it here.
    assert.deepEqual(loose.filter((p) => !/\.pem$/.test(p)), [], 'database files (SQLite and its WAL) are private whatever the umask');
  });

  test('the wrong KEK is refused at open with ERR_CERTBOUND_KEK_MISMATCH and no key material in the message', async () => {
    const { kek: wrong } = KeyEncryptionKey.generate();
    await assert.rejects(openStore(dir, { kek: wrong }), (err: unknown) => code('ERR_CERTBOUND_KEK_MISMATCH')(err) && (err as Error).message.includes(kek.id));
  });

  test('AAD: swapping two wrapped keys between rows makes them fail to unwrap (ERR_CERTBOUND_KEY_UNWRAP)', async () => {
    await withRaw(await copy('swapped'), async (db) => {
      const raw = await rawKeys(db);
      const platform = raw.find((r) => r.id === PLATFORM_CA)!;
      const tls = raw.find((r) => r.table === 'tls_credentials')!;
      const signing = raw.find((r) => r.table === 'signing_keys')!;
      // The platform CA's key and the TLS key trade rows; a signing key row gets the CA's key.
      await setRawKeys(db, [{ ...platform, key: tls.key }, { ...tls, key: platform.key }, { ...signing, key: platform.key }]);
      assert.equal(await sealStoredKeys(db, kek, 'test'), 0, 'every row is still under this KEK');
      const store = new SqlStore(db, kek);
      await assert.rejects(store.getAuthority(PLATFORM_CA), code('ERR_CERTBOUND_KEY_UNWRAP'));
      await assert.rejects(store.getTlsCredential(TOKEN_SERVICE_TLS), code('ERR_CERTBOUND_KEY_UNWRAP'));
      await assert.rejects(store.listSigningKeys(), code('ERR_CERTBOUND_KEY_UNWRAP'));
    });
  });

  test('a data directory from before keys were wrapped is sealed in place on first open, under a new kek file (0600)', async () => {
    const old = await copy('plaintext');
    await rm(embeddedKekPath(old));
    await withRaw(old, (db) => setRawKeys(db, [...plaintext].map(([where, key]) => ({ table: where.split('/')[0]!, id: where.slice(where.indexOf('/') + 1), key }))));
    const store = await openStore(old);
    try {
      assert.deepEqual(await storedKeys(store), plaintext, 'the same keys come out');
    } finally {
      await store.close();
    }
    assert.equal((await stat(embeddedKekPath(old))).mode & 0o777, 0o600);
    const created = await readKek(old);
    assert.notEqual(created.id, kek.id);
    for (const r of await withRaw(old, rawKeys)) {
      assert.equal(isPkcs8(r.key), false, r.id);
      assert.equal(wrappedKekId(r.key), created.id, r.id);
    }
  });

  test('a key planted in the clear beside wrapped keys is refused (ERR_CERTBOUND_KEY_UNWRAP), never sealed or used', async () => {
    const planted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' });
    await withRaw(await copy('planted'), async (db) => {
      const signing = (await rawKeys(db)).find((r) => r.table === 'signing_keys')!;
      await setRawKeys(db, [{ ...signing, key: planted }]);
      await assert.rejects(sealStoredKeys(db, kek, 'test'), (err: unknown) => code('ERR_CERTBOUND_KEY_UNWRAP')(err) && /in the clear/.test((err as Error).message));
      await assert.rejects(new SqlStore(db, kek).listSigningKeys(), code('ERR_CERTBOUND_KEY_UNWRAP'));
      await assert.rejects(new SqlStore(db, kek).rewrapKeys(KeyEncryptionKey.generate().kek), code('ERR_CERTBOUND_KEY_UNWRAP'));
      assert.deepEqual((await rawKeys(db)).find((r) => r.table === 'signing_keys')!.key, planted, 'left as it was');
    });
  });

  test('a missing kek file for wrapped keys is ERR_CERTBOUND_KEK_REQUIRED, never a new KEK', async () => {
    const lost = await copy('lost-kek');
    await rm(embeddedKekPath(lost));
    await assert.rejects(openStore(lost), (err: unknown) => code('ERR_CERTBOUND_KEK_REQUIRED')(err) && /restore/.test((err as Error).message));
    await assert.rejects(stat(embeddedKekPath(lost)), { code: 'ENOENT' });
  });

  test('rewrap: every key moves to the new KEK in one audited transaction; then the old KEK fails and the new one works', async () => {
    const { kek: next } = KeyEncryptionKey.generate();
    await withRaw(await copy('rotated'), async (db) => {
      const store = new SqlStore(db, kek);
      assert.equal(await rewrapAllKeys(store, next), plaintext.size);
      const audit = (await store.queryAudit({})).filter((e) => e.event === 'admin.rewrapKeys');
      assert.deepEqual(audit.map((e) => [e.outcome, e.actor, e.detail]), [['success', 'local', { keys: plaintext.size, kek: next.id }]]);
      for (const r of await rawKeys(db)) assert.equal(wrappedKekId(r.key), next.id, r.id);
      await assert.rejects(sealStoredKeys(db, kek, 'test'), code('ERR_CERTBOUND_KEK_MISMATCH'), 'the old KEK no longer opens it');
      await assert.rejects(new SqlStore(db, kek).listSigningKeys(), code('ERR_CERTBOUND_KEK_MISMATCH'));
      assert.deepEqual(await storedKeys(new SqlStore(db, next)), plaintext, 'the new KEK does');
    });
  });

  test('rewrap is all or nothing: a key that fails to unwrap part-way leaves every key as it was, and is audited as denied', async () => {
    const { kek: next } = KeyEncryptionKey.generate();
    await withRaw(await copy('partly-bad'), async (db) => {
      const raw = await rawKeys(db);
      const platform = raw.find((r) => r.id === PLATFORM_CA)!;
      const signing = raw.find((r) => r.table === 'signing_keys')!;
      // The signing keys come last: the CA and TLS rows are re-wrapped before the failure.
      await setRawKeys(db, [{ ...signing, key: platform.key }]);
      const store = new SqlStore(db, kek);
      await assert.rejects(rewrapAllKeys(store, next), code('ERR_CERTBOUND_KEY_UNWRAP'));
      const events = (await store.queryAudit({})).filter((e) => e.event === 'admin.rewrapKeys');
      assert.deepEqual(events.map((e) => [e.outcome, e.reason]), [['denied', 'ERR_CERTBOUND_KEY_UNWRAP']]);
      assert.deepEqual(await rawKeys(db), raw.map((r) => (r === signing ? { ...r, key: platform.key } : r)));
    });
  });
});
