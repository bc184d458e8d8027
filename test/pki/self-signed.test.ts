import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, test } from 'node:test';
import { createSelfSignedCertificate } from '../../src/pki/self-signed.ts';
import { importPkcs8 } from '../../src/pki/keys.ts';
import { extension, opensslDir } from './openssl.ts';

const dir = await opensslDir();
after(() => dir.remove());

test('RFC 8705 §2.2: a self-signed client certificate is its own issuer, CA:FALSE, digitalSignature, clientAuth', async () => {
  const self = await createSelfSignedCertificate({ subject: 'CN=c1, O=acme', sans: [{ type: 'dns', value: 'c1.acme.example' }] });
  await dir.write({ 'self.pem': self.certPem });
  const out = await dir.text('self.pem');
  assert.match(out, /Issuer: CN=c1,O=acme\n/);
  assert.match(out, /Subject: CN=c1,O=acme\n/);
  assert.equal(extension(out, 'X509v3 Basic Constraints'), 'critical CA:FALSE');
  assert.equal(extension(out, 'X509v3 Key Usage'), 'critical Digital Signature');
  assert.equal(extension(out, 'X509v3 Extended Key Usage'), 'TLS Web Client Authentication');
  assert.equal(extension(out, 'X509v3 Subject Alternative Name'), 'DNS:c1.acme.example');
  assert.equal(extension(out, 'X509v3 Authority Key Identifier'), undefined);
  const verify = await dir.openssl('verify', '-CAfile', 'self.pem', 'self.pem');
  assert.ok(verify.ok, verify.stderr);
});

test("Node's X509Certificate reads it as a self-signed non-CA client certificate with its own key", async () => {
  const self = await createSelfSignedCertificate({ subject: 'CN=c1' });
  const cert = new X509Certificate(self.certPem);
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.equal(cert.issuer, cert.subject);
  // OpenSSL's checkIssued also wants keyCertSign, which an end-entity key rightly lacks.
  assert.equal(cert.checkIssued(cert), false);
  assert.equal(cert.verify(cert.publicKey), true);
  const { publicKey } = await importPkcs8(self.keyPkcs8);
  assert.deepEqual(
    new Uint8Array(await crypto.subtle.exportKey('spki', publicKey)),
    new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' })),
  );
});

test('self-signed validity honours days and the notBefore/notAfter overrides', async () => {
  const now = Date.now();
  const short = new X509Certificate((await createSelfSignedCertificate({ subject: 'CN=c1', days: 7 })).certPem);
  assert.ok(Math.abs(short.validToDate.getTime() - (now + 7 * 86_400_000)) < 5_000);
  const notBefore = new Date('2021-03-01T00:00:00Z');
  const notAfter = new Date('2021-03-02T00:00:00Z');
  const old = new X509Certificate((await createSelfSignedCertificate({ subject: 'CN=c1', notBefore, notAfter })).certPem);
  assert.equal(old.validFromDate.getTime(), notBefore.getTime());
  assert.equal(old.validToDate.getTime(), notAfter.getTime());
});
