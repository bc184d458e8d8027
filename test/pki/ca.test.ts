import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createIssuingCa, createRootCa, loadIssuer, type CertifiedKey } from '../../src/pki/ca.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { extension, opensslDir } from './openssl.ts';

const DAY_MS = 86_400_000;
const dir = await opensslDir();
let root: CertifiedKey;
let acme: CertifiedKey;

before(async () => {
  root = await createRootCa({ commonName: 'certbound platform root CA' });
  acme = await createIssuingCa(root, { commonName: 'acme issuing CA', organization: 'acme' });
  await dir.write({ 'root.pem': root.certPem, 'acme.pem': acme.certPem });
});
after(() => dir.remove());

test('RFC 5280 §4.2.1.9: the root CA is self-signed with CA:TRUE and keyCertSign|cRLSign, both critical, and an SKI', async () => {
  const out = await dir.text('root.pem');
  assert.match(out, /Issuer: CN=certbound platform root CA\n/);
  assert.match(out, /Subject: CN=certbound platform root CA\n/);
  assert.equal(extension(out, 'X509v3 Basic Constraints'), 'critical CA:TRUE');
  assert.equal(extension(out, 'X509v3 Key Usage'), 'critical Certificate Sign, CRL Sign');
  assert.match(extension(out, 'X509v3 Subject Key Identifier') ?? '', /^[0-9A-F:]{59}$/);
  assert.match(out, /Signature Algorithm: ecdsa-with-SHA256/);
  const verify = await dir.openssl('verify', '-CAfile', 'root.pem', 'root.pem');
  assert.ok(verify.ok, verify.stderr);
});

test('the root CA is valid for 10 years by default, the issuing CA for 5', () => {
  const years = (pem: string): number => {
    const cert = new X509Certificate(pem);
    return (cert.validToDate.getTime() - Date.now()) / (365 * DAY_MS);
  };
  assert.ok(Math.abs(years(root.certPem) - 3650 / 365) < 0.01);
  assert.ok(Math.abs(years(acme.certPem) - 1825 / 365) < 0.01);
});

test('RFC 5280 §4.2.1.9: the issuing CA has CA:TRUE pathlen:0 and key usages, critical; its AKI is the root SKI', async () => {
  const [rootOut, out] = await Promise.all([dir.text('root.pem'), dir.text('acme.pem')]);
  assert.match(out, /Issuer: CN=certbound platform root CA\n/);
  assert.match(out, /Subject: CN=acme issuing CA,O=acme\n/);
  assert.equal(extension(out, 'X509v3 Basic Constraints'), 'critical CA:TRUE, pathlen:0');
  assert.equal(extension(out, 'X509v3 Key Usage'), 'critical Certificate Sign, CRL Sign');
  assert.equal(extension(out, 'X509v3 Authority Key Identifier'), extension(rootOut, 'X509v3 Subject Key Identifier'));
  assert.notEqual(extension(out, 'X509v3 Subject Key Identifier'), extension(rootOut, 'X509v3 Subject Key Identifier'));
});

test('openssl verifies the issuing CA against the root', async () => {
  const result = await dir.openssl('verify', '-CAfile', 'root.pem', 'acme.pem');
  assert.ok(result.ok, result.stderr);
  assert.equal(result.stdout.trim(), 'acme.pem: OK');
});

test("Node's X509Certificate parses both CAs and reports them as CAs issued in a chain", () => {
  const rootCert = new X509Certificate(root.certPem);
  const acmeCert = new X509Certificate(acme.certPem);
  assert.equal(rootCert.ca, true);
  assert.equal(acmeCert.ca, true);
  assert.equal(acmeCert.checkIssued(rootCert), true);
  assert.equal(acmeCert.verify(rootCert.publicKey), true);
  assert.equal(acmeCert.subject, 'O=acme\nCN=acme issuing CA');
});

test('pathLength is honoured, and a pathLen:0 CA cannot sign a working sub-CA', async () => {
  const deep = await createIssuingCa(root, { commonName: 'deep CA', pathLength: 1 });
  await dir.write({ 'deep.pem': deep.certPem });
  assert.equal(extension(await dir.text('deep.pem'), 'X509v3 Basic Constraints'), 'critical CA:TRUE, pathlen:1');

  const sub = await createIssuingCa(acme, { commonName: 'sub CA' });
  const leaf = await issueCertificate(sub, { subject: 'CN=c1', usage: 'client' });
  await dir.write({ 'sub.pem': sub.certPem, 'sub-leaf.pem': leaf.certPem, 'chain.pem': acme.certPem + sub.certPem });
  const result = await dir.openssl('verify', '-CAfile', 'root.pem', '-untrusted', 'chain.pem', 'sub-leaf.pem');
  assert.equal(result.ok, false);
  assert.match(result.stdout + result.stderr, /path length constraint exceeded/);
});

test('an issuer that is not a CA, or whose key is not its own, is refused', async () => {
  const leaf = await issueCertificate(acme, { subject: 'CN=c1', usage: 'client' });
  assert.ok(leaf.keyPkcs8);
  await assert.rejects(createIssuingCa({ certPem: leaf.certPem, keyPkcs8: leaf.keyPkcs8 }, { commonName: 'x' }), {
    name: 'TypeError',
    code: 'ERR_INVALID_ARG_VALUE',
    message: 'The issuer certificate is not a CA certificate',
  });
  await assert.rejects(loadIssuer({ certPem: acme.certPem, keyPkcs8: root.keyPkcs8 }), {
    code: 'ERR_INVALID_ARG_VALUE',
    message: 'The issuer key does not match its certificate',
  });
});

test('CA options are validated: empty names and bad days or pathLength', async () => {
  await assert.rejects(createRootCa({ commonName: ' ' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(createRootCa({ commonName: 'r', days: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(createIssuingCa(root, { commonName: 'x', pathLength: -1 }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(createIssuingCa(root, { commonName: 'x', organization: '' }), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('partner names are taken literally: RFC 4514 special characters stay inside one attribute', async () => {
  const ca = await createIssuingCa(root, { commonName: '#1 acme\\b, inc+co issuing CA', organization: 'acmé+co' });
  assert.equal(new X509Certificate(ca.certPem).subject, 'O=acmé\\+co\nCN=\\#1 acme\\\\b\\, inc\\+co issuing CA');
});
