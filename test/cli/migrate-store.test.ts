// `certbound migrate-store`: a data directory of an earlier version (an embedded PostgreSQL,
// PGlite, in <dir>/db) is refused with the command to run, and that command copies all of it
// into SQLite, keys still wrapped under the same KEK. PGlite is an optional dependency; it is
// installed in this repository, so this runs end to end.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDataDir } from '../../src/admin/init.ts';
import { CertboundError } from '../../src/core/certbound-error.ts';
import { wrappedKekId } from '../../src/core/key-wrap.ts';
import { embeddedKek } from '../../src/storage/kek-file.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { embeddedDatabasePath, legacyDatabasePath, openStore } from '../../src/storage/open.ts';
import { openPglite } from '../../src/storage/pglite/database.ts';
import { SqlStore } from '../../src/storage/sql-store.ts';
import { openSqlite } from '../../src/storage/sqlite/database.ts';
import type { Store } from '../../src/storage/store.ts';
import { certbound, hasStackTrace } from './run.ts';

const root = await mkdtemp(join(tmpdir(), 'certbound-migrate-store-'));
after(() => rm(root, { recursive: true, force: true }));
const dir = join(root, 'data');

/** Everything a store holds that a migration must keep, keys in the clear (as the store hands them out). */
async function snapshot(store: Store): Promise<unknown> {
  return {
    authorities: await store.listAuthorities(),
    tls: await store.getTlsCredential('token-service'),
    signing: await store.listSigningKeys(),
    partners: await store.listPartners(),
    resources: await store.listResources(),
    grants: await store.listGrants(),
    clients: await store.listClients(),
    cutoffs: await store.listTokenCutoffs(),
    audit: await store.queryAudit({}),
    setting: await store.getSetting('issuer'),
  };
}

let before_: unknown;

before(async () => {
  // A data directory as certbound wrote it before SQLite: PGlite in <dir>/db, keys wrapped under <dir>/kek.
  await mkdir(dir, { mode: 0o700 });
  const db = await openPglite(legacyDatabasePath(dir));
  await migrate(db);
  const store = new SqlStore(db, await embeddedKek(dir, db));
  try {
    await initDataDir(store, dir);
    await store.addPartner('acme');
    await store.addResource({ uri: 'https://api.example', partnerId: null, scopes: ['read', 'write'] });
    await store.putGrant({ resourceUri: 'https://api.example', partnerId: 'acme', clientId: null, scopes: ['read'] });
    await store.addClient({
      id: 'acme-billing', partnerId: 'acme', authMethod: 'tls_client_auth', subject: { kind: 'san_dns', value: 'billing.acme.example' },
      secretHash: null, scopes: ['read'], resources: ['https://api.example'], introspects: [], tokenTtl: 300, boundTokens: true,
    });
    await store.setTokenCutoff({ subjectKind: 'partner', subjectId: 'acme', cutoff: new Date('2026-01-02T03:04:05.678Z') });
    await store.appendAudit([
      { at: new Date('2026-01-02T03:04:05.678Z'), event: 'admin.addPartner', outcome: 'success', actor: 'local', partnerId: 'acme', detail: { n: 1, list: ['a'] } },
      { at: new Date('2026-01-02T03:04:06.000Z'), event: 'token.denied', outcome: 'denied', reason: 'invalid_client' },
    ]);
    await store.setSetting('issuer', 'https://issuer.example');
    before_ = await snapshot(store);
  } finally {
    await store.close();
  }
});

describe('certbound migrate-store', () => {
  test('a data directory holding a PGlite store is refused by openStore, init, serve and partner list, naming migrate-store', async () => {
    await assert.rejects(openStore(dir), (err: unknown) => {
      assert.ok(err instanceof CertboundError);
      assert.equal(err.code, 'ERR_CERTBOUND_LEGACY_STORE');
      assert.match(err.message, new RegExp(`certbound migrate-store --dir ${dir}`));
      return true;
    });
    for (const args of [['init'], ['partner', 'list'], ['serve', '--port', '0']]) {
      const r = await certbound([...args, '--dir', dir], { cwd: root });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /certbound migrate-store --dir/);
      assert.ok(!hasStackTrace(r.stderr), r.stderr);
    }
    assert.equal(existsSync(embeddedDatabasePath(dir)), false, 'no empty SQLite store was created beside it');
  });

  test('--help describes the command', async () => {
    const r = await certbound(['migrate-store', '--help'], { cwd: root });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: certbound migrate-store/);
    assert.match(r.stdout, /@electric-sql\/pglite/);
  });

  test('copies every row into SQLite with the keys still wrapped under the same KEK, and moves the old store aside', async () => {
    const r = await certbound(['migrate-store', '--dir', dir, '--json'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { rows: Record<string, number>; partners: number; legacy_moved_to: string };
    assert.equal(out.partners, 1);
    assert.equal(out.rows['audit_events'], 2);
    assert.equal(existsSync(legacyDatabasePath(dir)), false);
    assert.ok(existsSync(out.legacy_moved_to));
    assert.ok((await readdir(dir)).includes('certbound.db'));

    const raw = await openSqlite(embeddedDatabasePath(dir));
    try {
      const { rows } = await raw.query<{ key: Uint8Array }>('SELECT key_pkcs8 AS key FROM signing_keys');
      assert.ok(rows.length > 0);
      for (const row of rows) assert.notEqual(wrappedKekId(row.key), null, 'still wrapped, as copied');
    } finally {
      await raw.close();
    }
    const store = await openStore(dir);
    try {
      assert.deepEqual(await snapshot(store), before_);
    } finally {
      await store.close();
    }
    const list = await certbound(['partner', 'list', '--dir', dir], { cwd: root });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /acme/);
  });

  test('a second run finds nothing to migrate and changes nothing', async () => {
    const r = await certbound(['migrate-store', '--dir', dir], { cwd: root });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no store of an earlier certbound version/);
  });
});
