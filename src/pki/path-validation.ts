/**
 * Certification path validation of a client certificate against one partner's trust anchors
 * (RFC 5280 §6.1, the subset a client-authentication PKI needs). Certificates the client sent
 * are only candidates: every path from the leaf to one of the given anchors is tried, and a
 * path is accepted only if every certificate on it passes every check. Signatures, and name
 * chaining with authority/subject key identifiers, are OpenSSL's (node:crypto
 * `verify` / `checkIssued`); the constraints come from path-certificate.ts.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-6.1
 */
import type { X509Certificate } from 'node:crypto';
import { pathCertificate, type PathCertificate } from './path-certificate.ts';

/** A trust anchor: a CA certificate the path must end at, known by its fingerprint. */
export interface PathAnchor {
  readonly x509: X509Certificate;
  /** Lowercase hex SHA-256 of the DER. */
  readonly fingerprint: string;
}

/** A path that passed: the leaf first, the anchor last. */
export interface ValidPath<A extends PathAnchor> {
  readonly valid: true;
  readonly anchor: A;
  readonly path: readonly PathCertificate[];
  /** The latest notBefore and the earliest notAfter on the path (ms): outside them, the path is not valid. */
  readonly notBefore: number;
  readonly notAfter: number;
}

/** Why no path passed: the check that refused the most promising one. */
export interface InvalidPath {
  readonly valid: false;
  readonly reason: string;
}

/** What a path is validated with. */
export interface PathInput<A extends PathAnchor> {
  readonly leaf: X509Certificate;
  /** Certificates the client sent (or the TLS stack reported) besides the leaf: candidates, never trusted. */
  readonly candidates: readonly X509Certificate[];
  readonly anchors: readonly A[];
  readonly at: Date;
}

/** Longest path tried, leaf and anchor included: at most four intermediates (EX-05 caps chain depth). */
const MAX_PATH = 6;
/** Signature checks one validation may spend: hostile candidate lists cannot make it expensive. */
const MAX_SIGNATURES = 24;

interface Issuer<A> {
  readonly cert: PathCertificate;
  readonly anchor: A | null;
}

function withinValidity(cert: PathCertificate, at: number): boolean {
  return cert.notBefore <= at && at <= cert.notAfter;
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/**
 * RFC 5280 §6.1.3–6.1.4 checks on a certificate used as an issuer below which `below`
 * non-self-issued intermediates stand — and every check OpenSSL makes on its own path for a
 * TLS client (extended key usage on CAs, constraints, algorithm strength), since OpenSSL's
 * verdict may be about another path than this one.
 */
function issuerRefusal(cert: PathCertificate, at: number, below: number, anchor: boolean): string | null {
  if (!withinValidity(cert, at)) return 'an issuer on the path is outside its validity period';
  if (!cert.ca) return 'an issuer on the path is not a CA (basicConstraints cA is not set)';
  if (cert.keyCertSign === false) return 'an issuer on the path may not sign certificates (keyUsage lacks keyCertSign)';
  if (cert.unknownCritical.length > 0) return 'an issuer on the path has a critical extension certbound does not process';
  if (cert.pathLen !== undefined && below > cert.pathLen) return "an issuer's pathLenConstraint is exceeded";
  if (cert.extKeyUsage && !cert.extKeyUsage.includes(CLIENT_AUTH) && !cert.extKeyUsage.includes(ANY_EXTENDED_KEY_USAGE)) {
    return 'an issuer on the path is restricted to purposes other than clientAuth';
  }
  if (cert.constrains) return 'an issuer on the path carries name or policy constraints, which certbound does not process';
  if (cert.weakKey !== null) return `an issuer on the path has ${cert.weakKey}`;
  // An anchor is trusted by fingerprint, not by its own signature.
  if (cert.weakSignature && !anchor) return 'an issuer on the path is signed with an algorithm certbound does not rely on';
  return null;
}

/**
 * Validates the path of a client certificate to one of `anchors`, trying every path the
 * candidates allow (a failing one never hides a good one, and a good-looking one is never
 * taken on trust): signature and name chaining on every link, every certificate within its
 * validity period at `at`, every issuer a CA allowed to sign certificates, pathLenConstraint,
 * no unprocessed critical extension anywhere, no issuer restricted to other purposes than
 * clientAuth or carrying name or policy constraints, no weak signature or key, and the leaf not a CA.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-6.1.3
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-6.1.4
 */
export function validatePath<A extends PathAnchor>(input: PathInput<A>): ValidPath<A> | InvalidPath {
  const at = input.at.getTime();
  const leaf = pathCertificate(input.leaf);
  if (!leaf) return { valid: false, reason: 'the certificate has malformed or repeated extensions' };
  if (!withinValidity(leaf, at)) return { valid: false, reason: 'the certificate is outside its validity period' };
  if (leaf.ca) return { valid: false, reason: 'the certificate is a CA certificate' };
  if (leaf.unknownCritical.length > 0) return { valid: false, reason: 'the certificate has a critical extension certbound does not process' };
  if (leaf.weakSignature || leaf.weakKey !== null) return { valid: false, reason: 'the certificate is too weak to rely on (its signature algorithm or key)' };

  const anchorFingerprints = new Set(input.anchors.map((a) => a.fingerprint));
  const issuers: Issuer<A>[] = [];
  for (const anchor of input.anchors) {
    const cert = pathCertificate(anchor.x509);
    if (cert) issuers.push({ cert, anchor });
  }
  for (const candidate of input.candidates) {
    const cert = pathCertificate(candidate);
    // A candidate that is an anchor is taken as the anchor; the rest are only intermediates.
    if (cert && !anchorFingerprints.has(cert.fingerprint)) issuers.push({ cert, anchor: null });
  }

  let signatures = MAX_SIGNATURES;
  let reason = "the certificate does not chain to a trust anchor of the client's partner";
  const extend = (path: PathCertificate[], intermediatesBelow: number): ValidPath<A> | null => {
    const child = path[path.length - 1]!;
    for (const issuer of issuers) {
      if (path.some((c) => c.fingerprint === issuer.cert.fingerprint)) continue;
      // Name chaining, authority/subject key identifiers and keyUsage as OpenSSL matches them.
      if (!child.x509.checkIssued(issuer.cert.x509)) continue;
      if (signatures-- <= 0) return null;
      if (!child.x509.verify(issuer.cert.x509.publicKey)) continue;
      const refusal = issuerRefusal(issuer.cert, at, intermediatesBelow, issuer.anchor !== null);
      if (refusal !== null) {
        reason = refusal;
        continue;
      }
      const next = [...path, issuer.cert];
      if (issuer.anchor) {
        const notBefore = Math.max(...next.map((c) => c.notBefore));
        return { valid: true, anchor: issuer.anchor, path: next, notBefore, notAfter: Math.min(...next.map((c) => c.notAfter)) };
      }
      if (next.length >= MAX_PATH) continue;
      const found = extend(next, intermediatesBelow + (issuer.cert.selfIssued ? 0 : 1));
      if (found) return found;
    }
    return null;
  };
  return extend([leaf], 0) ?? { valid: false, reason };
}
