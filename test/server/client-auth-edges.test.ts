// Certificate edge cases at the token endpoint (RFC 8705 §2, §7.5): oversized SAN lists,
// leaves that are CAs or lack clientAuth, rotation, expired self-signed registrations, over real TLS.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { registerClient } from '../../src/admin/clients.ts';
import { authorityKeyIdentifier, loadIssuer } from '../../src/pki/ca.ts';
import { issueCertificate, type SubjectAltName } from '../../src/pki/issue.ts';
import { exportPkcs8, generateKeyPair } from '../../src/pki/keys.ts';
import { createSelfSignedCertificate } from '../../src/pki/self-signed.ts';
import { randomSerialNumber } from '../../src/pki/serial.ts';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SIGNING_ALGORITHM,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
  certificatePem,
  rfc4514Name,
} from '../../src/pki/x509.ts';
import { API, asCredentials, authority, credentials, derOf, startWorld, type Credentials, type Harness } from '../helpers/world.ts';
import { jwtPayload, send, type Response, type TlsIdentity } from '../helpers/https.ts';

const INVALID_CLIENT_BODY = '{"error":"invalid_client","error_description":"client authentication failed"}';
const SUBJECT = 'CN=acme-a,O=acme';
const DAY = 86_400_000;

let h: Harness;
let a: Credentials;

before(async () => {
  h = await startWorld();
  a = await credentials('acme-a');
});
after(() => h.close());

const cc = (clientId: string) => ({ grant_type: 'client_credentials', client_id: clientId });
const tokenAs = (clientId: string, identity: TlsIdentity) => send(`${h.issuer}/token`, { ca: a.ca, identity, form: cc(clientId) });
const thumbprint = (pem: string) => createHash('sha256').update(derOf(pem)).digest('base64url');

function assertInvalidClient(res: Response): void {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.text, INVALID_CLIENT_BODY);
  assert.equal(res.headers['www-authenticate'], `Basic realm="${h.issuer}"`);
}

/** Asserts a 200 token response bound to `certPem`, and returns the token's claims. */
function assertBoundToken(res: Response, certPem: string): Record<string, unknown> {
  assert.equal(res.status, 200, res.text);
  const claims = jwtPayload(String(res.json?.['access_token']));
  assert.deepEqual(claims['cnf'], { 'x5t#S256': thumbprint(certPem) });
  return claims;
}

const dnsNames = (count: number, prefix: string): SubjectAltName[] =>
  Array.from({ length: count }, (_, i) => ({ type: 'dns', value: `${prefix}${i}.acme.example` }));

/** What a hand-made leaf from acme's CA differs in: its basicConstraints, keyUsage and EKU. */
interface LeafProfile {
  readonly ca: boolean;
  readonly keyUsage: KeyUsageFlags;
  readonly eku: readonly string[];
}

/**
 * A leaf for acme-a's subject DN signed by acme's CA, built with @peculiar/x509 directly
 * because certbound's own issuer only makes well-formed leaves.
 */
async function leafFromAcmeCa(profile: LeafProfile): Promise<TlsIdentity> {
  const issuer = await loadIssuer(await authority('acme'));
  const keys = await generateKeyPair();
  const certificate = await X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: rfc4514Name(SUBJECT),
    issuer: issuer.certificate.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 30 * DAY),
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new BasicConstraintsExtension(profile.ca, undefined, true),
      new KeyUsagesExtension(profile.keyUsage, true),
      new ExtendedKeyUsageExtension([...profile.eku]),
      await SubjectKeyIdentifierExtension.create(keys.publicKey),
      await authorityKeyIdentifier(issuer.certificate),
    ],
  });
  return asCredentials({ certPem: certificatePem(certificate), keyPkcs8: await exportPkcs8(keys.privateKey) });
}

const WELL_FORMED: LeafProfile = { ca: false, keyUsage: KeyUsageFlags.digitalSignature, eku: [ExtendedKeyUsage.clientAuth] };

describe('TE-S-09 / IL-01: SubjectAltName lists are bounded', () => {
  test('TE-S-09 / IL-01: a certificate from the right CA with the right DN but 1 001 SANs is 401 invalid_client, never a 500', async () => {
    const leaf = await issueCertificate(await authority('acme'), { subject: SUBJECT, sans: dnsNames(1001, 'n'), usage: 'client' });
    assertInvalidClient(await tokenAs('acme-a', await asCredentials(leaf)));
  });

  test('TE-S-09: a certificate with the right DN and 500 SANs is accepted (bounded, not refused)', async () => {
    const leaf = await issueCertificate(await authority('acme'), { subject: SUBJECT, sans: dnsNames(500, 'n'), usage: 'client' });
    assertBoundToken(await tokenAs('acme-a', await asCredentials(leaf)), leaf.certPem);
  });

  test('TE-S-09 / RFC 8705 §2.1.2: a dNSName matcher finds its entry as the last of 500 SANs', async () => {
    const sans: SubjectAltName[] = [...dnsNames(499, 'other'), { type: 'dns', value: 'acme-san.acme.example' }];
    const leaf = await issueCertificate(await authority('acme'), { subject: 'CN=anything,O=acme', sans, usage: 'client' });
    assertBoundToken(await tokenAs('acme-san', await asCredentials(leaf)), leaf.certPem);
  });
});

describe('RFC 8705 §7.5 (checklist rows 9 and 60, TE-C-13): the leaf must be an end entity allowed to authenticate clients', () => {
  test('control: a hand-made leaf from acme\'s CA with CA:FALSE, digitalSignature and clientAuth authenticates acme-a', async () => {
    const leaf = await leafFromAcmeCa(WELL_FORMED);
    assertBoundToken(await tokenAs('acme-a', leaf), leaf.cert!);
  });

  test('TE-C-13: a leaf with the right DN and CA but a serverAuth-only EKU is 401 invalid_client', async () => {
    const leaf = await issueCertificate(await authority('acme'), { subject: SUBJECT, sans: [{ type: 'dns', value: 'acme-a.acme.example' }], usage: 'server' });
    assertInvalidClient(await tokenAs('acme-a', await asCredentials(leaf)));
  });

  test('TE-C-13: a leaf with the right DN and CA that is itself a CA (basicConstraints CA:TRUE) is 401 invalid_client', async () => {
    const leaf = await leafFromAcmeCa({ ...WELL_FORMED, ca: true, keyUsage: KeyUsageFlags.digitalSignature | KeyUsageFlags.keyCertSign });
    assertInvalidClient(await tokenAs('acme-a', leaf));
  });

  test('TE-C-13: a leaf with the right DN and CA whose keyUsage lacks digitalSignature is 401 invalid_client', async () => {
    const leaf = await leafFromAcmeCa({ ...WELL_FORMED, keyUsage: KeyUsageFlags.keyEncipherment });
    assertInvalidClient(await tokenAs('acme-a', leaf));
  });
});

describe('RFC 8705 §2.1 (checklist row 13): certificate rotation', () => {
  test('row 13: a second certificate from acme\'s CA with acme-a\'s subject DN authenticates at once, and the original still does', async () => {
    const second = await asCredentials(await issueCertificate(await authority('acme'), { subject: SUBJECT, usage: 'client' }));
    assert.notEqual(thumbprint(second.cert), thumbprint(a.cert));
    const rotated = assertBoundToken(await tokenAs('acme-a', second), second.cert);
    const original = assertBoundToken(await tokenAs('acme-a', a), a.cert);
    assert.equal(rotated['client_id'], 'acme-a');
    assert.equal(original['client_id'], 'acme-a');
  });
});

describe('RFC 8705 §2.2 (TE-C-10): self-signed certificates are still checked for validity', () => {
  let expired: TlsIdentity;
  let fresh: TlsIdentity;

  before(async () => {
    const now = Date.now();
    const [old, current] = await Promise.all([
      createSelfSignedCertificate({ subject: 'CN=acme-self-old', notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
      createSelfSignedCertificate({ subject: 'CN=acme-self-new' }),
    ]);
    const reg = { partnerId: 'acme', authMethod: 'self_signed_tls_client_auth', scope: 'orders:read', resources: [API.acmeOrders] } as const;
    await registerClient(h.store, { ...reg, id: 'acme-self-old', certificatePem: old.certPem });
    await registerClient(h.store, { ...reg, id: 'acme-self-new', certificatePem: current.certPem });
    await h.service.reload();
    [expired, fresh] = await Promise.all([asCredentials(old), asCredentials(current)]);
  });

  test('control: a newly registered self-signed client authenticates with its certificate after reload', async () => {
    assertBoundToken(await tokenAs('acme-self-new', fresh), fresh.cert!);
  });

  test('TE-C-10: an expired self-signed certificate, registered for the client, is 401 invalid_client', async () => {
    assertInvalidClient(await tokenAs('acme-self-old', expired));
  });
});
