// The PostgreSQL server backend, against a real server: CI's (CERTBOUND_TEST_DATABASE_URL) or
// a throwaway cluster started for this file (see helpers/postgres.ts). Each test uses its own
// new database, so a run never collides with an earlier one on the same server.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CertboundError } from '../../src/core/certbound-error.ts';
import { KeyEncryptionKey, wrappedKekId } from '../../src/core/key-wrap.ts';
import { migrate, migrationFiles as postgresMigrationFiles } from '../../src/storage/migrate.ts';
import { openStore, redactDatabaseUrl } from '../../src/storage/open.ts';
import { openPostgres } from '../../src/storage/postgres/database.ts';
import { migrateWithLock } from '../../src/storage/postgres/migration-lock.ts';
import { openSqlite } from '../../src/storage/sqlite/database.ts';
import { SQLITE_COLUMN_TYPES } from '../../src/storage/sqlite/values.ts';
import { freePort, startTestPostgres } from '../helpers/postgres.ts';
import { storeContract } from './contract.ts';

// Without a server this throws, and the file fails (never skips) with the reason on stderr.
const server = await startTestPostgres();
after(() => server.stop());

/** The key-encryption key the stores of this file are opened with: a server store needs one. */
const { kek } = KeyEncryptionKey.generate();

/** A data directory path that must stay untouched: with a database URL the store lives on the server. */
const unusedDir = join(tmpdir(), `certbound-unused-${randomBytes(6).toString('hex')}`);

/** Runs the migrations (under the advisory lock) on the database at `url` and closes it. */
async function migrateOnce(url: string): Promise<number[]> {
  const db = await openPostgres(url);
  try {
    return await migrateWithLock(db);
  } finally {
    await db.close();
  }
}

async function migrationFiles(): Promise<number[]> {
  return (await postgresMigrationFiles('postgres')).map((f) => Number(f.slice(0, 3)));
}

describe('PostgreSQL server migrations', () => {
  test('a new database gets every migration file, in order; a second run applies nothing', async (t) => {
    t.diagnostic(`server: ${server.origin}`);
    const url = await server.createDatabase();
    const versions = await migrationFiles();
    assert.ok(versions.length > 0);
    assert.deepEqual(await migrateOnce(url), versions);
    assert.deepEqual(await migrateOnce(url), []);
  });

  test('instances opening a new database at the same time all succeed: the advisory lock makes them migrate in turn', async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(unusedDir, { databaseUrl: url, kek })));
    try {
      const partner = `p-${randomBytes(4).toString('hex')}`;
      await stores[0]!.addPartner(partner);
      for (const store of stores) assert.equal((await store.getPartner(partner))?.id, partner);
      const db = await openPostgres(url);
      try {
        const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(rows.map((r) => r.version), await migrationFiles());
      } finally {
        await db.close();
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    assert.equal(existsSync(unusedDir), false, 'the data directory is not created for a server store');
  });
});

describe('one migration history on both dialects', () => {
  test('PostgreSQL and SQLite have the same migration versions and end with the same tables and columns', async () => {
    const versions = (dialect: 'postgres' | 'sqlite') => postgresMigrationFiles(dialect).then((fs) => fs.map((f) => Number(f.slice(0, 3))));
    assert.deepEqual(await versions('sqlite'), await versions('postgres'));

    const pg = await openPostgres(await server.createDatabase());
    const dir = await mkdtemp(join(tmpdir(), 'certbound-parity-'));
    const lite = await openSqlite(join(dir, 'certbound.db'));
    try {
      await migrateWithLock(pg);
      await migrate(lite);
      const pgColumns = (
        await pg.query<{ table_name: string; column_name: string; data_type: string }>(
          `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()`,
        )
      ).rows;
      const tables = (await lite.query<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).rows;
      const liteColumns: { table_name: string; column_name: string; data_type: string }[] = [];
      for (const { name } of tables) {
        const info = await lite.query<{ name: string; type: string }>(`SELECT name, type FROM pragma_table_info('${name}')`);
        liteColumns.push(...info.rows.map((c) => ({ table_name: name, column_name: c.name, data_type: c.type })));
      }
      const names = (cs: readonly { table_name: string; column_name: string }[]) => cs.map((c) => `${c.table_name}.${c.column_name}`).sort();
      assert.deepEqual(names(liteColumns), names(pgColumns));

      // Rows come back typed from SQLite by column name: every PostgreSQL column of a mapped type is listed, and only those.
      const mapped: Record<string, ReadonlySet<string>> = {
        'timestamp with time zone': SQLITE_COLUMN_TYPES.timestamptz,
        boolean: SQLITE_COLUMN_TYPES.boolean,
        ARRAY: SQLITE_COLUMN_TYPES['text[]'],
        jsonb: SQLITE_COLUMN_TYPES.jsonb,
      };
      for (const c of pgColumns) {
        for (const [type, columns] of Object.entries(mapped)) {
          assert.equal(columns.has(c.column_name), c.data_type === type, `${c.table_name}.${c.column_name} (${c.data_type}) and the SQLite ${type} columns`);
        }
        const lite = liteColumns.find((l) => l.table_name === c.table_name && l.column_name === c.column_name)!;
        if (c.data_type === 'bytea') assert.equal(lite.data_type.toLowerCase(), 'blob', `${c.table_name}.${c.column_name}`);
      }
    } finally {
      await pg.close();
      await lite.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL server values', () => {
  test('come back as the store expects them: int8 a number (a bigint beyond 2^53), text[] an array, bytea bytes, timestamptz a Date', async () => {
    const db = await openPostgres(await server.createDatabase());
    try {
      const [row] = (
        await db.query<Record<string, unknown>>(
          `SELECT count(*) AS count, 42::int8 AS small, 9007199254740993::int8 AS big, '{1,NULL,-3}'::int8[] AS int8s,
                  $1::text[] AS texts, '{}'::text[] AS empty, $2::bytea AS bytes, $3::timestamptz AS at, 7::int4 AS int4,
                  true AS flag, 1.5::numeric AS numeric`,
          [['a,b', 'NULL', 'q"uote'], new Uint8Array([0, 1, 0xff]), new Date('2031-02-03T04:05:06.789Z')],
        )
      ).rows;
      assert.ok(row);
      assert.equal(row['count'], 1);
      assert.equal(row['small'], 42);
      assert.equal(row['big'], 9007199254740993n);
      assert.deepEqual(row['int8s'], [1, null, -3]);
      assert.deepEqual(row['texts'], ['a,b', 'NULL', 'q"uote']);
      assert.deepEqual(row['empty'], []);
      assert.ok(row['bytes'] instanceof Uint8Array);
      assert.deepEqual(Buffer.from(row['bytes']), Buffer.from([0, 1, 0xff]));
      assert.deepEqual(row['at'], new Date('2031-02-03T04:05:06.789Z'));
      assert.equal(row['int4'], 7);
      assert.equal(row['flag'], true);
      assert.equal(row['numeric'], '1.5');
    } finally {
      await db.close();
    }
  });

  test('closing twice is harmless', async () => {
    const db = await openPostgres(await server.createDatabase());
    await db.close();
    await db.close();
  });
});

describe('PostgreSQL server connection errors', () => {
  /** Asserts `err` is the unavailable-database error, naming the server without `secrets`. */
  const unavailable = (secrets: readonly string[]) => (err: unknown) => {
    assert.ok(err instanceof CertboundError, String(err));
    assert.equal(err.code, 'ERR_CERTBOUND_DATABASE_UNAVAILABLE');
    assert.match(err.message, /^cannot connect to PostgreSQL at postgres(ql)?:\/\/[^ ]*\*\*\*@/);
    for (const secret of secrets) assert.ok(!err.message.includes(secret), `the message reveals a password: ${err.message}`);
    return true;
  };

  test('a wrong password is ERR_CERTBOUND_DATABASE_UNAVAILABLE, and the message does not contain it', async () => {
    const good = new URL(await server.createDatabase());
    const bad = new URL(good);
    bad.password = `wrong-${randomBytes(8).toString('hex')}`;
    await assert.rejects(openStore(unusedDir, { databaseUrl: bad.href, kek }), (err) => {
      unavailable([bad.password, good.password].filter(Boolean))(err);
      assert.equal((err as Error & { cause?: { code?: unknown } }).cause?.code, '28P01', 'invalid_password');
      assert.match((err as Error).message, /password authentication failed/);
      return true;
    });
  });

  test('a port nobody listens on is ERR_CERTBOUND_DATABASE_UNAVAILABLE, without the password', async () => {
    const secret = `s3cret-${randomBytes(8).toString('hex')}`;
    const url = `postgresql://certbound:${secret}@127.0.0.1:${await freePort()}/certbound`;
    await assert.rejects(openStore(unusedDir, { databaseUrl: url, kek }), (err) => {
      unavailable([secret])(err);
      assert.match((err as Error).message, /ECONNREFUSED/);
      return true;
    });
  });

  test('a URL that is not postgres:// is a TypeError that does not echo it', async () => {
    for (const databaseUrl of ['mysql://u:s3cret@db/x', 'postgres://u:s3cret@[bad/x']) {
      await assert.rejects(openStore(unusedDir, { databaseUrl, kek }), (err) => {
        assert.ok(err instanceof TypeError);
        assert.equal((err as TypeError & { code?: unknown }).code, 'ERR_INVALID_ARG_VALUE');
        assert.ok(!err.message.includes('s3cret'));
        return true;
      });
    }
    assert.equal(existsSync(unusedDir), false);
  });
});

describe('PostgreSQL server: private keys at rest', () => {
  test('without a key-encryption key the store is refused (ERR_CERTBOUND_KEK_REQUIRED, naming --kek-file and CERTBOUND_KEK) before connecting', async () => {
    // A port nobody listens on: the refusal comes first, so a dump-only set-up never starts.
    const url = `postgresql://certbound:pw@127.0.0.1:${await freePort()}/certbound`;
    await assert.rejects(openStore(unusedDir, { databaseUrl: url }), (err) => {
      assert.ok(err instanceof CertboundError, String(err));
      assert.equal(err.code, 'ERR_CERTBOUND_KEK_REQUIRED');
      assert.match(err.message, /--kek-file/);
      assert.match(err.message, /CERTBOUND_KEK/);
      return true;
    });
    assert.equal(existsSync(unusedDir), false);
  });

  test('a key row read straight from the server is not PKCS#8; the wrong KEK is refused; the right one reads the key', async () => {
    const url = await server.createDatabase();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const store = await openStore(unusedDir, { databaseUrl: url, kek });
    try {
      await store.addSigningKey({ kid: 'k1', alg: 'ES256', keyPkcs8: key, active: true });
    } finally {
      await store.close();
    }
    const db = await openPostgres(url);
    try {
      const { rows } = await db.query<{ key_pkcs8: Uint8Array }>('SELECT key_pkcs8 FROM signing_keys');
      const stored = Buffer.from(rows[0]!.key_pkcs8);
      assert.ok(!stored.toString('latin1').includes('-----BEGIN PRIVATE KEY'));
      assert.throws(() => createPrivateKey({ key: stored, format: 'der', type: 'pkcs8' }));
      assert.equal(wrappedKekId(stored), kek.id);
    } finally {
      await db.close();
    }
    await assert.rejects(openStore(unusedDir, { databaseUrl: url, kek: KeyEncryptionKey.generate().kek }), (err) => {
      assert.ok(err instanceof CertboundError);
      assert.equal(err.code, 'ERR_CERTBOUND_KEK_MISMATCH');
      return true;
    });
    const again = await openStore(unusedDir, { databaseUrl: url, kek });
    try {
      assert.deepEqual(Buffer.from((await again.listSigningKeys())[0]!.keyPkcs8), Buffer.from(key));
    } finally {
      await again.close();
    }
  });
});

describe('redactDatabaseUrl', () => {
  test('replaces the password, in the userinfo or a password parameter, and keeps the rest', () => {
    assert.equal(redactDatabaseUrl('postgres://certbound:p%40ss@db.internal:5433/certbound'), 'postgres://certbound:***@db.internal:5433/certbound');
    assert.equal(
      redactDatabaseUrl('postgresql://db/certbound?user=app&password=hunter2&sslmode=require'),
      'postgresql://db/certbound?user=app&password=***&sslmode=require',
    );
    assert.equal(redactDatabaseUrl('postgres://app@db/certbound'), 'postgres://app@db/certbound');
  });

  test('does not echo a URL it cannot parse', () => {
    assert.equal(redactDatabaseUrl('postgres://u:hunter2@[oops/db'), '<unparseable database URL>');
  });
});

storeContract(
  'PostgreSQL server',
  async () => openStore(unusedDir, { databaseUrl: await contractUrl(), kek }),
  { migrateAgain: async () => migrateOnce(await contractUrl()) },
);

let contractDatabase: Promise<string> | undefined;
/** The one database the contract suite runs on. */
function contractUrl(): Promise<string> {
  contractDatabase ??= server.createDatabase();
  return contractDatabase;
}
