// Reading an imported CA's CRL: DER and PEM, an openssl-made CRL, and every way a CRL must
// be refused (wrong signer or issuer, out of date, critical extensions, garbage).
import assert from 'node:assert/strict';
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createIssuingCa, createRootCa, type CertifiedKey } from '../../src/pki/ca.ts';
import { createCrl } from '../../src/pki/crl.ts';
import { parseCrl } from '../../src/pki/crl-parse.ts';
import { derToPem, exportPkcs8, generateKeyPair, pkcs8ToPem } from '../../src/pki/keys.ts';
import {
  KeyUsageFlags,
  KeyUsagesExtension,
  SIGNING_ALGORITHM,
  X509CertificateGenerator,
  BasicConstraintsExtension,
  certificatePem,
  rfc4514Name,
} from '../../src/pki/x509.ts';
import { DAY_MS, integerExtension, signCrl } from '../helpers/crl.ts';
import { opensslDir } from './openssl.ts';

const INVALID_CRL = { name: 'CertboundError', code: 'ERR_CERTBOUND_INVALID_CRL' };
const dir = await opensslDir();
let ca: CertifiedKey;
let anchor: NodeX509Certificate;

before(async () => {
  ca = await createRootCa({ commonName: 'partner own root CA' });
  anchor = new NodeX509Certificate(ca.certPem);
});
after(() => dir.remove());

/** A CA certificate with the given key usage bits (and the same subject as `ca` when asked). */
async function caWithUsage(commonName: string, usages: number): Promise<CertifiedKey> {
  const keys = await generateKeyPair();
  const name = rfc4514Name(`CN=${commonName}`);
  const cert = await X509CertificateGenerator.create({
    serialNumber: '01',
    subject: name,
    issuer: name,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + DAY_MS),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [new BasicConstraintsExtension(true, undefined, true), new KeyUsagesExtension(usages, true)],
  });
  return { certPem: certificatePem(cert), keyPkcs8: await exportPkcs8(keys.privateKey) };
}

describe('accepted CRLs', () => {
  test('RFC 5280 §5.1: a DER CRL signed by the anchor gives its serials (canonical), thisUpdate and nextUpdate', async () => {
    const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const nextUpdate = new Date(thisUpdate.getTime() + DAY_MS);
    const der = await signCrl(ca, { serials: ['00ab', '7F01', '0123456789abcdef0123456789abcdef01234567'], thisUpdate, nextUpdate });
    const crl = await parseCrl(der, anchor, new Date());
    assert.deepEqual([...crl.serials].sort(), ['123456789abcdef0123456789abcdef01234567', '7f01', 'ab']);
    assert.equal(crl.thisUpdate.getTime(), thisUpdate.getTime());
    assert.equal(crl.nextUpdate?.getTime(), nextUpdate.getTime());
  });

  test('RFC 7468 §5: the same CRL as PEM (X509 CRL), with surrounding whitespace, reads the same', async () => {
    const der = await signCrl(ca, { serials: ['0a'] });
    const pem = `\n  ${derToPem(der, 'X509 CRL')}\n`;
    const crl = await parseCrl(new TextEncoder().encode(pem), anchor, new Date());
    assert.deepEqual([...crl.serials], ['a']);
  });

  test("certbound's own createCrl output reads back, and an empty CRL lists nothing", async () => {
    const t = new Date(Date.now() - 1000);
    const der = await createCrl(ca, [{ serial: 'beef', revokedAt: t, reason: 'keyCompromise' }], { thisUpdate: t, nextUpdate: new Date(t.getTime() + DAY_MS), crlNumber: 9 });
    assert.deepEqual([...(await parseCrl(der, anchor, new Date())).serials], ['beef']);
    const empty = await signCrl(ca);
    assert.equal((await parseCrl(empty, anchor, new Date())).serials.size, 0);
  });

  test('a non-critical CRL extension (cRLNumber) and entry extension are fine', async () => {
    const der = await signCrl(ca, { serials: ['02'], extensions: [integerExtension('2.5.29.20', false)] });
    assert.deepEqual([...(await parseCrl(der, anchor, new Date())).serials], ['2']);
  });

  test('interop: a CRL made by `openssl ca -gencrl` after `openssl ca -revoke` lists the revoked serial', async () => {
    const leaf = await createIssuingCa(ca, { commonName: 'some sub CA' });
    const leafSerial = new NodeX509Certificate(leaf.certPem).serialNumber;
    await dir.write({
      'ca.pem': ca.certPem,
      'ca.key': pkcs8ToPem(ca.keyPkcs8),
      'sub.pem': leaf.certPem,
      'index.txt': '',
      crlnumber: '1000\n',
      'ca.cnf': '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 1\n',
    });
    const common = ['-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key'];
    const revoke = await dir.openssl('ca', ...common, '-revoke', 'sub.pem', '-crl_reason', 'keyCompromise');
    assert.ok(revoke.ok, revoke.stderr);
    const gen = await dir.openssl('ca', ...common, '-gencrl', '-out', 'openssl.crl.pem');
    assert.ok(gen.ok, gen.stderr);
    const toDer = await dir.openssl('crl', '-in', 'openssl.crl.pem', '-outform', 'DER', '-out', 'openssl.crl');
    assert.ok(toDer.ok, toDer.stderr);
    for (const file of ['openssl.crl.pem', 'openssl.crl']) {
      const crl = await parseCrl(new Uint8Array(await readFile(join(dir.path, file))), anchor, new Date(Date.now() + 5_000));
      assert.deepEqual([...crl.serials], [leafSerial.toLowerCase().replace(/^0+/, '')], file);
    }
  });

  test('interop: an RSA root made by `openssl req`, and its CRL (sha256WithRSAEncryption) from `openssl ca -gencrl`', async () => {
    const root = await dir.openssl(
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.pem', '-days', '2', '-subj', '/O=partner/CN=RSA root',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    );
    assert.ok(root.ok, root.stderr);
    await dir.write({ 'rsa-index.txt': '', 'rsa-crlnumber': '01\n', 'rsa.cnf': '[ca]\ndefault_ca = d\n[d]\ndatabase = rsa-index.txt\ncrlnumber = rsa-crlnumber\ndefault_md = sha256\ndefault_crl_days = 1\n' });
    const gen = await dir.openssl('ca', '-config', 'rsa.cnf', '-cert', 'rsa.pem', '-keyfile', 'rsa.key', '-gencrl', '-out', 'rsa.crl.pem');
    assert.ok(gen.ok, gen.stderr);
    const rsaAnchor = new NodeX509Certificate(await readFile(join(dir.path, 'rsa.pem')));
    const bytes = new Uint8Array(await readFile(join(dir.path, 'rsa.crl.pem')));
    const crl = await parseCrl(bytes, rsaAnchor, new Date(Date.now() + 5_000));
    assert.equal(crl.serials.size, 0);
    // The ECDSA anchor does not verify it, nor the RSA anchor a CRL of the ECDSA CA.
    await assert.rejects(parseCrl(bytes, anchor, new Date(Date.now() + 5_000)), INVALID_CRL);
    await assert.rejects(parseCrl(await signCrl(ca), rsaAnchor, new Date()), INVALID_CRL);
  });
});

describe('refused CRLs: ERR_CERTBOUND_INVALID_CRL', () => {
  test('RFC 5280 §6.3.3 (f): a CRL signed by another key under the same CA name: the signature does not verify', async () => {
    const impostor = await createRootCa({ commonName: 'partner own root CA' });
    const der = await signCrl(impostor, { serials: [] });
    await assert.rejects(parseCrl(der, anchor, new Date()), { ...INVALID_CRL, message: "invalid CRL: the CRL's signature does not verify with the CA's key" });
  });

  test("RFC 5280 §6.3.3 (b): a CRL of another CA: the issuer is not the anchor's subject", async () => {
    const other = await createRootCa({ commonName: 'another CA' });
    await assert.rejects(parseCrl(await signCrl(other), anchor, new Date()), { ...INVALID_CRL, message: "invalid CRL: the CRL's issuer is not the CA's subject" });
  });

  test('a CRL whose bytes were altered after signing', async () => {
    const der = Buffer.from(await signCrl(ca, { serials: ['0a'] }));
    const at = der.indexOf(Buffer.from([0x02, 0x01, 0x0a])); // the entry's serial INTEGER
    assert.ok(at > 0);
    der[at + 2] = 0x0b;
    await assert.rejects(parseCrl(der, anchor, new Date()), { ...INVALID_CRL, message: "invalid CRL: the CRL's signature does not verify with the CA's key" });
  });

  test('RFC 5280 §4.2.1.3: an anchor whose keyUsage lacks cRLSign may not sign CRLs', async () => {
    const noCrlSign = await caWithUsage('no crl sign', KeyUsageFlags.keyCertSign);
    await assert.rejects(parseCrl(await signCrl(noCrlSign), new NodeX509Certificate(noCrlSign.certPem), new Date()), {
      ...INVALID_CRL,
      message: 'invalid CRL: the CA certificate does not allow cRLSign',
    });
    const withCrlSign = await caWithUsage('crl sign', KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign);
    await parseCrl(await signCrl(withCrlSign), new NodeX509Certificate(withCrlSign.certPem), new Date());
  });

  test('RFC 5280 §5.1.2.5: a CRL past its nextUpdate has expired (nextUpdate equal to now included)', async () => {
    const nextUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    const der = await signCrl(ca, { thisUpdate: new Date(nextUpdate.getTime() - DAY_MS), nextUpdate });
    const expired = { ...INVALID_CRL, message: 'invalid CRL: the CRL has expired (nextUpdate has passed)' };
    await assert.rejects(parseCrl(der, anchor, new Date()), expired);
    await assert.rejects(parseCrl(der, anchor, nextUpdate), expired);
    await parseCrl(der, anchor, new Date(nextUpdate.getTime() - 1));
  });

  test('RFC 5280 §5.1.2.5: a CRL without nextUpdate is refused (conforming issuers MUST include it; it would never go stale)', async () => {
    const der = await signCrl(ca, { nextUpdate: null, serials: ['01'] });
    await assert.rejects(parseCrl(der, anchor, new Date()), { ...INVALID_CRL, message: 'invalid CRL: the CRL has no nextUpdate' });
  });

  test('RFC 5280 §5.1.2.4: a CRL whose thisUpdate is later than now is not valid yet', async () => {
    const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
    const der = await signCrl(ca, { thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + DAY_MS) });
    await assert.rejects(parseCrl(der, anchor, new Date()), { ...INVALID_CRL, message: 'invalid CRL: the CRL is not valid yet (thisUpdate is in the future)' });
    await parseCrl(der, anchor, thisUpdate);
  });

  test('RFC 5280 §5.2.4 / §5.3.3: a delta CRL (critical deltaCRLIndicator) or an indirect entry (critical certificateIssuer) is not a complete CRL of the anchor', async () => {
    const delta = await signCrl(ca, { extensions: [integerExtension('2.5.29.27', true)] });
    await assert.rejects(parseCrl(delta, anchor, new Date()), { ...INVALID_CRL, message: 'invalid CRL: the CRL has a critical extension certbound does not process' });
    const indirect = await signCrl(ca, { serials: ['01'], entryExtensions: [integerExtension('2.5.29.29', true)] });
    await assert.rejects(parseCrl(indirect, anchor, new Date()), { ...INVALID_CRL, message: 'invalid CRL: a CRL entry has a critical extension certbound does not process' });
  });

  test('garbage: empty, random bytes, a certificate, a PEM certificate, a truncated CRL, trailing bytes, a bad PEM body', async () => {
    const der = await signCrl(ca, { serials: ['01'] });
    const cases: Record<string, Uint8Array> = {
      empty: new Uint8Array(0),
      random: new Uint8Array([0x30, 0x03, 0x01, 0x02, 0x03]),
      certificate: new Uint8Array(anchor.raw),
      'PEM certificate': new TextEncoder().encode(ca.certPem),
      truncated: der.subarray(0, der.length - 10),
      trailing: Buffer.concat([der, Buffer.from([0])]),
      'PEM with bad base64': new TextEncoder().encode('-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n'),
      'PEM with text after it': new TextEncoder().encode(`${derToPem(der, 'X509 CRL')}junk\n`),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      await assert.rejects(parseCrl(bytes, anchor, new Date()), INVALID_CRL, name);
    }
  });

  test('property: arbitrary bytes and single-byte corruptions of a valid CRL are refused with ERR_CERTBOUND_INVALID_CRL, never another error', async () => {
    const der = await signCrl(ca, { serials: ['01', '02'] });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        await assert.rejects(parseCrl(bytes, anchor, new Date()), INVALID_CRL);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: der.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, delta) => {
        const copy = new Uint8Array(der);
        copy[index] = (copy[index]! + delta) & 0xff;
        await assert.rejects(parseCrl(copy, anchor, new Date()), INVALID_CRL);
      }),
      { numRuns: 300 },
    );
    // And exhaustively: one bit flipped at every offset, the outer framing and signature encoding included.
    for (let index = 0; index < der.length; index++) {
      const copy = new Uint8Array(der);
      copy[index] = copy[index]! ^ 0x01;
      await assert.rejects(parseCrl(copy, anchor, new Date()), INVALID_CRL, `offset ${index}`);
    }
  });
});
