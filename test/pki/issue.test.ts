import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createIssuingCa, createRootCa, type CertifiedKey } from '../../src/pki/ca.ts';
import { issueCertificate } from '../../src/pki/issue.ts';
import { generateKeyPair, importPkcs8 } from '../../src/pki/keys.ts';
import { extension, opensslDir } from './openssl.ts';

const DAY_MS = 86_400_000;
const dir = await opensslDir();
let root: CertifiedKey;
let acme: CertifiedKey;
let globex: CertifiedKey;

before(async () => {
  root = await createRootCa({ commonName: 'certbound platform root CA' });
  [acme, globex] = await Promise.all([
    createIssuingCa(root, { commonName: 'acme issuing CA', organization: 'acme' }),
    createIssuingCa(root, { commonName: 'globex issuing CA', organization: 'globex' }),
  ]);
  await dir.write({ 'root.pem': root.certPem, 'acme.pem': acme.certPem, 'globex.pem': globex.certPem });
});
after(() => dir.remove());

test('openssl verifies a client certificate through the partner CA to the root', async () => {
  const leaf = await issueCertificate(acme, { subject: 'CN=c1, O=acme', usage: 'client' });
  await dir.write({ 'c1.pem': leaf.certPem });
  const result = await dir.openssl('verify', '-CAfile', 'root.pem', '-untrusted', 'acme.pem', '-purpose', 'sslclient', 'c1.pem');
  assert.ok(result.ok, result.stderr);
  assert.equal(result.stdout.trim(), 'c1.pem: OK');
});

test('RFC 5280 §4.2.1: a client leaf has CA:FALSE and digitalSignature (critical), EKU clientAuth, SANs and AKI/SKI', async () => {
  const leaf = await issueCertificate(acme, {
    subject: 'CN=c1, O=acme',
    usage: 'client',
    sans: [
      { type: 'dns', value: 'c1.acme.example' },
      { type: 'uri', value: 'spiffe://acme.example/c1' },
      { type: 'email', value: 'ops@acme.example' },
      { type: 'ip', value: '2001:db8::1' },
    ],
  });
  await dir.write({ 'c1-sans.pem': leaf.certPem });
  const [out, caOut] = await Promise.all([dir.text('c1-sans.pem'), dir.text('acme.pem')]);
  assert.match(out, /Subject: CN=c1,O=acme\n/, 'the RFC 4514 subject round-trips');
  assert.match(out, /Issuer: CN=acme issuing CA,O=acme\n/);
  assert.equal(extension(out, 'X509v3 Basic Constraints'), 'critical CA:FALSE');
  assert.equal(extension(out, 'X509v3 Key Usage'), 'critical Digital Signature');
  assert.equal(extension(out, 'X509v3 Extended Key Usage'), 'TLS Web Client Authentication');
  assert.equal(
    extension(out, 'X509v3 Subject Alternative Name'),
    'DNS:c1.acme.example, URI:spiffe://acme.example/c1, email:ops@acme.example, IP Address:2001:DB8:0:0:0:0:0:1',
  );
  assert.equal(extension(out, 'X509v3 Authority Key Identifier'), extension(caOut, 'X509v3 Subject Key Identifier'));
  assert.match(extension(out, 'X509v3 Subject Key Identifier') ?? '', /^[0-9A-F:]{59}$/);
});

test('a server leaf has EKU serverAuth and its SANs, and verifies for the sslserver purpose', async () => {
  const leaf = await issueCertificate(acme, {
    subject: 'CN=api.acme.example',
    usage: 'server',
    sans: [{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }],
  });
  await dir.write({ 'server.pem': leaf.certPem });
  const out = await dir.text('server.pem');
  assert.equal(extension(out, 'X509v3 Extended Key Usage'), 'TLS Web Server Authentication');
  assert.equal(extension(out, 'X509v3 Subject Alternative Name'), 'DNS:localhost, IP Address:127.0.0.1');
  const result = await dir.openssl('verify', '-CAfile', 'root.pem', '-untrusted', 'acme.pem', '-purpose', 'sslserver', '-verify_hostname', 'localhost', 'server.pem');
  assert.ok(result.ok, result.stderr);
});

test('partner isolation: a leaf of partner A does not verify against partner B', async () => {
  const leaf = await issueCertificate(acme, { subject: 'CN=c1, O=acme', usage: 'client' });
  await dir.write({ 'a-leaf.pem': leaf.certPem });
  const viaB = await dir.openssl('verify', '-CAfile', 'root.pem', '-untrusted', 'globex.pem', 'a-leaf.pem');
  assert.equal(viaB.ok, false);
  assert.match(viaB.stdout + viaB.stderr, /unable to get local issuer certificate/);
  const anchoredAtB = await dir.openssl('verify', '-partial_chain', '-CAfile', 'globex.pem', 'a-leaf.pem');
  assert.equal(anchoredAtB.ok, false);
  const anchoredAtA = await dir.openssl('verify', '-partial_chain', '-CAfile', 'acme.pem', 'a-leaf.pem');
  assert.ok(anchoredAtA.ok, anchoredAtA.stderr);
});

test("Node's X509Certificate parses a leaf: not a CA, EKU list, SAN, issued by the partner CA", async () => {
  const leaf = await issueCertificate(acme, { subject: 'CN=c1, O=acme', usage: 'client', sans: [{ type: 'dns', value: 'c1.acme.example' }] });
  const cert = new X509Certificate(leaf.certPem);
  const ca = new X509Certificate(acme.certPem);
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.equal(cert.subjectAltName, 'DNS:c1.acme.example');
  assert.equal(cert.subject, 'O=acme\nCN=c1');
  assert.equal(cert.checkIssued(ca), true);
  assert.equal(cert.verify(ca.publicKey), true);
  assert.equal(cert.checkIssued(new X509Certificate(globex.certPem)), false);
});

test('RFC 8705 §3.1: the returned thumbprint is base64url SHA-256 of the DER, and serial and notAfter match the certificate', async () => {
  const leaf = await issueCertificate(acme, { subject: 'CN=c1', usage: 'client' });
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(leaf.thumbprint, createHash('sha256').update(cert.raw).digest('base64url'));
  assert.match(leaf.thumbprint, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(leaf.serial, cert.serialNumber.toLowerCase());
  assert.match(leaf.serial, /^[0-9a-f]{32}$/);
  assert.equal(leaf.notAfter.getTime(), cert.validToDate.getTime());
});

test('the returned private key belongs to the certificate', async () => {
  const leaf = await issueCertificate(acme, { subject: 'CN=c1', usage: 'client' });
  assert.ok(leaf.keyPkcs8);
  const { publicKey } = await importPkcs8(leaf.keyPkcs8);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', publicKey));
  assert.deepEqual(spki, new Uint8Array(new X509Certificate(leaf.certPem).publicKey.export({ type: 'spki', format: 'der' })));
});

test('a given public key (as from a CSR) is certified, and no private key is returned', async () => {
  const keys = await generateKeyPair();
  const leaf = await issueCertificate(acme, { subject: 'CN=c2, O=acme', usage: 'client', publicKey: keys.publicKey });
  assert.equal(leaf.keyPkcs8, null);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', keys.publicKey));
  assert.deepEqual(spki, new Uint8Array(new X509Certificate(leaf.certPem).publicKey.export({ type: 'spki', format: 'der' })));
});

test('default validity: 365 days for client, 397 days for server certificates', async () => {
  const now = Date.now();
  const [client, server] = await Promise.all([
    issueCertificate(acme, { subject: 'CN=c1', usage: 'client' }),
    issueCertificate(acme, { subject: 'CN=s1', usage: 'server', sans: [{ type: 'dns', value: 's1.example' }] }),
  ]);
  assert.ok(Math.abs(client.notAfter.getTime() - (now + 365 * DAY_MS)) < 5_000);
  assert.ok(Math.abs(server.notAfter.getTime() - (now + 397 * DAY_MS)) < 5_000);
  const notBefore = new X509Certificate(client.certPem).validFromDate.getTime();
  assert.ok(notBefore <= now && notBefore > now - 120_000, 'notBefore is slightly backdated for clock skew');
});

test('notBefore/notAfter overrides give an expired certificate with exactly the dates asked for', async () => {
  const notBefore = new Date('2020-01-01T00:00:00Z');
  const notAfter = new Date('2020-12-31T23:59:59Z');
  const leaf = await issueCertificate(acme, { subject: 'CN=old', usage: 'client', notBefore, notAfter });
  await dir.write({ 'expired.pem': leaf.certPem });
  const dates = await dir.openssl('x509', '-in', 'expired.pem', '-noout', '-dates');
  assert.equal(dates.stdout, 'notBefore=Jan  1 00:00:00 2020 GMT\nnotAfter=Dec 31 23:59:59 2020 GMT\n');
  assert.equal(leaf.notAfter.getTime(), notAfter.getTime());
  const result = await dir.openssl('verify', '-CAfile', 'root.pem', '-untrusted', 'acme.pem', 'expired.pem');
  assert.equal(result.ok, false);
  assert.match(result.stdout + result.stderr, /certificate has expired/);
});

test('a notBefore in the future gives a not-yet-valid certificate, valid for `days` from then', async () => {
  const notBefore = new Date(Date.UTC(2027, 0, 1) + 10 * 365 * DAY_MS);
  const leaf = await issueCertificate(acme, { subject: 'CN=future', usage: 'client', notBefore, days: 30 });
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(cert.validFromDate.getTime(), notBefore.getTime());
  assert.equal(cert.validToDate.getTime(), notBefore.getTime() + 30 * DAY_MS);
  await dir.write({ 'future.pem': leaf.certPem });
  const result = await dir.openssl('verify', '-CAfile', 'root.pem', '-untrusted', 'acme.pem', 'future.pem');
  assert.equal(result.ok, false);
  assert.match(result.stdout + result.stderr, /certificate is not yet valid/);
});

test('dates beyond 2049 are encoded as GeneralizedTime and still read back exactly', async () => {
  const notAfter = new Date('2051-06-01T12:00:00Z');
  const leaf = await issueCertificate(acme, { subject: 'CN=long', usage: 'client', notAfter });
  assert.equal(new X509Certificate(leaf.certPem).validToDate.getTime(), notAfter.getTime());
});

test('bad options are refused with Node-style codes', async () => {
  const cases = [
    [{ subject: 'CN=s', usage: 'server' }, 'ERR_INVALID_ARG_VALUE'],
    [{ subject: 'CN=s', usage: 'server', sans: [{ type: 'uri', value: 'https://s.example' }] }, 'ERR_INVALID_ARG_VALUE'],
    [{ subject: 'CN=c', usage: 'client', sans: [{ type: 'ip', value: '300.1.1.1' }] }, 'ERR_INVALID_ARG_VALUE'],
    [{ subject: 'CN=c', usage: 'client', sans: [{ type: 'dns', value: 'bad host' }] }, 'ERR_INVALID_ARG_VALUE'],
    [{ subject: 'CN=c', usage: 'client', sans: [{ type: 'uri', value: 'not a uri' }] }, 'ERR_INVALID_ARG_VALUE'],
    [{ subject: 'CN=c', usage: 'client', sans: [{ type: 'email', value: 'nobody' }] }, 'ERR_INVALID_ARG_VALUE'],
    [{ subject: 'CN=c1, garbage', usage: 'client' }, 'ERR_INVALID_ARG_VALUE'],
    [{ subject: '', usage: 'client' }, 'ERR_INVALID_ARG_VALUE'],
    [{ subject: 'CN=c', usage: 'client', days: -1 }, 'ERR_OUT_OF_RANGE'],
    [{ subject: 'CN=c', usage: 'client', notBefore: new Date('2030-01-01'), notAfter: new Date('2029-01-01') }, 'ERR_OUT_OF_RANGE'],
    [{ subject: 'CN=c', usage: 'client', notAfter: new Date('nope') }, 'ERR_INVALID_ARG_VALUE'],
  ] as const;
  for (const [opts, code] of cases) {
    await assert.rejects(issueCertificate(acme, opts), { code }, JSON.stringify(opts));
  }
  const { privateKey } = await generateKeyPair();
  await assert.rejects(issueCertificate(acme, { subject: 'CN=c', usage: 'client', publicKey: privateKey }), {
    code: 'ERR_INVALID_ARG_VALUE',
    message: 'publicKey must be a public key',
  });
});
