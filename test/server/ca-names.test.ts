// `caNames: 'roots'`: the listener names only the platform root and imported anchors in its
// CertificateRequest (a small handshake with many partners); trust is unchanged, and clients of
// certbound-held partner CAs present their chain, as the cert.pem certbound issues holds it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addPartner, setPartnerStatus } from '../../src/admin/partners.ts';
import { registerClient } from '../../src/admin/clients.ts';
import { send, type Response } from '../helpers/https.ts';
import { acceptableCaNames, leafFrom, partnerRoot } from '../helpers/pki.ts';
import { authority, credentials, startWorld, type Harness } from '../helpers/world.ts';

function token(h: Harness, who: { cert: string; key: string; ca: string }, clientId: string): Promise<Response> {
  return send(`${h.issuer}/token`, { ca: who.ca, identity: who, form: { grant_type: 'client_credentials', client_id: clientId } });
}

describe("caNames 'roots': only the platform root and imported anchors are named", () => {
  let h: Harness;
  before(async () => {
    h = await startWorld({ caNames: 'roots' });
  });
  after(() => h.close());

  test('the CertificateRequest names the platform root alone, not the partner CAs', async () => {
    const names = await acceptableCaNames(h.service.port);
    assert.match(names, /certbound platform root CA/);
    assert.doesNotMatch(names, /certbound partner CA/);
  });

  test('a client presenting its chain (cert.pem as issued) gets a token; its leaf alone is 401 invalid_client', async () => {
    const a = await credentials('acme-a');
    const withChain = await token(h, { cert: a.chain!, key: a.key, ca: a.ca }, 'acme-a');
    assert.equal(withChain.status, 200, withChain.text);
    const leafOnly = await token(h, a, 'acme-a');
    assert.equal(leafOnly.status, 401, leafOnly.text);
    assert.equal(leafOnly.json?.['error'], 'invalid_client');
  });

  test('partner isolation is unchanged: another partner\'s chain with acme-a\'s subject is 401 invalid_client', async () => {
    const globex = await authority('globex');
    const forged = await leafFrom(globex, 'CN=acme-a, O=acme');
    const res = await token(h, { cert: forged.cert + globex.certPem, key: forged.key, ca: forged.ca }, 'acme-a');
    assert.equal(res.status, 401, res.text);
    assert.equal(res.json?.['error'], 'invalid_client');
  });

  test('a disabled partner\'s chain still validates in TLS but authenticates no one: 401 invalid_client', async () => {
    const a = await credentials('acme-a');
    await setPartnerStatus(h.store, 'acme', 'disabled');
    await h.service.reload();
    try {
      const res = await token(h, { cert: a.chain!, key: a.key, ca: a.ca }, 'acme-a');
      assert.equal(res.status, 401, res.text);
      assert.equal(res.json?.['error'], 'invalid_client');
    } finally {
      await setPartnerStatus(h.store, 'acme', 'active');
      await h.service.reload();
    }
  });

  test('an imported anchor is named, and its clients get tokens with their leaf alone', async () => {
    const root = await partnerRoot('Roots Mode');
    await addPartner(h.store, 'rootsco', { caPem: root.certPem });
    await registerClient(h.store, { id: 'rootsco-a', partnerId: 'rootsco', subject: { kind: 'subject_dn', value: 'CN=rootsco-a, O=rootsco' } });
    await h.service.reload();
    assert.ok((await acceptableCaNames(h.service.port)).includes(root.commonName));
    const leaf = await leafFrom(root, 'CN=rootsco-a, O=rootsco');
    const res = await token(h, leaf, 'rootsco-a');
    assert.equal(res.status, 200, res.text);
  });
});
