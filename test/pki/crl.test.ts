// CRLs signed by a certbound CA, read back by the openssl CLI: fields, extensions, and
// `openssl verify -crl_check` refusing exactly the revoked certificate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createIssuingCa, createRootCa, type CertifiedKey } from '../../src/pki/ca.ts';
import { createCrl, crlReasonCode } from '../../src/pki/crl.ts';
import { issueCertificate, type IssuedLeaf } from '../../src/pki/issue.ts';
import { derToPem } from '../../src/pki/keys.ts';
import { extension, opensslDir } from './openssl.ts';

const DAY_MS = 86_400_000;
const dir = await opensslDir();
let root: CertifiedKey;
let acme: CertifiedKey;
let revoked: IssuedLeaf;
let good: IssuedLeaf;

before(async () => {
  root = await createRootCa({ commonName: 'certbound platform root CA' });
  acme = await createIssuingCa(root, { commonName: 'acme issuing CA', organization: 'acme' });
  [revoked, good] = await Promise.all([
    issueCertificate(acme, { subject: 'CN=revoked, O=acme', usage: 'client' }),
    issueCertificate(acme, { subject: 'CN=good, O=acme', usage: 'client' }),
  ]);
  await dir.write({ 'root.pem': root.certPem, 'acme.pem': acme.certPem, 'revoked.pem': revoked.certPem, 'good.pem': good.certPem });
});
after(() => dir.remove());

/** Seconds precision, as a CRL's UTCTime carries. */
const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

test('RFC 5280 §5.1: openssl reads a v2 CRL with issuer, dates, cRLNumber, AKI, and each entry with its reasonCode', async () => {
  const thisUpdate = wholeSeconds(Date.now());
  const nextUpdate = new Date(thisUpdate.getTime() + DAY_MS);
  const der = await createCrl(
    acme,
    [
      { serial: revoked.serial, revokedAt: thisUpdate, reason: 'keyCompromise' },
      { serial: '0A:BC', revokedAt: thisUpdate, reason: 'unspecified' },
      { serial: 'ff', revokedAt: thisUpdate, reason: 'superseded' },
    ],
    { thisUpdate, nextUpdate, crlNumber: 1_750_000_000 },
  );
  await dir.write({ 'fields.crl': der });
  const [crl, ca] = await Promise.all([
    dir.openssl('crl', '-inform', 'DER', '-in', 'fields.crl', '-noout', '-text', '-nameopt', 'RFC2253'),
    dir.text('acme.pem'),
  ]);
  assert.ok(crl.ok, crl.stderr);
  const out = crl.stdout;
  assert.match(out, /Version 2 \(0x1\)/);
  assert.match(out, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(out, /Issuer: CN=acme issuing CA,O=acme\n/);
  assert.match(out, /Next Update: .+\n/);
  assert.equal(extension(out, 'X509v3 CRL Number'), '1750000000');
  assert.equal(extension(out, 'X509v3 Authority Key Identifier'), extension(ca, 'X509v3 Subject Key Identifier'));
  assert.match(out, new RegExp(`Serial Number: ${revoked.serial.toUpperCase()}\\n\\s+Revocation Date: .+\\n\\s+CRL entry extensions:\\n\\s+X509v3 CRL Reason Code: *\\n\\s+Key Compromise`));
  assert.match(out, /Serial Number: FF\n\s+Revocation Date: .+\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: *\n\s+Superseded/);
  // RFC 5280 §5.3.1: unspecified is conveyed by leaving the reasonCode out.
  assert.match(out, /Serial Number: 0ABC\n\s+Revocation Date: .+\n\s+Serial Number/);
  const lastUpdate = await dir.openssl('crl', '-inform', 'DER', '-in', 'fields.crl', '-noout', '-lastupdate', '-nextupdate');
  assert.ok(lastUpdate.ok, lastUpdate.stderr);
  const [, last = '', next = ''] = /lastUpdate=(.+)\nnextUpdate=(.+)/.exec(lastUpdate.stdout) ?? [];
  assert.equal(new Date(last).getTime(), thisUpdate.getTime());
  assert.equal(new Date(next).getTime(), nextUpdate.getTime());
});

test('openssl verify -crl_check: the listed certificate is revoked, an unlisted one of the same CA verifies', async () => {
  const thisUpdate = new Date();
  const [acmeCrl, rootCrl] = await Promise.all([
    createCrl(acme, [{ serial: revoked.serial, revokedAt: thisUpdate, reason: 'keyCompromise' }], {
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + DAY_MS),
      crlNumber: 7,
    }),
    createCrl(root, [], { thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + DAY_MS), crlNumber: 1 }),
  ]);
  await dir.write({ 'acme.crl.pem': derToPem(acmeCrl, 'X509 CRL'), 'root.crl.pem': derToPem(rootCrl, 'X509 CRL') });
  const verify = (leaf: string) =>
    dir.openssl('verify', '-crl_check', '-CAfile', 'root.pem', '-untrusted', 'acme.pem', '-CRLfile', 'acme.crl.pem', '-purpose', 'sslclient', leaf);
  const [bad, ok] = await Promise.all([verify('revoked.pem'), verify('good.pem')]);
  assert.equal(bad.ok, false);
  assert.match(bad.stdout + bad.stderr, /certificate revoked/);
  assert.ok(ok.ok, ok.stderr);
  assert.equal(ok.stdout.trim(), 'good.pem: OK');
  // crl_check_all: the root's own (empty) CRL covers the issuing CA, the issuing CA's covers the leaf.
  const all = await dir.openssl(
    'verify', '-crl_check_all', '-CAfile', 'root.pem', '-untrusted', 'acme.pem', '-CRLfile', 'acme.crl.pem', '-CRLfile', 'root.crl.pem', 'good.pem',
  );
  assert.ok(all.ok, all.stderr);
});

test('a serial revoked twice is listed once, with its first revocation date', async () => {
  const first = new Date(Date.now() - 3_600_000);
  const thisUpdate = new Date();
  const der = await createCrl(
    acme,
    [
      { serial: revoked.serial, revokedAt: thisUpdate, reason: 'superseded' },
      { serial: revoked.serial.toUpperCase(), revokedAt: first, reason: 'keyCompromise' },
    ],
    { thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + DAY_MS), crlNumber: 2 },
  );
  await dir.write({ 'dup.crl': der });
  const out = await dir.openssl('crl', '-inform', 'DER', '-in', 'dup.crl', '-noout', '-text');
  assert.ok(out.ok, out.stderr);
  assert.equal(out.stdout.match(/Serial Number:/g)?.length, 1);
  assert.match(out.stdout, /Key Compromise/);
});

test('an empty CRL has no revoked certificates and still verifies against its CA', async () => {
  const thisUpdate = new Date();
  const der = await createCrl(acme, [], { thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + DAY_MS), crlNumber: 3 });
  await dir.write({ 'empty.crl': der });
  const out = await dir.openssl('crl', '-inform', 'DER', '-in', 'empty.crl', '-noout', '-text', '-CAfile', 'acme.pem');
  assert.ok(out.ok, out.stderr);
  assert.match(out.stdout, /No Revoked Certificates\./);
  assert.match(out.stderr + out.stdout, /verify OK/);
});

test('bad arguments: nextUpdate not after thisUpdate, a negative or fractional cRLNumber, a malformed serial, a non-CA issuer', async () => {
  const t = new Date();
  const later = new Date(t.getTime() + DAY_MS);
  await assert.rejects(createCrl(acme, [], { thisUpdate: t, nextUpdate: t, crlNumber: 1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(createCrl(acme, [], { thisUpdate: t, nextUpdate: later, crlNumber: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(createCrl(acme, [], { thisUpdate: t, nextUpdate: later, crlNumber: 1.5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(createCrl(acme, [{ serial: 'xyz', revokedAt: t, reason: 'superseded' }], { thisUpdate: t, nextUpdate: later, crlNumber: 1 }), RangeError);
  const leafAsIssuer = { certPem: good.certPem, keyPkcs8: good.keyPkcs8! };
  await assert.rejects(createCrl(leafAsIssuer, [], { thisUpdate: t, nextUpdate: later, crlNumber: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('RFC 5280 §5.3.1: reason names map to their CRLReason codes; unspecified and unknown names carry none', () => {
  assert.equal(crlReasonCode('keyCompromise'), 1);
  assert.equal(crlReasonCode('cACompromise'), 2);
  assert.equal(crlReasonCode('superseded'), 4);
  assert.equal(crlReasonCode('cessationOfOperation'), 5);
  assert.equal(crlReasonCode('certificateHold'), 6);
  assert.equal(crlReasonCode('privilegeWithdrawn'), 9);
  assert.equal(crlReasonCode('unspecified'), undefined);
  assert.equal(crlReasonCode('toString'), undefined);
  assert.equal(crlReasonCode('no such reason'), undefined);
  assert.equal(crlReasonCode('1'), undefined);
});
