// The Store contract: what every backend (embedded SQLite, a PostgreSQL server) must do alike.
// A backend's test file calls storeContract with a function opening its store. Ids carry a
// per-run suffix, so the suite also runs on a database that already holds data.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AuditEvent } from '../../src/core/model.ts';
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

    test('claimSetting: stores a value only when the key has none, and returns the value in force', async () => {
      const key = id('claimed');
      assert.equal(await store.claimSetting(key, 'first'), 'first');
      assert.equal(await store.claimSetting(key, 'second'), 'first');
      assert.equal(await store.getSetting(key), 'first');
    });

    test('announceRegistryChange: stores the new registry version mark (inside a transaction too, rolled back with it)', async () => {
      await store.announceRegistryChange(id('v1'));
      assert.equal(await store.getSetting('registry_version'), id('v1'));
      await assert.rejects(store.transaction(async (tx) => {
        await tx.announceRegistryChange(id('v2'));
        throw new Error('roll back');
      }), /roll back/);
      assert.equal(await store.getSetting('registry_version'), id('v1'));
    });

    test("cutOffTokensNow: the cut-off is the database's now, and never moves back past a later stored one", async () => {
      const subject = id('cutoff-now');
      const before = Date.now();
      const cutoff = await store.cutOffTokensNow('client', subject);
      // Both clocks are this machine's here: the database's now lies within the call (a second's slack).
      assert.ok(Math.abs(cutoff.getTime() - before) < 1_000, cutoff.toISOString());
      const later = new Date('2100-01-01T00:00:00.000Z');
      await store.setTokenCutoff({ subjectKind: 'client', subjectId: subject, cutoff: later });
      assert.equal((await store.cutOffTokensNow('client', subject)).toISOString(), later.toISOString());
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

    test('signing keys: an activation time round-trips (the creation time without one); retiring withdraws a key once', async () => {
      const activatesAt = new Date(Date.parse('2031-05-06T07:08:09.123Z'));
      await store.addSigningKey({ kid: id('c-kid'), alg: 'ES256', keyPkcs8: new Uint8Array(randomBytes(138)), active: true, activatesAt });
      await store.addSigningKey({ kid: id('d-kid'), alg: 'ES256', keyPkcs8: new Uint8Array(randomBytes(138)), active: true });
      const listed = async (kid: string) => (await store.listSigningKeys()).find((k) => k.kid === kid)!;
      assert.equal((await listed(id('c-kid'))).activatesAt.getTime(), activatesAt.getTime());
      const d = await listed(id('d-kid'));
      assert.equal(d.activatesAt.getTime(), d.createdAt.getTime());
      assert.equal(d.retiredAt, null);
      const at = new Date(Date.parse('2031-06-01T00:00:00.000Z'));
      assert.equal(await store.retireSigningKey(id('d-kid'), at), true);
      assert.equal(await store.retireSigningKey(id('d-kid'), new Date()), false, 'already retired');
      assert.equal(await store.retireSigningKey(id('no-kid'), at), false, 'unknown');
      const retired = await listed(id('d-kid'));
      assert.equal(retired.active, false);
      assert.equal(retired.retiredAt?.getTime(), at.getTime());
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

    test('issue 14: pruneRevokedTokens deletes the rows of tokens expired before its cut and keeps the rest', async () => {
      const expired = id('jti-expired');
      const live = id('jti-live');
      await store.revokeToken(expired, id('client'), new Date('1990-01-01T00:00:00Z'));
      await store.revokeToken(live, id('client'), new Date('2030-01-01T00:00:00Z'));
      assert.ok((await store.pruneRevokedTokens(new Date('2000-01-01T00:00:00Z'))) >= 1);
      assert.equal(await store.isTokenRevoked(expired), false);
      assert.equal(await store.isTokenRevoked(live), true);
      assert.equal(await store.pruneRevokedTokens(new Date('2000-01-01T00:00:00Z')), 0, 'a second prune finds nothing');
    });

    // ---- Schema v2: anchors by fingerprint, CRL sources, resource scopes, grants, client lifecycle,
    // revoked certificates, token cutoffs, admin certificates and the audit log.

    const thumbprint = (): string => randomBytes(32).toString('base64url');
    const selfSigned = (partnerId: string): NewClient => newClient(partnerId, { authMethod: 'self_signed_tls_client_auth', subject: null });
    /** The grants of this run that concern `resourceUri`, as [partner, client, scopes] triples. */
    const grantsOf = async (s: Store, resourceUri: string): Promise<Array<[string, string | null, string[]]>> =>
      (await s.listGrants()).filter((g) => g.resourceUri === resourceUri).map((g) => [g.partnerId, g.clientId, [...g.scopes]]);

    test('certificate authorities: the fingerprint round-trips; the CRL source is null unless given', async () => {
      const p = await partner();
      await store.addAuthority({ id: id('ca-fp-plain'), partnerId: p, certPem: 'PEM', fingerprint: id('fp-plain'), keyPkcs8: null });
      await store.addAuthority({
        id: id('ca-fp-crl'), partnerId: p, certPem: 'PEM', fingerprint: id('fp-crl'), keyPkcs8: null, crlSource: 'https://crl.example/a.crl',
      });
      const plain = await store.getAuthority(id('ca-fp-plain'));
      assert.equal(plain?.fingerprint, id('fp-plain'));
      assert.equal(plain?.crlSource, null);
      const withCrl = (await store.listAuthorities()).find((ca) => ca.id === id('ca-fp-crl'));
      assert.equal(withCrl?.fingerprint, id('fp-crl'));
      assert.equal(withCrl?.crlSource, 'https://crl.example/a.crl');
    });

    test('certificate authorities: a second CA with an existing fingerprint is refused, for the same or another partner', async () => {
      const [p1, p2] = [await partner(), await partner()];
      const fingerprint = id('fp-shared');
      await store.addAuthority({ id: id('ca-fp-first'), partnerId: p1, certPem: 'PEM', fingerprint, keyPkcs8: null });
      await assert.rejects(store.addAuthority({ id: id('ca-fp-same-partner'), partnerId: p1, certPem: 'PEM', fingerprint, keyPkcs8: null }));
      await assert.rejects(store.addAuthority({ id: id('ca-fp-other-partner'), partnerId: p2, certPem: 'PEM', fingerprint, keyPkcs8: null }));
      await assert.rejects(store.addAuthority({ id: id('ca-fp-platform'), partnerId: null, certPem: 'PEM', fingerprint, keyPkcs8: null }));
      assert.equal(await store.getAuthority(id('ca-fp-same-partner')), null);
      assert.equal(await store.getAuthority(id('ca-fp-other-partner')), null);
      assert.equal(await store.getAuthority(id('ca-fp-platform')), null);
      assert.deepEqual((await store.listAuthorities()).filter((ca) => ca.fingerprint === fingerprint).map((ca) => ca.id), [id('ca-fp-first')]);
    });

    test('certificate authorities: setAuthorityCrlSource sets, replaces and clears (null) the CRL source', async () => {
      const p = await partner();
      const ca = id('ca-crl');
      await store.addAuthority({ id: ca, partnerId: p, certPem: 'PEM', fingerprint: id('fp-crl-set'), keyPkcs8: null });
      await store.setAuthorityCrlSource(ca, '/var/lib/certbound/partner.crl');
      assert.equal((await store.getAuthority(ca))?.crlSource, '/var/lib/certbound/partner.crl');
      await store.setAuthorityCrlSource(ca, 'http://crl.partner.example/ca.crl');
      assert.equal((await store.getAuthority(ca))?.crlSource, 'http://crl.partner.example/ca.crl');
      await store.setAuthorityCrlSource(ca, null);
      const cleared = await store.getAuthority(ca);
      assert.equal(cleared?.crlSource, null);
      assert.equal(cleared?.fingerprint, id('fp-crl-set'), 'the rest of the CA is untouched');
    });

    test('certificate authorities: removeAuthority is true for an existing CA, false afterwards and for an unknown id', async () => {
      const p = await partner();
      const ca = id('ca-remove');
      const fingerprint = id('fp-remove');
      await store.addAuthority({ id: ca, partnerId: p, certPem: 'PEM', fingerprint, keyPkcs8: null });
      assert.equal(await store.removeAuthority(ca), true);
      assert.equal(await store.getAuthority(ca), null);
      assert.ok(!(await store.listAuthorities()).some((x) => x.id === ca));
      assert.equal(await store.removeAuthority(ca), false);
      assert.equal(await store.removeAuthority(id('ca-never-added')), false);
      // Its fingerprint is free again.
      await store.addAuthority({ id: id('ca-remove-again'), partnerId: p, certPem: 'PEM', fingerprint, keyPkcs8: null });
      assert.equal((await store.getAuthority(id('ca-remove-again')))?.fingerprint, fingerprint);
    });

    test('resources: scopes round-trip (quoted values included); none given is empty; setResourceScopes replaces them', async () => {
      const p = await partner();
      const [withScopes, without] = [uri('scoped'), uri('unscoped')];
      const scopes = ['orders:read', 'orders:write', 'a,b', '{x}', 'NULL', 'q"uote', 'back\\slash', 'two words'];
      const added = await store.addResource({ uri: withScopes, partnerId: p, scopes });
      assert.deepEqual(added.scopes, scopes);
      assert.deepEqual((await store.getResource(withScopes))?.scopes, scopes);
      assert.deepEqual((await store.addResource({ uri: without, partnerId: null })).scopes, []);
      assert.deepEqual((await store.getResource(without))?.scopes, []);
      await store.setResourceScopes(withScopes, ['billing:read']);
      assert.deepEqual((await store.getResource(withScopes))?.scopes, ['billing:read']);
      assert.deepEqual((await store.listResources()).find((r) => r.uri === withScopes)?.scopes, ['billing:read']);
      await store.setResourceScopes(withScopes, []);
      assert.deepEqual((await store.getResource(withScopes))?.scopes, []);
    });

    test('grants: putGrant returns the partner grant and listGrants shows it', async () => {
      const p = await partner();
      const r = uri('grant-partner');
      await store.addResource({ uri: r, partnerId: null, scopes: ['read', 'write'] });
      const g = await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['read', 'a,b'] });
      assert.equal(g.resourceUri, r);
      assert.equal(g.partnerId, p);
      assert.equal(g.clientId, null);
      assert.deepEqual(g.scopes, ['read', 'a,b']);
      assert.ok(g.createdAt instanceof Date && !Number.isNaN(g.createdAt.getTime()));
      assert.deepEqual(await grantsOf(store, r), [[p, null, ['read', 'a,b']]]);
    });

    test('grants: one per (resource, partner): a second putGrant replaces the scopes', async () => {
      const p = await partner();
      const r = uri('grant-partner-replace');
      await store.addResource({ uri: r, partnerId: null });
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['read'] });
      const replaced = await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['write', 'admin'] });
      assert.deepEqual(replaced.scopes, ['write', 'admin']);
      assert.deepEqual(await grantsOf(store, r), [[p, null, ['write', 'admin']]]);
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: [] });
      assert.deepEqual(await grantsOf(store, r), [[p, null, []]]);
    });

    test('grants: one per (resource, client), beside the partner grant; a second putGrant replaces the client grant only', async () => {
      const p = await partner();
      const c = newClient(p);
      await store.addClient(c);
      const r = uri('grant-client-replace');
      await store.addResource({ uri: r, partnerId: null });
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['partner-wide'] });
      const g = await store.putGrant({ resourceUri: r, partnerId: p, clientId: c.id, scopes: ['read'] });
      assert.equal(g.clientId, c.id);
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: c.id, scopes: ['write'] });
      assert.deepEqual(await grantsOf(store, r), [
        [p, null, ['partner-wide']],
        [p, c.id, ['write']],
      ]);
    });

    test('grants: a client grant of the same resource under another partner is refused; the existing one stays', async () => {
      const [p1, p2] = [await partner(), await partner()];
      const c = newClient(p1);
      await store.addClient(c);
      const r = uri('grant-client-unique');
      await store.addResource({ uri: r, partnerId: null });
      await store.putGrant({ resourceUri: r, partnerId: p1, clientId: c.id, scopes: ['read'] });
      await assert.rejects(store.putGrant({ resourceUri: r, partnerId: p2, clientId: c.id, scopes: ['write'] }));
      assert.deepEqual(await grantsOf(store, r), [[p1, c.id, ['read']]]);
    });

    test('grants: putGrant of an unknown resource, partner or client is refused and stores nothing', async () => {
      const p = await partner();
      const r = uri('grant-refs');
      await store.addResource({ uri: r, partnerId: null });
      await assert.rejects(store.putGrant({ resourceUri: uri('grant-no-resource'), partnerId: p, clientId: null, scopes: [] }), 'unknown resource');
      await assert.rejects(store.putGrant({ resourceUri: r, partnerId: id('grant-no-partner'), clientId: null, scopes: [] }), 'unknown partner');
      await assert.rejects(store.putGrant({ resourceUri: r, partnerId: p, clientId: id('grant-no-client'), scopes: [] }), 'unknown client');
      assert.deepEqual(await grantsOf(store, r), []);
      assert.deepEqual(await grantsOf(store, uri('grant-no-resource')), []);
    });

    test('grants: deleteGrant removes the named grant only (partner vs client), true once, then false', async () => {
      const p = await partner();
      const c = newClient(p);
      await store.addClient(c);
      const r = uri('grant-delete');
      await store.addResource({ uri: r, partnerId: null });
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['a'] });
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: c.id, scopes: ['b'] });
      assert.equal(await store.deleteGrant(r, p, null), true);
      assert.deepEqual(await grantsOf(store, r), [[p, c.id, ['b']]]);
      assert.equal(await store.deleteGrant(r, p, null), false);
      assert.equal(await store.deleteGrant(r, p, c.id), true);
      assert.deepEqual(await grantsOf(store, r), []);
      assert.equal(await store.deleteGrant(r, p, c.id), false);
      assert.equal(await store.deleteGrant(uri('grant-never'), p, null), false);
    });

    test('deletePartner: removes the partner, its CAs, resources, grants on them and its grants elsewhere, keeping its token cutoff; others stay', async () => {
      const [gone, other] = [await partner(), await partner()];
      const otherClient = newClient(other);
      await store.addClient(otherClient);
      const [owned, othersResource, platform] = [uri('del-owned'), uri('del-others'), uri('del-platform')];
      await store.addResource({ uri: owned, partnerId: gone, scopes: ['x'] });
      await store.addResource({ uri: othersResource, partnerId: other });
      await store.addResource({ uri: platform, partnerId: null });
      await store.addAuthority({ id: id('del-ca-issuing'), partnerId: gone, certPem: 'PEM', fingerprint: id('fp-del-1'), keyPkcs8: new Uint8Array([1]) });
      await store.addAuthority({ id: id('del-ca-imported'), partnerId: gone, certPem: 'PEM', fingerprint: id('fp-del-2'), keyPkcs8: null });
      await store.addAuthority({ id: id('del-ca-other'), partnerId: other, certPem: 'PEM', fingerprint: id('fp-del-3'), keyPkcs8: null });
      // Grants on the resource it owns (to another partner and its client), and its own grants elsewhere.
      await store.putGrant({ resourceUri: owned, partnerId: other, clientId: null, scopes: ['x'] });
      await store.putGrant({ resourceUri: owned, partnerId: other, clientId: otherClient.id, scopes: ['x'] });
      await store.putGrant({ resourceUri: othersResource, partnerId: gone, clientId: null, scopes: [] });
      await store.putGrant({ resourceUri: platform, partnerId: gone, clientId: null, scopes: [] });
      await store.putGrant({ resourceUri: platform, partnerId: other, clientId: null, scopes: ['kept'] });
      const cutoff = new Date('2030-05-05T05:05:05.555Z');
      await store.setTokenCutoff({ subjectKind: 'partner', subjectId: gone, cutoff });
      await store.setTokenCutoff({ subjectKind: 'partner', subjectId: other, cutoff });

      await store.deletePartner(gone);

      assert.equal(await store.getPartner(gone), null);
      assert.equal(await store.getAuthority(id('del-ca-issuing')), null);
      assert.equal(await store.getAuthority(id('del-ca-imported')), null);
      assert.equal(await store.getResource(owned), null);
      const grants = (await store.listGrants()).filter((g) => [owned, othersResource, platform].includes(g.resourceUri));
      assert.deepEqual(grants.map((g) => [g.resourceUri, g.partnerId, g.clientId]), [[platform, other, null]]);
      // The cutoffs stay: a partner re-added under the id must not revive tokens revoked before.
      const cutoffs = (await store.listTokenCutoffs()).filter((t) => t.subjectKind === 'partner' && [gone, other].includes(t.subjectId));
      assert.deepEqual(cutoffs.map((t) => t.subjectId).sort(), [gone, other].sort());
      // The other partner keeps everything of its own.
      assert.ok(await store.getPartner(other));
      assert.ok(await store.getClient(otherClient.id));
      assert.ok(await store.getResource(othersResource));
      assert.ok(await store.getAuthority(id('del-ca-other')));
    });

    test('deletePartner: refused while the partner has a client, and nothing of it is removed', async () => {
      const p = await partner();
      const c = newClient(p);
      await store.addClient(c);
      const r = uri('del-refused');
      await store.addResource({ uri: r, partnerId: p });
      await store.addAuthority({ id: id('del-refused-ca'), partnerId: p, certPem: 'PEM', fingerprint: id('fp-del-refused'), keyPkcs8: null });
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['a'] });
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: c.id, scopes: ['b'] });
      const cutoff = new Date('2030-06-06T06:06:06.666Z');
      await store.setTokenCutoff({ subjectKind: 'partner', subjectId: p, cutoff });

      await assert.rejects(store.deletePartner(p));

      assert.ok(await store.getPartner(p));
      assert.ok(await store.getClient(c.id));
      assert.ok(await store.getResource(r));
      assert.ok(await store.getAuthority(id('del-refused-ca')));
      assert.deepEqual(await grantsOf(store, r), [[p, null, ['a']], [p, c.id, ['b']]]);
      const kept = (await store.listTokenCutoffs()).find((t) => t.subjectKind === 'partner' && t.subjectId === p);
      assert.equal(kept?.cutoff.getTime(), cutoff.getTime());
    });

    test('deleteClient: removes the client with its resource links, certificates and grants, revokes all its tokens; then its partner can go', async () => {
      const p = await partner();
      const r = uri('del-client');
      await store.addResource({ uri: r, partnerId: p });
      const c = newClient(p, { authMethod: 'self_signed_tls_client_auth', subject: null, resources: [r], introspects: [r] });
      const t = randomBytes(32).toString('base64url');
      await store.addClient(c, [{ clientId: c.id, thumbprint: t, pem: 'PEM' }]);
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: c.id, scopes: ['a'] });
      await store.setTokenCutoff({ subjectKind: 'client', subjectId: c.id, cutoff: new Date('2020-01-01T00:00:00Z') });

      const before = Date.now();
      assert.equal(await store.deleteClient(c.id), true);
      assert.equal(await store.deleteClient(c.id), false);
      assert.equal(await store.getClient(c.id), null);
      assert.ok(!(await store.listClientCertificates()).some((x) => x.clientId === c.id));
      assert.deepEqual(await grantsOf(store, r), []);
      // Every token it was issued stays revoked, even for a later client reusing the id.
      const cutoff = (await store.listTokenCutoffs()).find((x) => x.subjectKind === 'client' && x.subjectId === c.id);
      assert.ok(cutoff && cutoff.cutoff.getTime() >= before - 5_000, 'the cutoff moves to the deletion time');
      await store.deletePartner(p);
      assert.equal(await store.getPartner(p), null);
    });

    test('deletePartner: a partner without clients is deleted; its id can be registered again, empty', async () => {
      const p = await partner();
      const r = uri('del-readd');
      await store.addResource({ uri: r, partnerId: p });
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: [] });
      await store.deletePartner(p);
      assert.equal(await store.getPartner(p), null);
      assert.ok(!(await store.listPartners()).some((x) => x.id === p));
      const again = await store.addPartner(p);
      assert.equal(again.status, 'active');
      assert.equal(await store.getResource(r), null);
      assert.deepEqual(await grantsOf(store, r), []);
    });

    test('clients: setClientStatus disables and re-enables; getClient and listClients show it', async () => {
      const p = await partner();
      const c = newClient(p);
      await store.addClient(c);
      await store.setClientStatus(c.id, 'disabled');
      assert.equal((await store.getClient(c.id))?.status, 'disabled');
      assert.equal((await store.listClients()).find((x) => x.id === c.id)?.status, 'disabled');
      await store.setClientStatus(c.id, 'active');
      assert.equal((await store.getClient(c.id))?.status, 'active');
    });

    test('clients: setClientSubject replaces the subject (kind and value); every other field is unchanged', async () => {
      const p = await partner();
      const r = uri('subject-rotation');
      await store.addResource({ uri: r, partnerId: p });
      const c = newClient(p, { scopes: ['s1'], resources: [r], tokenTtl: 1234 });
      const before = await store.addClient(c);
      await store.setClientSubject(c.id, { kind: 'san_uri', value: 'spiffe://partner.example/svc' });
      const after = await store.getClient(c.id);
      assert.deepEqual(after?.subject, { kind: 'san_uri', value: 'spiffe://partner.example/svc' });
      assert.deepEqual({ ...after, subject: null }, { ...before, subject: null });
    });

    test('clients: setClientSubject on a client that is not tls_client_auth is refused and leaves it without a subject', async () => {
      const p = await partner();
      const c = selfSigned(p);
      await store.addClient(c);
      await assert.rejects(store.setClientSubject(c.id, { kind: 'subject_dn', value: 'CN=x' }));
      assert.equal((await store.getClient(c.id))?.subject, null);
    });

    test('client certificates: new ones are unretired (retiredAt null); addClientCertificate adds one', async () => {
      const p = await partner();
      const c = selfSigned(p);
      const [t1, t2] = [thumbprint(), thumbprint()];
      await store.addClient(c, [{ clientId: c.id, thumbprint: t1, pem: 'PEM 1' }]);
      await store.addClientCertificate({ clientId: c.id, thumbprint: t2, pem: 'PEM 2' });
      const ours = (await store.listClientCertificates()).filter((x) => x.clientId === c.id);
      assert.deepEqual(ours.map((x) => [x.thumbprint, x.pem, x.retiredAt]).sort(), [[t1, 'PEM 1', null], [t2, 'PEM 2', null]].sort());
      assert.ok(ours.every((x) => x.createdAt instanceof Date));
    });

    test('client certificates: addClientCertificate refuses a duplicate thumbprint for the client and an unknown client', async () => {
      const p = await partner();
      const c = selfSigned(p);
      const t = thumbprint();
      await store.addClient(c, [{ clientId: c.id, thumbprint: t, pem: 'PEM' }]);
      await assert.rejects(store.addClientCertificate({ clientId: c.id, thumbprint: t, pem: 'PEM again' }));
      await assert.rejects(store.addClientCertificate({ clientId: id('cert-no-client'), thumbprint: thumbprint(), pem: 'PEM' }));
      assert.deepEqual((await store.listClientCertificates()).filter((x) => x.clientId === c.id).map((x) => x.pem), ['PEM']);
      assert.ok(!(await store.listClientCertificates()).some((x) => x.clientId === id('cert-no-client')));
    });

    test('client certificates: retire is true once and sets retiredAt (the row stays); then false', async () => {
      const p = await partner();
      const c = selfSigned(p);
      const [t1, t2] = [thumbprint(), thumbprint()];
      await store.addClient(c, [{ clientId: c.id, thumbprint: t1, pem: 'PEM 1' }, { clientId: c.id, thumbprint: t2, pem: 'PEM 2' }]);
      const before = Date.now();
      assert.equal(await store.retireClientCertificate(c.id, t1), true);
      const ours = (await store.listClientCertificates()).filter((x) => x.clientId === c.id);
      const retired = ours.find((x) => x.thumbprint === t1);
      assert.ok(retired?.retiredAt instanceof Date, 'the retired certificate is still listed, with its retirement time');
      assert.ok(Math.abs(retired.retiredAt.getTime() - before) < 60_000);
      assert.equal(ours.find((x) => x.thumbprint === t2)?.retiredAt, null, 'the other certificate is untouched');
      assert.equal(await store.retireClientCertificate(c.id, t1), false, 'already retired');
      assert.equal((await store.listClientCertificates()).find((x) => x.clientId === c.id && x.thumbprint === t1)?.retiredAt?.getTime(),
        retired.retiredAt.getTime(), 'retiring again does not move retiredAt');
    });

    test('client certificates: retire is false for an unknown thumbprint, an unknown client and another client\'s certificate', async () => {
      const p = await partner();
      const [a, b] = [selfSigned(p), selfSigned(p)];
      const t = thumbprint();
      await store.addClient(a, [{ clientId: a.id, thumbprint: t, pem: 'PEM' }]);
      await store.addClient(b);
      assert.equal(await store.retireClientCertificate(a.id, thumbprint()), false);
      assert.equal(await store.retireClientCertificate(id('retire-no-client'), t), false);
      assert.equal(await store.retireClientCertificate(b.id, t), false);
      assert.equal((await store.listClientCertificates()).find((x) => x.clientId === a.id && x.thumbprint === t)?.retiredAt, null);
    });

    test('revoked certificates: revokeCertificate is true and records every field; a second revocation is false and keeps the first', async () => {
      const t = thumbprint();
      const first = { thumbprint: t, serial: randomBytes(16).toString('hex'), issuerId: id('rev-ca'), partnerId: id('rev-p'), clientId: id('rev-c'), reason: 'keyCompromise' };
      const before = Date.now();
      assert.equal(await store.revokeCertificate(first), true);
      assert.equal(await store.revokeCertificate({ ...first, reason: 'superseded', serial: null }), false);
      const ours = (await store.listRevokedCertificates()).filter((x) => x.thumbprint === t);
      assert.equal(ours.length, 1);
      const [got] = ours;
      assert.deepEqual({ ...got, revokedAt: undefined }, { ...first, revokedAt: undefined });
      assert.ok(got!.revokedAt instanceof Date && Math.abs(got!.revokedAt.getTime() - before) < 60_000);
    });

    test('revoked certificates: a certificate known only by its thumbprint (no serial, issuer, partner or client) is recorded', async () => {
      const t = thumbprint();
      assert.equal(await store.revokeCertificate({ thumbprint: t, serial: null, issuerId: null, partnerId: null, clientId: null, reason: 'unspecified' }), true);
      const got = (await store.listRevokedCertificates()).find((x) => x.thumbprint === t);
      assert.deepEqual([got?.serial, got?.issuerId, got?.partnerId, got?.clientId, got?.reason], [null, null, null, null, 'unspecified']);
    });

    test('token cutoffs: set, listed; a later cutoff replaces it; an earlier one never moves it back', async () => {
      const subjectId = id('cutoff-client');
      const ours = async () => (await store.listTokenCutoffs()).filter((t) => t.subjectKind === 'client' && t.subjectId === subjectId);
      const [t1, t2, t0] = ['2030-01-01T00:00:00.123Z', '2030-02-01T00:00:00.456Z', '2029-12-31T23:59:59.999Z'].map((s) => new Date(s));
      await store.setTokenCutoff({ subjectKind: 'client', subjectId, cutoff: t1! });
      assert.deepEqual((await ours()).map((t) => t.cutoff.getTime()), [t1!.getTime()]);
      await store.setTokenCutoff({ subjectKind: 'client', subjectId, cutoff: t2! });
      assert.deepEqual((await ours()).map((t) => t.cutoff.getTime()), [t2!.getTime()]);
      await store.setTokenCutoff({ subjectKind: 'client', subjectId, cutoff: t0! });
      assert.deepEqual((await ours()).map((t) => t.cutoff.getTime()), [t2!.getTime()]);
      await store.setTokenCutoff({ subjectKind: 'client', subjectId, cutoff: t2! });
      assert.deepEqual((await ours()).map((t) => t.cutoff.getTime()), [t2!.getTime()]);
    });

    test('token cutoffs: a client and a partner with the same id have separate cutoffs', async () => {
      const subjectId = id('cutoff-shared');
      const [forClient, forPartner] = [new Date('2031-01-01T00:00:00Z'), new Date('2031-06-01T00:00:00Z')];
      await store.setTokenCutoff({ subjectKind: 'client', subjectId, cutoff: forClient });
      await store.setTokenCutoff({ subjectKind: 'partner', subjectId, cutoff: forPartner });
      const ours = (await store.listTokenCutoffs()).filter((t) => t.subjectId === subjectId);
      assert.deepEqual(ours.map((t) => [t.subjectKind, t.cutoff.getTime()]), [['client', forClient.getTime()], ['partner', forPartner.getTime()]]);
    });

    test('admin certificates: add, get, list, a thumbprint is unique; remove is true once, then false', async () => {
      const t = thumbprint();
      assert.equal(await store.getAdminCertificate(t), null);
      await store.addAdminCertificate({ thumbprint: t, name: id('alice'), certPem: 'ADMIN PEM' });
      const got = await store.getAdminCertificate(t);
      assert.deepEqual({ ...got, createdAt: undefined }, { thumbprint: t, name: id('alice'), certPem: 'ADMIN PEM', createdAt: undefined });
      assert.ok(got?.createdAt instanceof Date);
      assert.deepEqual((await store.listAdminCertificates()).filter((a) => a.thumbprint === t).map((a) => a.name), [id('alice')]);
      await assert.rejects(store.addAdminCertificate({ thumbprint: t, name: id('mallory'), certPem: 'OTHER' }));
      assert.equal((await store.getAdminCertificate(t))?.name, id('alice'));
      assert.equal(await store.removeAdminCertificate(t), true);
      assert.equal(await store.getAdminCertificate(t), null);
      assert.ok(!(await store.listAdminCertificates()).some((a) => a.thumbprint === t));
      assert.equal(await store.removeAdminCertificate(t), false);
    });

    // Audit events carry a partner id of this run, so queries filtered by it see only this run's events.
    const auditEvent = (partnerId: string, over: Partial<AuditEvent> = {}): AuditEvent => ({
      at: new Date('2030-03-03T03:03:03.333Z'),
      event: 'token.issued',
      outcome: 'success',
      partnerId,
      ...over,
    });

    test('audit: appendAudit stores a batch in order; every field round-trips; omitted ones come back null; ids increase', async () => {
      const p = id('audit-fields');
      const full: AuditEvent = {
        at: new Date('2030-04-04T04:04:04.444Z'),
        event: 'token.denied',
        outcome: 'denied',
        reason: 'invalid_scope',
        actor: 'local',
        partnerId: p,
        clientId: id('audit-client'),
        thumbprint: thumbprint(),
        serial: 'ab01',
        resource: uri('audit'),
        detail: { requested: ['a', 'b'] },
      };
      await store.appendAudit([full, auditEvent(p, { event: 'admin.partner.add' })]);
      const got = await store.queryAudit({ partnerId: p });
      assert.equal(got.length, 2);
      const [first, second] = got;
      assert.ok(Number.isInteger(first!.id) && Number.isInteger(second!.id) && first!.id < second!.id);
      assert.deepEqual({ ...first, id: 0, at: first!.at.getTime() }, { ...full, id: 0, at: full.at.getTime() });
      assert.deepEqual({ ...second, id: 0, at: second!.at.getTime() }, {
        id: 0, at: Date.parse('2030-03-03T03:03:03.333Z'), event: 'admin.partner.add', outcome: 'success',
        reason: null, actor: null, partnerId: p, clientId: null, thumbprint: null, serial: null, resource: null, detail: null,
      });
    });

    test('audit: pruneAudit deletes the events older than its cut and keeps the rest', async () => {
      const p = id('audit-prune');
      await store.appendAudit([
        auditEvent(p, { event: 'old', at: new Date('1980-01-01T00:00:00Z') }),
        auditEvent(p, { event: 'kept', at: new Date('2030-01-01T00:00:00Z') }),
      ]);
      assert.ok((await store.pruneAudit(new Date('1990-01-01T00:00:00Z'))) >= 1);
      assert.deepEqual((await store.queryAudit({ partnerId: p })).map((e) => e.event), ['kept']);
    });

    test('audit: appendAudit of an empty batch is a no-op', async () => {
      await store.appendAudit([]);
    });

    test('audit: appendAudit takes a batch of 5000 events in one call (the audit writer\'s largest batch)', async () => {
      const p = id('audit-big-batch');
      const events = Array.from({ length: 5000 }, (_, i) => auditEvent(p, { event: `e${i}`, clientId: id('audit-big'), detail: { i } }));
      await store.appendAudit(events);
      const got = await store.queryAudit({ partnerId: p, limit: 5000 });
      assert.equal(got.length, 5000);
      assert.deepEqual([got[0]?.event, got[4999]?.event], ['e0', 'e4999']);
    });

    test('audit: detail JSON round-trips (nesting, arrays, numbers, booleans, null, unicode, quotes)', async () => {
      const p = id('audit-detail');
      const detail = {
        nested: { list: [1, 2.5, -3, 'x', null, true, false, { deep: [[]] }], empty: {} },
        text: 'é ✓ 😀 "quoted" back\\slash\nnewline',
        none: null,
        big: 9007199254740991,
      };
      await store.appendAudit([auditEvent(p, { detail }), auditEvent(p, { detail: null })]);
      const got = await store.queryAudit({ partnerId: p });
      assert.deepEqual(got.map((e) => e.detail), [detail, null]);
    });

    test('audit: an outcome other than success or denied is refused, and the whole batch with it', async () => {
      const p = id('audit-bad-outcome');
      const bad = { ...auditEvent(p), outcome: 'error' } as unknown as AuditEvent;
      await assert.rejects(store.appendAudit([bad]));
      await assert.rejects(store.appendAudit([auditEvent(p, { event: 'fine' }), bad]));
      assert.deepEqual(await store.queryAudit({ partnerId: p }), []);
    });

    test('audit: queryAudit filters by partnerId and by clientId', async () => {
      const [p1, p2] = [id('audit-p1'), id('audit-p2')];
      const [c1, c2] = [id('audit-c1'), id('audit-c2')];
      await store.appendAudit([
        auditEvent(p1, { clientId: c1, event: 'e1' }),
        auditEvent(p2, { clientId: c2, event: 'e2' }),
        auditEvent(p1, { clientId: c2, event: 'e3' }),
        auditEvent(p1, { clientId: null, event: 'e4' }),
      ]);
      assert.deepEqual((await store.queryAudit({ partnerId: p1 })).map((e) => e.event), ['e1', 'e3', 'e4']);
      assert.deepEqual((await store.queryAudit({ partnerId: p2 })).map((e) => e.event), ['e2']);
      assert.deepEqual((await store.queryAudit({ clientId: c2 })).map((e) => e.event), ['e2', 'e3']);
      assert.deepEqual((await store.queryAudit({ clientId: c1 })).map((e) => e.event), ['e1']);
      assert.deepEqual((await store.queryAudit({ partnerId: p1, clientId: c2 })).map((e) => e.event), ['e3']);
      assert.deepEqual(await store.queryAudit({ partnerId: p2, clientId: c1 }), []);
    });

    test('audit: queryAudit filters by outcome', async () => {
      const p = id('audit-outcome');
      await store.appendAudit([
        auditEvent(p, { event: 'ok1' }),
        auditEvent(p, { event: 'no1', outcome: 'denied', reason: 'invalid_client' }),
        auditEvent(p, { event: 'ok2' }),
      ]);
      assert.deepEqual((await store.queryAudit({ partnerId: p, outcome: 'success' })).map((e) => e.event), ['ok1', 'ok2']);
      assert.deepEqual((await store.queryAudit({ partnerId: p, outcome: 'denied' })).map((e) => [e.event, e.reason]), [['no1', 'invalid_client']]);
    });

    test('audit: queryAudit since keeps events at or after the instant (inclusive)', async () => {
      const p = id('audit-since');
      const at = (s: string) => new Date(`2030-07-07T07:07:${s}Z`);
      await store.appendAudit([
        auditEvent(p, { event: 'before', at: at('06.999') }),
        auditEvent(p, { event: 'exact', at: at('07.000') }),
        auditEvent(p, { event: 'after', at: at('07.001') }),
      ]);
      assert.deepEqual((await store.queryAudit({ partnerId: p, since: at('07.000') })).map((e) => e.event), ['exact', 'after']);
      assert.deepEqual((await store.queryAudit({ partnerId: p, since: at('07.002') })).map((e) => e.event), []);
      assert.deepEqual((await store.queryAudit({ partnerId: p, since: at('00.000') })).map((e) => e.event), ['before', 'exact', 'after']);
    });

    test('audit: queryAudit limit returns the newest events (by id, across batches) in ascending id order', async () => {
      const p = id('audit-limit');
      await store.appendAudit([auditEvent(p, { event: 'e1' }), auditEvent(p, { event: 'e2' })]);
      await store.appendAudit([auditEvent(p, { event: 'e3' }), auditEvent(p, { event: 'e4' }), auditEvent(p, { event: 'e5' })]);
      const two = await store.queryAudit({ partnerId: p, limit: 2 });
      assert.deepEqual(two.map((e) => e.event), ['e4', 'e5']);
      assert.ok(two[0]!.id < two[1]!.id);
      assert.deepEqual((await store.queryAudit({ partnerId: p, limit: 1 })).map((e) => e.event), ['e5']);
      assert.deepEqual((await store.queryAudit({ partnerId: p, limit: 10 })).map((e) => e.event), ['e1', 'e2', 'e3', 'e4', 'e5']);
      assert.deepEqual((await store.queryAudit({ partnerId: p, outcome: 'success', limit: 3 })).map((e) => e.event), ['e3', 'e4', 'e5']);
    });

    test('audit: order and limit follow append order (id), not the events\' timestamps', async () => {
      const p = id('audit-order');
      await store.appendAudit([
        auditEvent(p, { event: 'late', at: new Date('2030-09-09T00:00:00Z') }),
        auditEvent(p, { event: 'early', at: new Date('2030-01-01T00:00:00Z') }),
      ]);
      assert.deepEqual((await store.queryAudit({ partnerId: p })).map((e) => e.event), ['late', 'early']);
      assert.deepEqual((await store.queryAudit({ partnerId: p, limit: 1 })).map((e) => e.event), ['early']);
    });

    test('transaction: a failing putGrant inside store.transaction leaves nothing of the transaction behind', async () => {
      const p = id('tx-grant');
      const r = uri('tx-grant');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.addPartner(p);
          await tx.addResource({ uri: r, partnerId: p, scopes: ['a'] });
          await tx.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['a'] });
          await tx.putGrant({ resourceUri: r, partnerId: p, clientId: id('tx-grant-no-client'), scopes: ['a'] });
        }),
      );
      assert.equal(await store.getPartner(p), null);
      assert.equal(await store.getResource(r), null);
      assert.deepEqual(await grantsOf(store, r), []);
    });

    test('transaction: a grant replaced inside a failing transaction keeps its former scopes', async () => {
      const p = await partner();
      const r = uri('tx-grant-replace');
      await store.addResource({ uri: r, partnerId: null });
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['old'] });
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['new'] });
          assert.deepEqual(await grantsOf(tx, r), [[p, null, ['new']]], 'replaced inside the transaction');
          await tx.putGrant({ resourceUri: uri('tx-grant-no-resource'), partnerId: p, clientId: null, scopes: [] });
        }),
      );
      assert.deepEqual(await grantsOf(store, r), [[p, null, ['old']]]);
    });

    test('transaction: deletePartner inside a failing transaction is rolled back with it', async () => {
      const p = await partner();
      const r = uri('tx-delete-partner');
      await store.addResource({ uri: r, partnerId: p });
      await store.addAuthority({ id: id('tx-delete-ca'), partnerId: p, certPem: 'PEM', fingerprint: id('fp-tx-delete'), keyPkcs8: null });
      await store.putGrant({ resourceUri: r, partnerId: p, clientId: null, scopes: ['s'] });
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.deletePartner(p);
          assert.equal(await tx.getPartner(p), null);
          throw new Error('abort');
        }),
      );
      assert.ok(await store.getPartner(p));
      assert.ok(await store.getResource(r));
      assert.ok(await store.getAuthority(id('tx-delete-ca')));
      assert.deepEqual(await grantsOf(store, r), [[p, null, ['s']]]);
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
