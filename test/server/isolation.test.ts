// Partner isolation over real TLS: a certificate authenticates only for its own partner's
// clients (a CA's own or an imported one), another partner's API is reachable only through a
// grant, resource servers see only their partner's tokens, and disabling a partner or a client
// takes effect at once. Each change is made with the admin library and applied by reload().
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { removeAnchor, importAnchors } from '../../src/admin/anchors.ts';
import { setClientStatus } from '../../src/admin/client-lifecycle.ts';
import { registerClient, type ClientRegistration } from '../../src/admin/clients.ts';
import { addPartner, setPartnerStatus } from '../../src/admin/partners.ts';
import { addResource, grantResource, revokeGrant } from '../../src/admin/resources.ts';
import type { CertifiedKey } from '../../src/pki/ca.ts';
import { jwtPayload, send, type Response } from '../helpers/https.ts';
import { acceptableCaNames, fingerprintOf, leafFrom, partnerRoot, thumbprintOf, type Identity } from '../helpers/pki.ts';
import { API, authority, credentials, startWorld, type Harness } from '../helpers/world.ts';

const INACTIVE = '{"active":false}';
/** An API of globex that acme's clients reach only through grants. */
const GLOBEX_ORDERS = 'https://api.globex.example/orders';
const GLOBEX_LEDGER = 'https://api.globex.example/ledger';

function requestToken(h: Harness, who: Identity, clientId: string, extra: Record<string, string> = {}): Promise<Response> {
  return send(`${h.issuer}/token`, { ca: who.ca, identity: who, form: { grant_type: 'client_credentials', client_id: clientId, ...extra } });
}

async function tokenOf(h: Harness, who: Identity, clientId: string, extra: Record<string, string> = {}): Promise<string> {
  const res = await requestToken(h, who, clientId, extra);
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

function introspectAs(h: Harness, callerId: string, who: Identity, token: string): Promise<Response> {
  return send(`${h.issuer}/introspect`, { ca: who.ca, identity: who, form: { client_id: callerId, token } });
}

function assertError(res: Response, status: number, error: string): void {
  assert.equal(res.status, status, res.text);
  assert.equal(res.json?.['error'], error, res.text);
  assert.equal(res.json?.['access_token'], undefined);
}

function assertInactive(res: Response): void {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, INACTIVE, 'exactly {"active":false}, no other member');
}

function assertActive(res: Response, clientId: string): void {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json?.['active'], true, res.text);
  assert.equal(res.json?.['client_id'], clientId);
}

/** Registers a client with a certificate certbound issues into the harness directory, reloads, and returns its identity. */
async function addCertificateClient(h: Harness, reg: ClientRegistration): Promise<Identity> {
  const { files } = await registerClient(h.store, { ...reg, issueCertTo: join(h.dir, 'issued', reg.id) });
  await h.service.reload();
  assert.ok(files?.key);
  const [cert, key, ca] = await Promise.all([readFile(files.cert, 'utf8'), readFile(files.key, 'utf8'), readFile(files.ca, 'utf8')]);
  return { cert, key, ca };
}

/** globex's orders API (orders:read orders:write) and a globex resource server registered to introspect it. */
async function addGlobexOrders(h: Harness): Promise<Identity> {
  await addResource(h.store, GLOBEX_ORDERS, 'globex', 'orders:read orders:write');
  return addCertificateClient(h, { id: 'globex-orders-rs', partnerId: 'globex', introspects: [GLOBEX_ORDERS] });
}

describe('RFC 8705 §2.1: a certificate authenticates only for clients of the partner whose anchor it chains to', () => {
  let h: Harness;
  let root: CertifiedKey & { commonName: string };
  let initech: Identity;
  const INITECH_DN = 'CN=initech-a,O=initech';

  before(async () => {
    h = await startWorld();
    root = await partnerRoot('initech');
    await addPartner(h.store, 'initech', { caPem: root.certPem });
    await registerClient(h.store, { id: 'initech-a', partnerId: 'initech', subject: { kind: 'subject_dn', value: INITECH_DN }, scope: 'orders:read' });
    await h.service.reload();
    initech = await leafFrom(root, INITECH_DN);
  });
  after(() => h.close());

  test("a globex-CA certificate with acme-a's exact subject DN is 401 invalid_client for acme-a; the same DN from acme's CA is 200", async () => {
    const fromGlobex = await leafFrom(await authority('globex'), 'CN=acme-a,O=acme');
    assertError(await requestToken(h, fromGlobex, 'acme-a'), 401, 'invalid_client');
    await tokenOf(h, await leafFrom(await authority('acme'), 'CN=acme-a,O=acme'), 'acme-a');
  });

  test("an imported partner CA: initech-a's leaf from initech's own root gets a token whose cnf x5t#S256 is the leaf's thumbprint", async () => {
    const claims = jwtPayload(await tokenOf(h, initech, 'initech-a'));
    assert.deepEqual(claims['cnf'], { 'x5t#S256': thumbprintOf(initech.cert) });
    assert.equal(claims['client_id'], 'initech-a');
  });

  test("initech-a's exact subject DN on a certificate from acme's CA is 401 invalid_client", async () => {
    assertError(await requestToken(h, await leafFrom(await authority('acme'), INITECH_DN), 'initech-a'), 401, 'invalid_client');
  });

  test("acme-a's exact subject DN on a certificate from initech's imported root is 401 invalid_client for acme-a", async () => {
    assertError(await requestToken(h, await leafFrom(root, 'CN=acme-a,O=acme'), 'acme-a'), 401, 'invalid_client');
  });

  test("initech's CA imported again for another partner is refused with ERR_CERTBOUND_CONFLICT, and no partner is left behind", async () => {
    const conflict = { name: 'CertboundError', code: 'ERR_CERTBOUND_CONFLICT' };
    await assert.rejects(addPartner(h.store, 'initech2', { caPem: root.certPem }), conflict);
    assert.equal(await h.store.getPartner('initech2'), null, 'the partner add is undone with the refused import');
    await assert.rejects(importAnchors(h.store, 'globex', root.certPem), conflict);
    await h.service.reload();
    await tokenOf(h, initech, 'initech-a');
  });

  test("after removeAnchor and reload, initech-a's certificate is 401 invalid_client and the listener no longer names initech's root", async () => {
    assert.ok((await acceptableCaNames(h.service.port)).includes(root.commonName), 'control: the imported root is in the CA list');
    await removeAnchor(h.store, 'initech', fingerprintOf(root.certPem));
    await h.service.reload();
    assertError(await requestToken(h, initech, 'initech-a'), 401, 'invalid_client');
    const names = await acceptableCaNames(h.service.port);
    assert.ok(!names.includes(root.commonName), names);
  });
});

describe("RFC 8707 grants: acme's clients reach globex's API only as far as a grant allows", () => {
  let h: Harness;
  let ordersRs: Identity;
  let a: Identity;
  /** acme-a's token for globex's API, issued under the partner grant. */
  let granted: string;

  before(async () => {
    h = await startWorld();
    ordersRs = await addGlobexOrders(h);
    a = await credentials('acme-a');
  });
  after(() => h.close());

  test("without a grant, acme-a asking for globex's API (resource=) is 400 invalid_target", async () => {
    assertError(await requestToken(h, a, 'acme-a', { resource: GLOBEX_ORDERS }), 400, 'invalid_target');
  });

  test('granted to partner acme with orders:read, acme-a gets a token with aud = the API and scope orders:read, active to globex\'s resource server', async () => {
    await grantResource(h.store, GLOBEX_ORDERS, 'acme', { scope: 'orders:read' });
    await h.service.reload();
    const res = await requestToken(h, a, 'acme-a', { resource: GLOBEX_ORDERS });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json?.['scope'], 'orders:read');
    granted = String(res.json?.['access_token']);
    const claims = jwtPayload(granted);
    assert.equal(claims['aud'], GLOBEX_ORDERS);
    assert.equal(claims['scope'], 'orders:read');
    assertActive(await introspectAs(h, 'globex-orders-rs', ordersRs, granted), 'acme-a');
  });

  test('acme-a asking for orders:write, which the grant leaves out, is 400 invalid_scope', async () => {
    assertError(await requestToken(h, a, 'acme-a', { resource: GLOBEX_ORDERS, scope: 'orders:write' }), 400, 'invalid_scope');
    assertError(await requestToken(h, a, 'acme-a', { resource: GLOBEX_ORDERS, scope: 'orders:read orders:write' }), 400, 'invalid_scope');
  });

  test('a grant to one acme client (acme-san): acme-a is 400 invalid_target, acme-san gets a token for the API', async () => {
    await addResource(h.store, GLOBEX_LEDGER, 'globex', 'ledger:read');
    await grantResource(h.store, GLOBEX_LEDGER, 'acme', { client: 'acme-san' });
    await h.service.reload();
    assertError(await requestToken(h, a, 'acme-a', { resource: GLOBEX_LEDGER }), 400, 'invalid_target');
    const token = await tokenOf(h, await credentials('acme-san'), 'acme-san', { resource: GLOBEX_LEDGER });
    assert.equal(jwtPayload(token)['aud'], GLOBEX_LEDGER);
    assert.equal(jwtPayload(token)['scope'], 'ledger:read');
  });

  test("RFC 7662 §2.2: globex's resource servers introspecting acme-a's token for acme's own API get exactly {\"active\":false}", async () => {
    const own = await tokenOf(h, a, 'acme-a');
    assert.equal(jwtPayload(own)['aud'], API.acmeOrders);
    assertInactive(await introspectAs(h, 'globex-rs', await credentials('globex-rs'), own));
    assertInactive(await introspectAs(h, 'globex-orders-rs', ordersRs, own));
    assertActive(await introspectAs(h, 'acme-rs', await credentials('acme-rs'), own), 'acme-a');
  });

  test("after revokeGrant, the token issued under the grant is exactly {\"active\":false} to globex's resource server and new requests are 400 invalid_target", async () => {
    await revokeGrant(h.store, GLOBEX_ORDERS, 'acme');
    await h.service.reload();
    assertInactive(await introspectAs(h, 'globex-orders-rs', ordersRs, granted));
    assertError(await requestToken(h, a, 'acme-a', { resource: GLOBEX_ORDERS }), 400, 'invalid_target');
  });
});

describe('a disabled partner or client gets no tokens and its live tokens are inactive until it is enabled again', () => {
  let h: Harness;
  let ordersRs: Identity;
  let a: Identity;
  let rs: Identity;
  /** acme-a's token for globex's API, which globex's resource server (of a partner that stays active) can see. */
  let crossPartner: string;
  /** acme-a's token for acme's own API. */
  let own: string;

  before(async () => {
    h = await startWorld();
    ordersRs = await addGlobexOrders(h);
    await grantResource(h.store, GLOBEX_ORDERS, 'acme', { scope: 'orders:read' });
    await h.service.reload();
    [a, rs] = await Promise.all([credentials('acme-a'), credentials('acme-rs')]);
    crossPartner = await tokenOf(h, a, 'acme-a', { resource: GLOBEX_ORDERS });
    own = await tokenOf(h, a, 'acme-a');
  });
  after(() => h.close());

  test("partner acme disabled: acme-a is 401 invalid_client at /token and /introspect, and its earlier token is exactly {\"active\":false} to globex's resource server", async () => {
    assertActive(await introspectAs(h, 'globex-orders-rs', ordersRs, crossPartner), 'acme-a');
    await setPartnerStatus(h.store, 'acme', 'disabled');
    await h.service.reload();
    assertError(await requestToken(h, a, 'acme-a'), 401, 'invalid_client');
    assertError(await introspectAs(h, 'acme-a', a, own), 401, 'invalid_client');
    assertInactive(await introspectAs(h, 'globex-orders-rs', ordersRs, crossPartner));
  });

  test("partner acme enabled again: acme-a gets tokens, and its earlier tokens are active again to globex's resource server and to acme-a", async () => {
    await setPartnerStatus(h.store, 'acme', 'active');
    await h.service.reload();
    await tokenOf(h, a, 'acme-a');
    assertActive(await introspectAs(h, 'globex-orders-rs', ordersRs, crossPartner), 'acme-a');
    assertActive(await introspectAs(h, 'acme-a', a, own), 'acme-a');
  });

  test('client acme-a disabled: 401 invalid_client at /token, its token exactly {"active":false} to acme-rs, while acme-san still gets tokens', async () => {
    assertActive(await introspectAs(h, 'acme-rs', rs, own), 'acme-a');
    await setClientStatus(h.store, 'acme-a', 'disabled');
    await h.service.reload();
    assertError(await requestToken(h, a, 'acme-a'), 401, 'invalid_client');
    assertInactive(await introspectAs(h, 'acme-rs', rs, own));
    assertInactive(await introspectAs(h, 'globex-orders-rs', ordersRs, crossPartner));
    await tokenOf(h, await credentials('acme-san'), 'acme-san');
  });

  test('client acme-a enabled again: it gets tokens and its unexpired token is active to acme-rs again', async () => {
    await setClientStatus(h.store, 'acme-a', 'active');
    await h.service.reload();
    await tokenOf(h, a, 'acme-a');
    assertActive(await introspectAs(h, 'acme-rs', rs, own), 'acme-a');
  });
});
