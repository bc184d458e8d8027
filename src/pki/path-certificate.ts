/**
 * What certification path validation needs to know of one certificate, decoded once from its
 * DER with @peculiar/asn1-x509: basicConstraints, keyUsage, which extensions are critical,
 * whether it is self-issued. Signatures and name chaining stay with node:crypto (OpenSSL).
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2
 */
import { createHash, X509Certificate } from 'node:crypto';
import { AsnConvert, AsnParser } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  id_pe_authorityInfoAccess,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage,
  id_ce_inhibitAnyPolicy,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_policyConstraints,
  id_ce_policyMappings,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
} from '@peculiar/asn1-x509';
import { x5tS256, type Thumbprint } from '../core/thumbprint.ts';

/** One certificate as path validation sees it. */
export interface PathCertificate {
  readonly x509: X509Certificate;
  /** Lowercase hex SHA-256 of the DER, as anchors are named. */
  readonly fingerprint: string;
  /** `x5t#S256` of the DER, as revoked certificates are listed. */
  readonly thumbprint: Thumbprint;
  /** basicConstraints cA. */
  readonly ca: boolean;
  /** basicConstraints pathLenConstraint, when present. */
  readonly pathLen: number | undefined;
  /** keyUsage keyCertSign; undefined when the certificate has no keyUsage extension. */
  readonly keyCertSign: boolean | undefined;
  /** Critical extensions certbound does not process (RFC 5280 §4.2: such a certificate must be refused). */
  readonly unknownCritical: readonly string[];
  /** extKeyUsage purposes (OIDs); undefined when the certificate has no extKeyUsage extension. */
  readonly extKeyUsage: readonly string[] | undefined;
  /**
   * Whether it carries name constraints, policy constraints, policy mappings or inhibitAnyPolicy,
   * critical or not: OpenSSL would enforce them on its own path; certbound does not process them,
   * so a path through such a CA is refused rather than judged without them.
   */
  readonly constrains: boolean;
  /** Signed with an algorithm certbound does not rely on (SHA-1, MD5, RSASSA-PSS, …). */
  readonly weakSignature: boolean;
  /** Why its public key is too weak to rely on (RSA under 2048 bits, another curve), or null. */
  readonly weakKey: string | null;
  /** Subject and issuer are the same Name, byte for byte (RFC 5280 §6.1: self-issued certificates do not count against pathLen). */
  readonly selfIssued: boolean;
  readonly notBefore: number;
  readonly notAfter: number;
}

/**
 * Extensions whose criticality certbound honours. certificatePolicies: paths are validated with
 * any-policy as the acceptable set and no explicit policy required (RFC 5280 §6.1.1 with
 * initial-policy-set = any-policy), so its content constrains nothing. Name constraints and
 * policy constraints are not processed: critical ones refuse the path.
 */
const UNDERSTOOD = new Set([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_extKeyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_certificatePolicies,
  id_ce_cRLDistributionPoints,
  id_pe_authorityInfoAccess,
]);

/** Extensions that constrain what a CA's subordinates may be (RFC 5280 §4.2.1.10–14). */
const CONSTRAINING = new Set([id_ce_nameConstraints, id_ce_policyConstraints, id_ce_policyMappings, id_ce_inhibitAnyPolicy]);

/** Signature algorithms relied on: ECDSA and RSA PKCS#1 v1.5 with SHA-2, and EdDSA (RFC 9325 / NIST SP 800-131A). */
const STRONG_SIGNATURES = new Set([
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.3.101.112', // Ed25519
  '1.3.101.113', // Ed448
]);
const STRONG_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);

/** Why the certificate's public key is too weak, or null. */
function keyWeakness(x509: X509Certificate): string | null {
  const key = x509.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return (details.modulusLength ?? 0) >= 2048 ? null : 'an RSA key under 2048 bits';
    case 'ec':
      return STRONG_CURVES.has(details.namedCurve ?? '') ? null : 'an elliptic-curve key on a curve certbound does not rely on';
    case 'ed25519':
    case 'ed448':
      return null;
    default:
      return 'a key type certbound does not rely on';
  }
}

const cache = new Map<string, PathCertificate | null>();
const CACHE_LIMIT = 10_000;

function decode(x509: X509Certificate): PathCertificate | null {
  let cert: Certificate;
  try {
    cert = AsnParser.parse(x509.raw, Certificate);
  } catch {
    return null;
  }
  const tbs = cert.tbsCertificate;
  const extensions = tbs.extensions ?? [];
  const ids = extensions.map((e) => e.extnID);
  // RFC 5280 §4.2: an extension appears at most once; two would be read differently by different parsers.
  if (new Set(ids).size !== ids.length) return null;
  let ca = false;
  let pathLen: number | undefined;
  let keyCertSign: boolean | undefined;
  let extKeyUsage: string[] | undefined;
  try {
    for (const ext of extensions) {
      if (ext.extnID === id_ce_basicConstraints) {
        const bc = AsnParser.parse(ext.extnValue.buffer, BasicConstraints);
        ca = bc.cA;
        pathLen = bc.pathLenConstraint;
      } else if (ext.extnID === id_ce_keyUsage) {
        keyCertSign = (AsnParser.parse(ext.extnValue.buffer, KeyUsage).toNumber() & KeyUsageFlags.keyCertSign) !== 0;
      } else if (ext.extnID === id_ce_extKeyUsage) {
        extKeyUsage = [...AsnParser.parse(ext.extnValue.buffer, ExtendedKeyUsage)];
      }
    }
  } catch {
    // A malformed basicConstraints, keyUsage or extKeyUsage could be read as anything: such a certificate is on no path.
    return null;
  }
  const subject = Buffer.from(AsnConvert.serialize(tbs.subject));
  const issuer = Buffer.from(AsnConvert.serialize(tbs.issuer));
  return {
    x509,
    fingerprint: createHash('sha256').update(x509.raw).digest('hex'),
    thumbprint: x5tS256(x509.raw),
    ca,
    pathLen,
    keyCertSign,
    unknownCritical: extensions.filter((e) => e.critical && !UNDERSTOOD.has(e.extnID)).map((e) => e.extnID),
    extKeyUsage,
    constrains: ids.some((oid) => CONSTRAINING.has(oid)),
    // RSASSA-PSS is refused too: its default parameters are SHA-1.
    weakSignature: !STRONG_SIGNATURES.has(cert.signatureAlgorithm.algorithm),
    weakKey: keyWeakness(x509),
    selfIssued: subject.equals(issuer),
    notBefore: x509.validFromDate.getTime(),
    notAfter: x509.validToDate.getTime(),
  };
}

/**
 * The path-validation view of a certificate, or null when its extensions cannot be decoded
 * unambiguously (a malformed or repeated extension): such a certificate is on no valid path.
 * Remembered by DER, so each certificate is decoded once.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.9
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.3
 */
export function pathCertificate(x509: X509Certificate): PathCertificate | null {
  const key = x509.fingerprint256;
  let known = cache.get(key);
  if (known === undefined) {
    known = decode(x509);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, known);
  }
  return known;
}
