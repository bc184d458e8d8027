// The Store contract: what every backend (embedded PGlite, a PostgreSQL server) must do alike.
// A backend's test file calls storeContract with a function opening its store. Ids carry a
// per-run suffix, so the suite also runs on a database that already holds data.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { NewClient, Store } from '../../src/storage/store.ts';

/** Backend hooks the contract may use beyond opening a store. */
export interface StoreContractOptions {
  /**
   * Runs the migrations once more on the backend's database while no store is open, and returns
   * the versions it applied (none are expected).
   */
  readonly migrateAgain?: () => Promise<readonly number[]>;
}

const bytes = (b: Uint8Array | null | undefined): Buffer | null => (b ? Buffer.from(b) : null);

/** Registers the Store contract suite for one backend. */
export function storeContract(name: string, open: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    const run = randomBytes(4).toString('hex');
    const id = (base: string) => `${base}-${run}`;
    const uri = (path: string) => `https://api-${run}.example/${path}`;
    let store: Store;
    let n = 0;

    before(async () => {
      store = await open();
    });
    after(() => store.close());

    /** A partner of this run, new for each call. */
    const partner = async (): Promise<string> => {
      const p = id(`p${n++}`);
      await store.addPartner(p);
      return p;
    };
    const newClient = (partnerId: string, over: Partial<NewClient> = {}): NewClient => ({
      id: id(`c${n++}`),
      partnerId,
      authMethod: 'tls_client_auth',
      subject: { kind: 'subject_dn', value: `CN=client,O=${partnerId}` },
      secretHash: null,
      scopes: [],
      resources: [],
      introspects: [],
      tokenTtl: 600,
      boundTokens: true,
      ...over,
    });

    test('settings: a missing key is null, set inserts, a second set overwrites', async () => {
      const key = id('setting');
      assert.equal(await store.getSetting(key), null);
      await store.setSetting(key, 'one');
      assert.equal(await store.getSetting(key), 'one');
      await store.setSetting(key, 'twö ✓');
      assert.equal(await store.getSetting(key), 'twö ✓');
    });

    test('partners: add returns an active partner with its creation time; get, list in id order, status changes', async () => {
      const [b, a, c] = [id('zz-b'), id('zz-a'), id('zz-c')];
      const added = await store.addPartner(b);
      assert.equal(added.id, b);
      assert.equal(added.status, 'active');
      assert.ok(added.createdAt instanceof Date && !Number.isNaN(added.createdAt.getTime()));
      await store.addPartner(a);
      await store.addPartner(c);
      assert.deepEqual(await store.getPartner(a), { id: a, status: 'active', createdAt: (await store.getPartner(a))!.createdAt });
      assert.equal(await store.getPartner(id('nobody')), null);
      const ours = (await store.listPartners()).map((p) => p.id).filter((p) => [a, b, c].includes(p));
      assert.deepEqual(ours, [a, b, c]);
      await store.setPartnerStatus(b, 'disabled');
      assert.equal((await store.getPartner(b))?.status, 'disabled');
    });

    test('partners: adding an existing id is refused', async () => {
      const p = await partner();
      await assert.rejects(store.addPartner(p));
    });

    test('certificate authorities: PEM and PKCS#8 bytes round-trip; a CA imported without its key has null', async () => {
      const p = await partner();
      const key = new Uint8Array([0, 1, 2, 0xff, 0x00, 0x80, ...randomBytes(64)]);
      await store.addAuthority({ id: id('ca-with-key'), partnerId: p, certPem: 'PEM A', fingerprint: id('fp-a'), keyPkcs8: key });
      await store.addAuthority({ id: id('ca-no-key'), partnerId: null, certPem: 'PEM B', fingerprint: id('fp-b'), keyPkcs8: null });
      const withKey = await store.getAuthority(id('ca-with-key'));
      assert.equal(withKey?.partnerId, p);
      assert.equal(withKey?.certPem, 'PEM A');
      assert.deepEqual(bytes(withKey?.keyPkcs8), Buffer.from(key));
      assert.ok(withKey?.createdAt instanceof Date);
      const noKey = await store.getAuthority(id('ca-no-key'));
      assert.equal(noKey?.keyPkcs8, null);
      assert.equal(noKey?.partnerId, null);
      assert.equal(await store.getAuthority(id('ca-none')), null);
      const listed = (await store.listAuthorities()).map((ca) => ca.id);
      assert.ok(listed.includes(id('ca-with-key')) && listed.includes(id('ca-no-key')));
    });

    test('certificate authorities: one of an unknown partner is refused', async () => {
      await assert.rejects(store.addAuthority({ id: id('ca-orphan'), partnerId: id('no-partner'), certPem: 'x', fingerprint: id('fp-x'), keyPkcs8: null }));
    });

    test('signing keys: kid, alg, key bytes and the active flag round-trip', async () => {
      const k1 = new Uint8Array(randomBytes(138));
      const k2 = new Uint8Array(randomBytes(138));
      await store.addSigningKey({ kid: id('a-kid'), alg: 'ES256', keyPkcs8: k1, active: false });
      await store.addSigningKey({ kid: id('b-kid'), alg: 'ES256', keyPkcs8: k2, active: true });
      const ours = (await store.listSigningKeys()).filter((k) => k.kid.endsWith(run));
      assert.deepEqual(ours.map((k) => [k.kid, k.alg, k.active, bytes(k.keyPkcs8)]), [
        [id('a-kid'), 'ES256', false, Buffer.from(k1)],
        [id('b-kid'), 'ES256', true, Buffer.from(k2)],
      ]);
      assert.ok(ours.every((k) => k.createdAt instanceof Date));
      await assert.rejects(store.addSigningKey({ kid: id('a-kid'), alg: 'ES256', keyPkcs8: k1, active: true }), 'a kid is unique');
    });

    test('TLS credentials: put inserts, a second put replaces', async () => {
      const name = id('tls');
      assert.equal(await store.getTlsCredential(name), null);
      await store.putTlsCredential({ name, certPem: 'CERT 1', keyPkcs8: new Uint8Array([1, 2, 3]) });
      await store.putTlsCredential({ name, certPem: 'CERT 2', keyPkcs8: new Uint8Array([4, 0, 5]) });
      const got = await store.getTlsCredential(name);
      assert.equal(got?.certPem, 'CERT 2');
      assert.deepEqual(bytes(got?.keyPkcs8), Buffer.from([4, 0, 5]));
    });

    test('resources: owned by a partner or by the platform; get, list in URI order; a URI is unique', async () => {
      const p = await partner();
      const [second, first] = [uri('z'), uri('a')];
      const added = await store.addResource({ uri: second, partnerId: p });
      assert.equal(added.uri, second);
      assert.equal(added.partnerId, p);
      assert.ok(added.createdAt instanceof Date);
      await store.addResource({ uri: first, partnerId: null });
      assert.equal((await store.getResource(first))?.partnerId, null);
      assert.equal(await store.getResource(uri('none')), null);
      const ours = (await store.listResources()).map((r) => r.uri).filter((u) => [first, second].includes(u));
      assert.deepEqual(ours, [first, second]);
      await assert.rejects(store.addResource({ uri: first, partnerId: p }));
    });

    test('clients: every field round-trips: subject, scope array, resources in registration order, introspects, ttl, flags', async () => {
      const p = await partner();
      const rs = [uri('orders'), uri('billing'), uri('admin')];
      for (const r of rs) await store.addResource({ uri: r, partnerId: p });
      const c = newClient(p, {
        subject: { kind: 'san_dns', value: 'svc.partner.example' },
        // Values a SQL array literal must quote: commas, braces, NULL, quotes, backslashes, spaces.
        scopes: ['orders:read', 'a,b', '{x}', 'NULL', 'q"uote', 'back\\slash', 'two words', 'é'],
        resources: [rs[2]!, rs[0]!, rs[1]!],
        introspects: [rs[1]!, rs[0]!],
        tokenTtl: 86_400,
        boundTokens: false,
      });
      const added = await store.addClient(c);
      const got = await store.getClient(c.id);
      for (const client of [added, got]) {
        assert.ok(client);
        assert.equal(client.id, c.id);
        assert.equal(client.partnerId, p);
        assert.equal(client.status, 'active');
        assert.equal(client.authMethod, 'tls_client_auth');
        assert.deepEqual(client.subject, { kind: 'san_dns', value: 'svc.partner.example' });
        assert.equal(client.secretHash, null);
        assert.deepEqual(client.scopes, c.scopes);
        assert.deepEqual(client.resources, [rs[2], rs[0], rs[1]]);
        assert.deepEqual([...client.introspects].sort(), [rs[0], rs[1]].sort());
        assert.equal(client.tokenTtl, 86_400);
        assert.equal(client.boundTokens, false);
        assert.ok(client.createdAt instanceof Date);
      }
      assert.equal(await store.getClient(id('no-client')), null);
    });

    test('clients: a secret client keeps its hash bytes; empty lists come back empty', async () => {
      const p = await partner();
      const hash = new Uint8Array([0, ...randomBytes(30), 0xff]);
      const c = newClient(p, { authMethod: 'client_secret_basic', subject: null, secretHash: hash });
      await store.addClient(c);
      const got = await store.getClient(c.id);
      assert.deepEqual(bytes(got?.secretHash), Buffer.from(hash));
      assert.equal(got?.subject, null);
      assert.deepEqual(got?.scopes, []);
      assert.deepEqual(got?.resources, []);
      assert.deepEqual(got?.introspects, []);
      assert.equal(got?.boundTokens, true);
    });

    test('clients: listClients returns them in id order', async () => {
      const p = await partner();
      const ids = [id('list-c'), id('list-a'), id('list-b')];
      for (const cid of ids) await store.addClient(newClient(p, { id: cid }));
      const ours = (await store.listClients()).map((c) => c.id).filter((cid) => ids.includes(cid));
      assert.deepEqual(ours, [...ids].sort());
    });

    test('clients: an id is unique across partners', async () => {
      const [p1, p2] = [await partner(), await partner()];
      const c = newClient(p1);
      await store.addClient(c);
      await assert.rejects(store.addClient({ ...c, partnerId: p2 }));
      assert.equal((await store.getClient(c.id))?.partnerId, p1);
    });

    test('clients: the schema refuses inconsistent registrations', async () => {
      const p = await partner();
      const bad: Array<[string, NewClient]> = [
        ['tls_client_auth without a subject', newClient(p, { subject: null })],
        ['a secret method without a secret hash', newClient(p, { authMethod: 'client_secret_post', subject: null })],
        ['a certificate method with a secret hash', newClient(p, { secretHash: new Uint8Array(32) })],
        ['self_signed_tls_client_auth with a subject', newClient(p, { authMethod: 'self_signed_tls_client_auth' })],
        ['an unknown partner', newClient(id('no-partner'))],
        ['a token lifetime of 0', newClient(p, { tokenTtl: 0 })],
        ['an unknown resource', newClient(p, { resources: [uri('unregistered')] })],
        ['an unknown introspected resource', newClient(p, { introspects: [uri('unregistered')] })],
      ];
      for (const [why, c] of bad) {
        await assert.rejects(store.addClient(c), why);
        assert.equal(await store.getClient(c.id), null, why);
      }
    });

    test('client certificates: registered with a self_signed_tls_client_auth client and listed with it', async () => {
      const p = await partner();
      const c = newClient(p, { authMethod: 'self_signed_tls_client_auth', subject: null });
      const t1 = randomBytes(32).toString('base64url');
      const t2 = randomBytes(32).toString('base64url');
      await store.addClient(c, [
        { clientId: c.id, thumbprint: t1, pem: 'PEM 1' },
        { clientId: c.id, thumbprint: t2, pem: 'PEM 2' },
      ]);
      const ours = (await store.listClientCertificates()).filter((x) => x.clientId === c.id);
      assert.deepEqual(ours.map((x) => [x.thumbprint, x.pem]).sort(), [[t1, 'PEM 1'], [t2, 'PEM 2']].sort());
      assert.ok(ours.every((x) => x.createdAt instanceof Date));
    });

    test('addClient is atomic: a failing certificate insert leaves no client, resource link or certificate behind', async () => {
      const p = await partner();
      const r = uri('atomic');
      await store.addResource({ uri: r, partnerId: p });
      const c = newClient(p, { authMethod: 'self_signed_tls_client_auth', subject: null, resources: [r], introspects: [r] });
      const t = randomBytes(32).toString('base64url');
      await assert.rejects(store.addClient(c, [
        { clientId: c.id, thumbprint: t, pem: 'PEM' },
        { clientId: c.id, thumbprint: t, pem: 'PEM again' },
      ]));
      assert.equal(await store.getClient(c.id), null);
      assert.ok(!(await store.listClients()).some((x) => x.id === c.id));
      assert.ok(!(await store.listClientCertificates()).some((x) => x.clientId === c.id));
      // The id is free again: nothing of the failed attempt remains to collide with.
      const ok = await store.addClient(c, [{ clientId: c.id, thumbprint: t, pem: 'PEM' }]);
      assert.deepEqual(ok.resources, [r]);
    });

    test('transaction: commits every write and returns what the function returns', async () => {
      const p = id('tx-commit');
      const result = await store.transaction(async (tx) => {
        await tx.addPartner(p);
        await tx.setSetting(id('tx-commit'), 'yes');
        return 42;
      });
      assert.equal(result, 42);
      assert.ok(await store.getPartner(p));
      assert.equal(await store.getSetting(id('tx-commit')), 'yes');
    });

    test('transaction: a throwing function rolls back every write and its error propagates', async () => {
      const p = id('tx-rollback');
      const r = uri('tx-rollback');
      const boom = new Error('boom');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.addPartner(p);
          await tx.addResource({ uri: r, partnerId: p });
          await tx.setSetting(id('tx-rollback'), 'no');
          await tx.addClient(newClient(p, { id: id('tx-client') }));
          throw boom;
        }),
        (err) => err === boom,
      );
      assert.equal(await store.getPartner(p), null);
      assert.equal(await store.getResource(r), null);
      assert.equal(await store.getSetting(id('tx-rollback')), null);
      assert.equal(await store.getClient(id('tx-client')), null);
    });

    test('transaction: a failing statement rolls back the writes before it', async () => {
      const existing = await partner();
      const p = id('tx-stmt');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.addPartner(p);
          await tx.addPartner(existing);
        }),
      );
      assert.equal(await store.getPartner(p), null);
    });

    test('transaction: a nested transaction joins the outer one and rolls back with it', async () => {
      const p = id('tx-nested');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.transaction(async (inner) => {
            await inner.addPartner(p);
          });
          assert.ok(await tx.getPartner(p), 'visible inside the outer transaction');
          throw new Error('outer fails');
        }),
      );
      assert.equal(await store.getPartner(p), null);
    });

    test('issued certificates: recorded with their issuer, client, subject, thumbprint and expiry; a serial is unique', async () => {
      const p = await partner();
      const ca = id('issuing-ca');
      await store.addAuthority({ id: ca, partnerId: p, certPem: 'CA', fingerprint: id('fp-ca'), keyPkcs8: null });
      const notAfter = new Date('2031-02-03T04:05:06.789Z');
      const serial = randomBytes(16).toString('hex');
      const cert = { serial, issuerId: ca, clientId: id('some-client'), subject: 'CN=a,O=b', thumbprint: randomBytes(32).toString('base64url'), notAfter };
      await store.recordIssuedCertificate(cert);
      await store.recordIssuedCertificate({ ...cert, serial: `${serial}00`, clientId: null });
      const ours = (await store.listIssuedCertificates()).filter((c) => c.issuerId === ca);
      assert.equal(ours.length, 2);
      const first = ours.find((c) => c.serial === serial);
      assert.deepEqual({ ...first, notAfter: first?.notAfter.getTime(), createdAt: undefined }, { ...cert, notAfter: notAfter.getTime(), createdAt: undefined });
      assert.equal(ours.find((c) => c.serial !== serial)?.clientId, null);
      await assert.rejects(store.recordIssuedCertificate(cert));
      await assert.rejects(store.recordIssuedCertificate({ ...cert, serial: `${serial}01`, issuerId: id('unknown-ca') }), 'the issuer must exist');
    });

    test('RFC 7009: a revoked token is reported revoked; revoking it twice is fine; others are not', async () => {
      const jti = id('jti');
      const exp = new Date(Date.parse('2030-01-01T00:00:00Z'));
      assert.equal(await store.isTokenRevoked(jti), false);
      await store.revokeToken(jti, id('client'), exp);
      await store.revokeToken(jti, id('client'), exp);
      assert.equal(await store.isTokenRevoked(jti), true);
      assert.equal(await store.isTokenRevoked(id('other-jti')), false);
    });

    test('migrations are idempotent: reopening applies none and keeps every row', async () => {
      const p = await partner();
      await store.close();
      if (options.migrateAgain) assert.deepEqual(await options.migrateAgain(), []);
      store = await open();
      assert.ok(await store.getPartner(p));
    });
  });
}
