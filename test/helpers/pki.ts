// Certificates for isolation and rotation tests: leaves from a given CA as TLS identities, a CA of
// a partner's own (imported, its key kept by the test), CSRs made by the openssl CLI, and
// thumbprints computed independently of certbound's helpers.
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootCa, type CertifiedKey } from '../../src/pki/ca.ts';
import { issueCertificate, type SubjectAltName } from '../../src/pki/issue.ts';
import { createSelfSignedCertificate } from '../../src/pki/self-signed.ts';
import { run, runOk } from './run.ts';
import { asCredentials, credentials } from './world.ts';

/** What a TLS client presents, and the CA it trusts the token service by. */
export interface Identity {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** A client-auth leaf with `subject` (RFC 4514) issued by `issuer`, as an identity trusting the platform CA. */
export async function leafFrom(issuer: CertifiedKey, subject: string, sans: readonly SubjectAltName[] = []): Promise<Identity> {
  return asCredentials(await issueCertificate(issuer, { subject, sans, usage: 'client' }));
}

/** A self-signed client certificate, as an identity trusting the platform CA. */
export async function selfSigned(subject: string): Promise<Identity> {
  return asCredentials(await createSelfSignedCertificate({ subject }));
}

/** A root CA a partner runs itself, with a name unique to this run (so it can be found in a CA list). */
export async function partnerRoot(label: string): Promise<CertifiedKey & { commonName: string }> {
  const commonName = `${label} own root ${randomBytes(6).toString('hex')}`;
  return { ...(await createRootCa({ commonName })), commonName };
}

/** The first certificate of a PEM chain. */
export function firstPem(chain: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(chain);
  if (!m) throw new Error('no PEM certificate');
  return m[0];
}

/** `x5t#S256` of a PEM certificate (the first of a chain): base64url SHA-256 of its DER. */
export function thumbprintOf(pem: string): string {
  return createHash('sha256').update(new X509Certificate(firstPem(pem)).raw).digest('base64url');
}

/** A CA certificate's fingerprint as certbound names anchors: lowercase hex SHA-256 of its DER. */
export function fingerprintOf(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

/** A P-256 key and a PKCS#10 request for `subject` (openssl `-subj` form, e.g. `/O=acme/CN=x`), made by the openssl CLI. */
export async function opensslCsr(subject: string): Promise<{ csr: string; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'certbound-csr-'));
  try {
    const [key, csr] = [join(dir, 'k.pem'), join(dir, 'r.pem')];
    await runOk('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', subject, '-keyout', key, '-out', csr]);
    return { csr: await readFile(csr, 'utf8'), key: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The same CSR with its last DER byte flipped: the last byte of the signature value, so the
 * request still parses but its self-signature no longer verifies.
 */
export function tamperSignature(csrPem: string): string {
  const body = csrPem.replace(/-----(BEGIN|END) CERTIFICATE REQUEST-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(body, 'base64');
  der[der.length - 1] = der[der.length - 1]! ^ 0x01;
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** The CA names the token service's listener asks client certificates to chain to, as `openssl s_client` prints them. */
export async function acceptableCaNames(port: number): Promise<string> {
  const platform = (await credentials('acme-a')).files.ca;
  const res = await run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-CAfile', platform], { timeoutMs: 15_000 });
  const section = /Acceptable client certificate CA names\n((?:.+\n)+?)(?:Requested Signature Algorithms|Client Certificate Types|---)/.exec(res.stdout);
  if (!section?.[1]) throw new Error(`no certificate_authorities list:\n${res.stdout}\n${res.stderr}`);
  return section[1];
}
