// Certificate lifecycle over real TLS: revoked certificates (RFC 8705 §6.3: bound tokens outlive
// them unless revoked too), self-signed rotation, an atomic subject change, a partner's tokens
// revoked in bulk, and certificates signed from a partner's CSR. Each change is made with the
// admin library and applied by reload(), as the admin API does.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { revokeCertificate, signCsr } from '../../src/admin/certificates.ts';
import { addClientCertificate, deleteClient, retireClientCertificate, revokeTokens, setClientSubject } from '../../src/admin/client-lifecycle.ts';
import { registerClient, type ClientRegistration } from '../../src/admin/clients.ts';
import { addPartner } from '../../src/admin/partners.ts';
import { jwtPayload, send, type Response } from '../helpers/https.ts';
import { firstPem, leafFrom, opensslCsr, partnerRoot, selfSigned, tamperSignature, thumbprintOf, type Identity } from '../helpers/pki.ts';
import { authority, credentials, startWorld, type Harness } from '../helpers/world.ts';

const INACTIVE = '{"active":false}';

function requestToken(h: Harness, who: Identity, clientId: string): Promise<Response> {
  return send(`${h.issuer}/token`, { ca: who.ca, identity: who, form: { grant_type: 'client_credentials', client_id: clientId } });
}

async function tokenOf(h: Harness, who: Identity, clientId: string): Promise<string> {
  const res = await requestToken(h, who, clientId);
  assert.equal(res.status, 200, res.text);
  return String(res.json?.['access_token']);
}

function introspectAs(h: Harness, callerId: string, who: Identity, token: string): Promise<Response> {
  return send(`${h.issuer}/introspect`, { ca: who.ca, identity: who, form: { client_id: callerId, token } });
}

function assertInvalidClient(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.json?.['error'], 'invalid_client', res.text);
  assert.equal(res.json?.['access_token'], undefined);
}

function assertInactive(res: Response): void {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, INACTIVE, 'exactly {"active":false}, no other member');
}

function assertActive(res: Response, clientId: string): Record<string, unknown> {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json?.['active'], true, res.text);
  assert.equal(res.json?.['client_id'], clientId);
  return res.json!;
}

/** The token's binding: its cnf x5t#S256. */
const boundTo = (token: string) => (jwtPayload(token)['cnf'] as Record<string, unknown> | undefined)?.['x5t#S256'];

async function reloaded<T>(h: Harness, change: Promise<T>): Promise<T> {
  const result = await change;
  await h.service.reload();
  return result;
}

describe('RFC 8705 §6.3: a revoked certificate authenticates no one; tokens bound to it live until revoked themselves', () => {
  let h: Harness;
  let rs: Identity;
  before(async () => {
    h = await startWorld();
    rs = await credentials('acme-rs');
  });
  after(() => h.close());

  test('revoked by the serial of its issuance record: 401 invalid_client; the earlier token stays active to acme-rs until revokeTokens makes it inactive', async () => {
    const reg: ClientRegistration = { id: 'acme-rev', partnerId: 'acme', scope: 'orders:read', resources: ['https://api.acme.example/orders'] };
    const { files } = await reloaded(h, registerClient(h.store, { ...reg, issueCertTo: join(h.dir, 'issued', reg.id) }));
    assert.ok(files?.key);
    const who: Identity = { cert: await readFile(files.cert, 'utf8'), key: await readFile(files.key, 'utf8'), ca: await readFile(files.ca, 'utf8') };
    const earlier = await tokenOf(h, who, 'acme-rev');
    const record = (await h.store.listIssuedCertificates()).find((c) => c.clientId === 'acme-rev');
    assert.ok(record);
    assert.equal(record.serial, new X509Certificate(firstPem(who.cert)).serialNumber.toLowerCase(), 'the record names the certificate the client holds');
    await reloaded(h, revokeCertificate(h.store, { serial: record.serial, reason: 'keyCompromise' }));
    assertInvalidClient(await requestToken(h, who, 'acme-rev'));
    assertActive(await introspectAs(h, 'acme-rs', rs, earlier), 'acme-rev');
    await reloaded(h, revokeTokens(h.store, 'client', 'acme-rev'));
    assertInactive(await introspectAs(h, 'acme-rs', rs, earlier));
  });

  test("revoked by thumbprint (acme-self's self-signed certificate): 401 invalid_client; the earlier token stays active to acme-rs until revokeTokens", async () => {
    const self = await credentials('acme-self');
    const earlier = await tokenOf(h, self, 'acme-self');
    await reloaded(h, revokeCertificate(h.store, { thumbprint: thumbprintOf(self.cert) }));
    assertInvalidClient(await requestToken(h, self, 'acme-self'));
    assertActive(await introspectAs(h, 'acme-rs', rs, earlier), 'acme-self');
    await reloaded(h, revokeTokens(h.store, 'client', 'acme-self'));
    assertInactive(await introspectAs(h, 'acme-rs', rs, earlier));
  });
});

describe('RFC 8705 §2.2: rotating a self_signed_tls_client_auth certificate', () => {
  let h: Harness;
  let oldCert: Identity;
  let newCert: Identity;
  /** Bound to the old certificate, issued before it is retired. */
  let oldToken: string;
  before(async () => {
    h = await startWorld();
    [oldCert, newCert] = await Promise.all([selfSigned('CN=acme-rot,O=acme'), selfSigned('CN=acme-rot,O=acme')]);
    const reg = { id: 'acme-rot', partnerId: 'acme', authMethod: 'self_signed_tls_client_auth', scope: 'orders:read', resources: ['https://api.acme.example/orders'] } as const;
    await reloaded(h, registerClient(h.store, { ...reg, certificatePem: oldCert.cert }));
  });
  after(() => h.close());

  test('after addClientCertificate, the old and the new certificate each get a token bound to itself', async () => {
    assertInvalidClient(await requestToken(h, newCert, 'acme-rot'));
    await reloaded(h, addClientCertificate(h.store, 'acme-rot', newCert.cert));
    oldToken = await tokenOf(h, oldCert, 'acme-rot');
    assert.equal(boundTo(oldToken), thumbprintOf(oldCert.cert));
    assert.equal(boundTo(await tokenOf(h, newCert, 'acme-rot')), thumbprintOf(newCert.cert));
  });

  test('after retireClientCertificate(old): the old certificate is 401 invalid_client, the new one 200, and the token bound to the old one is still active', async () => {
    await reloaded(h, retireClientCertificate(h.store, 'acme-rot', thumbprintOf(oldCert.cert)));
    assertInvalidClient(await requestToken(h, oldCert, 'acme-rot'));
    await tokenOf(h, newCert, 'acme-rot');
    const view = assertActive(await introspectAs(h, 'acme-rot', newCert, oldToken), 'acme-rot');
    assert.deepEqual(view['cnf'], { 'x5t#S256': thumbprintOf(oldCert.cert) });
  });

  test('retiring the last active certificate is refused with ERR_CERTBOUND_CONFLICT, and it still authenticates', async () => {
    await assert.rejects(retireClientCertificate(h.store, 'acme-rot', thumbprintOf(newCert.cert)), { name: 'CertboundError', code: 'ERR_CERTBOUND_CONFLICT' });
    await h.service.reload();
    await tokenOf(h, newCert, 'acme-rot');
  });
});

describe('RFC 8705 §2.1.2: a subject change, a bulk token revocation', () => {
  let h: Harness;
  /** How far the token service's clock runs ahead of the real one (ms): tests move it instead of waiting. */
  let ahead = 0;
  before(async () => {
    h = await startWorld({ now: () => new Date(Date.now() + ahead) });
  });
  after(() => h.close());

  test('setClientSubject is atomic: from the next request on, the old DN is 401 invalid_client and the new DN is 200', async () => {
    await reloaded(h, registerClient(h.store, { id: 'acme-x', partnerId: 'acme', subject: { kind: 'subject_dn', value: 'CN=acme-x,O=acme' }, scope: 'orders:read' }));
    const acme = await authority('acme');
    const [oldDn, newDn] = await Promise.all([leafFrom(acme, 'CN=acme-x,O=acme'), leafFrom(acme, 'CN=acme-x2,O=acme')]);
    await tokenOf(h, oldDn, 'acme-x');
    assertInvalidClient(await requestToken(h, newDn, 'acme-x'));
    await reloaded(h, setClientSubject(h.store, 'acme-x', 'subject_dn', 'CN=acme-x2,O=acme'));
    const [oldRes, newRes] = await Promise.all([requestToken(h, oldDn, 'acme-x'), requestToken(h, newDn, 'acme-x')]);
    assertInvalidClient(oldRes);
    assert.equal(newRes.status, 200, newRes.text);
  });

  test("revokeTokens(partner acme): every live acme token is exactly {\"active\":false}, globex's stay active, and acme tokens issued in a later second are active", async () => {
    const [a, self, g, rs, grs] = await Promise.all([credentials('acme-a'), credentials('acme-self'), credentials('globex-g'), credentials('acme-rs'), credentials('globex-rs')]);
    const [tA, tSelf, tG] = [await tokenOf(h, a, 'acme-a'), await tokenOf(h, self, 'acme-self'), await tokenOf(h, g, 'globex-g')];
    const { revoked_before } = await reloaded(h, revokeTokens(h.store, 'partner', 'acme'));
    assertInactive(await introspectAs(h, 'acme-rs', rs, tA));
    assertInactive(await introspectAs(h, 'acme-rs', rs, tSelf));
    assertActive(await introspectAs(h, 'globex-rs', grs, tG), 'globex-g');
    // Token times are whole seconds: a token of the revocation's own second cannot be told from an earlier one.
    // The service's clock is moved into the next second (the cut-off is the database's clock, which stays).
    const nextSecond = (Math.floor(Date.parse(revoked_before) / 1000) + 1) * 1000;
    ahead = Math.max(0, nextSecond - Date.now() + 10);
    assertActive(await introspectAs(h, 'acme-rs', rs, await tokenOf(h, a, 'acme-a')), 'acme-a');
  });
});

describe('certificates signed from a partner CSR', () => {
  let h: Harness;
  const SPIFFE = 'spiffe://certbound.local/partner/acme/client/acme-csr';
  before(async () => {
    h = await startWorld();
  });
  after(() => h.close());

  test('signCsr for acme-csr: the certificate carries its SPIFFE SAN URI, and the client registered by that san_uri gets a token bound to it', async () => {
    await reloaded(h, registerClient(h.store, { id: 'acme-csr', partnerId: 'acme', subject: { kind: 'san_uri', value: SPIFFE }, scope: 'orders:read' }));
    const { csr, key } = await opensslCsr('/O=acme/CN=acme-csr');
    const signed = await signCsr(h.store, { partner: 'acme', csr, client: 'acme-csr' });
    const x509 = new X509Certificate(signed.cert_pem);
    assert.equal(x509.subjectAltName, `URI:${SPIFFE}`);
    assert.equal(signed.thumbprint, thumbprintOf(signed.cert_pem));
    const ca = (await credentials('acme-a')).ca;
    const token = await tokenOf(h, { cert: signed.chain_pem, key, ca }, 'acme-csr');
    assert.equal(boundTo(token), thumbprintOf(signed.cert_pem));
  });

  test('signCsr for a partner whose CA is imported is refused with ERR_CERTBOUND_NO_CA_KEY', async () => {
    await addPartner(h.store, 'initech', { caPem: (await partnerRoot('initech')).certPem });
    const { csr } = await opensslCsr('/O=initech/CN=initech-csr');
    await assert.rejects(signCsr(h.store, { partner: 'initech', csr }), { name: 'CertboundError', code: 'ERR_CERTBOUND_NO_CA_KEY' });
  });

  test('a CSR whose signature does not verify is refused with ERR_CERTBOUND_INVALID_CERTIFICATE', async () => {
    const { csr } = await opensslCsr('/O=acme/CN=acme-csr');
    await assert.rejects(signCsr(h.store, { partner: 'acme', csr: tamperSignature(csr), client: 'acme-csr' }), {
      name: 'CertboundError',
      code: 'ERR_CERTBOUND_INVALID_CERTIFICATE',
    });
  });
});

describe('a deleted client takes its tokens with it, even from a later client reusing its id', () => {
  let h: Harness;
  /** How far the token service's clock runs ahead of the real one (ms): the test moves it instead of waiting. */
  let ahead = 0;
  before(async () => {
    h = await startWorld({ now: () => new Date(Date.now() + ahead) });
  });
  after(() => h.close());

  test('delete acme-noaud, register acme-noaud again under globex (same scope, no resource): its old service-audience token introspects exactly {"active":false} to the new owner', async () => {
    const a = await credentials('acme-noaud');
    const old = await tokenOf(h, a, 'acme-noaud');
    assertActive(await introspectAs(h, 'acme-noaud', a, old), 'acme-noaud');
    await reloaded(h, deleteClient(h.store, 'acme-noaud'));
    assertInvalidClient(await requestToken(h, a, 'acme-noaud'));
    // Token times are whole seconds: the new client's tokens come after the cut (the database's clock, which stays).
    ahead = 1_100;
    await reloaded(h, registerClient(h.store, { id: 'acme-noaud', partnerId: 'globex', scope: 'misc', subject: { kind: 'subject_dn', value: 'CN=acme-noaud, O=globex' } }));
    const reborn = await leafFrom(await authority('globex'), 'CN=acme-noaud, O=globex');
    assertInactive(await introspectAs(h, 'acme-noaud', reborn, old));
    // The new client's own tokens are alive.
    assertActive(await introspectAs(h, 'acme-noaud', reborn, await tokenOf(h, reborn, 'acme-noaud')), 'acme-noaud');
  });
});
