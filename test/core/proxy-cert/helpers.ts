// Real certificates for the proxy-header tests, made per run with certbound's PKI, and the
// encodings each proxy applies, written here independently of the parsers under test.
import { createHash, X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { createIssuingCa, createRootCa, type CertifiedKey } from '../../../src/pki/ca.ts';
import { issueCertificate, type IssuedLeaf } from '../../../src/pki/issue.ts';
import { InvalidToken } from '../../../src/core/errors.ts';

/** A root, an issuing CA under it, and client certificates from the issuing CA. */
export interface TestPki {
  readonly root: CertifiedKey;
  readonly issuing: CertifiedKey;
  /** A client certificate whose base64 holds both `+` and `/`. */
  readonly leaf: IssuedLeaf;
  /** Another client certificate, for mismatches. */
  readonly other: IssuedLeaf;
}

/** The base64 of a certificate's DER, computed with node:crypto only. */
export function base64Der(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

/** The expected `x5t#S256`, computed independently of certbound. */
export function expectedThumbprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');
}

/** The DER of a certificate, from node:crypto. */
export function derOf(pem: string): Buffer {
  return new X509Certificate(pem).raw;
}

/** Issues client certificates until one's base64 holds `+` and `/` (nearly always the first). */
export async function leafWithPlusAndSlash(issuer: CertifiedKey, subject: string): Promise<IssuedLeaf> {
  for (;;) {
    const leaf = await issueCertificate(issuer, { subject, usage: 'client' });
    const b64 = base64Der(leaf.certPem);
    if (b64.includes('+') && b64.includes('/')) return leaf;
  }
}

let pki: Promise<TestPki> | undefined;

/** One PKI per test file (each file runs in its own process). */
export function testPki(): Promise<TestPki> {
  pki ??= (async () => {
    const root = await createRootCa({ commonName: 'proxy test root' });
    const issuing = await createIssuingCa(root, { commonName: 'proxy test issuing', organization: 'certbound tests' });
    const [leaf, other] = await Promise.all([leafWithPlusAndSlash(issuing, 'CN=client, O=acme'), issueCertificate(issuing, { subject: 'CN=other, O=acme', usage: 'client' })]);
    return { root, issuing, leaf, other };
  })();
  return pki;
}

/** nginx's `$ssl_client_escaped_cert`: every byte but A-Z a-z 0-9 - . _ ~ percent-encoded. */
export function nginxEscape(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** AWS ALB's URL-encoded PEM: like encodeURIComponent, but `+`, `=` and `/` stay literal. */
export function albEscape(text: string): string {
  return encodeURIComponent(text).replaceAll('%2B', '+').replaceAll('%3D', '=').replaceAll('%2F', '/');
}

/** Whether `err` is the 401 invalid_token every refused certificate header gets. */
export function isInvalidToken(err: unknown): boolean {
  return err instanceof InvalidToken && err.status === 401 && err.error === 'invalid_token';
}

/** An invalid_token whose description is the generic one, so no header content can leak. */
export function isMalformed(err: unknown): boolean {
  return isInvalidToken(err) && (err as InvalidToken).error_description === 'malformed client certificate header';
}

/** The PEM of a certificate rewritten with CRLF line ends. */
export function crlf(pem: string): string {
  return pem.replace(/\r?\n/g, '\r\n');
}

/** Characters that matter to the parsers, for mutations. */
export const INTERESTING = ['%', '+', '/', '=', ',', ';', ':', '"', '\\', ' ', '\t', '\n', '\r', '\0', 'A', 'z', '0', '-', '_', '%2B', '%0A', '%25', 'é'];

/** Arbitrary edits (insert, delete, replace) of a valid value. */
export function mutation(valid: string): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat({ max: valid.length }), fc.constantFrom('insert', 'delete', 'replace'), fc.constantFrom(...INTERESTING));
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let text = valid;
    for (const [at, kind, chars] of edits) {
      const i = Math.min(at, text.length);
      if (kind === 'insert') text = text.slice(0, i) + chars + text.slice(i);
      else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + 1);
      else text = text.slice(0, i) + chars + text.slice(i + 1);
    }
    return text;
  });
}
