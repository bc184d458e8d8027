/**
 * The outer framing of a CRL and the Names it and a CA certificate carry, read as exact DER
 * octets: the issuer of a CRL is compared with the CA's subject byte for byte, and the
 * parts of a CRL outside its signed tbsCertList must be strict DER too (asn1js, under
 * @peculiar/x509, accepts wrong tags and lengths there).
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-5.1
 * @see https://www.itu.int/rec/T-REC-X.690 §10
 */
import { readTlv, type Tlv } from '../core/der-string.ts';

/** One DER element: its tag, its content, and all of its octets. */
interface Element extends Tlv {
  readonly der: Uint8Array;
}

const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OBJECT_IDENTIFIER = 0x06;
const SEQUENCE = 0x30;
const VERSION_TAG = 0xa0; // [0] EXPLICIT, a certificate's version

/** Splits DER content into its elements (single-byte tags, minimal definite lengths); null if it does not split exactly. */
function elements(content: Uint8Array): Element[] | null {
  const out: Element[] = [];
  let at = 0;
  while (at < content.length) {
    const first = content[at + 1];
    if (first === undefined) return null;
    let header = 2;
    let length = first;
    if (first & 0x80) {
      const count = first & 0x7f;
      // readTlv below refuses what is not minimal; here only the span is worked out.
      if (count === 0 || count > 4) return null;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + (content[at + 2 + i] ?? 0);
      header += count;
    }
    const end = at + header + length;
    if (end > content.length) return null;
    const der = content.subarray(at, end);
    const tlv = readTlv(der);
    if (tlv === null) return null;
    out.push({ ...tlv, der });
    at = end;
  }
  return out;
}

function sequenceOf(der: Uint8Array): Element[] | null {
  const outer = readTlv(der);
  return outer?.tag === SEQUENCE ? elements(outer.content) : null;
}

/** What the framing of a CRL holds. */
export interface CrlFraming {
  /** The issuer Name, DER. */
  readonly issuer: Uint8Array;
  /** The signature value: the BIT STRING's octets. */
  readonly signature: Uint8Array;
  /** Whether the signature algorithm is ECDSA (an OID under id-ecSigType, 1.2.840.10045.4). */
  readonly ecdsa: boolean;
}

// OBJECT IDENTIFIER tag, then the octets of 1.2.840.10045.4 (the length octet is skipped).
const EC_SIG_TYPE = Buffer.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04]);

/**
 * The issuer and signature of a CertificateList framed as strict DER — SEQUENCE { tbsCertList
 * SEQUENCE, signatureAlgorithm equal octet for octet to the tbsCertList's, signature BIT
 * STRING of whole octets }, nothing around it — or null.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-5.1.1.2
 */
export function crlFraming(der: Uint8Array): CrlFraming | null {
  const [tbs, algorithm, signature, ...rest] = sequenceOf(der) ?? [];
  if (!tbs || tbs.tag !== SEQUENCE || algorithm?.tag !== SEQUENCE || signature?.tag !== BIT_STRING || rest.length > 0) return null;
  if (signature.content[0] !== 0) return null; // unused bits: a signature is whole octets
  const fields = elements(tbs.content) ?? [];
  const skip = fields[0]?.tag === INTEGER ? 1 : 0; // version, OPTIONAL
  const [tbsAlgorithm, issuer] = fields.slice(skip);
  if (!tbsAlgorithm || !Buffer.from(tbsAlgorithm.der).equals(algorithm.der)) return null;
  if (issuer?.tag !== SEQUENCE) return null;
  const [oid] = elements(algorithm.content) ?? [];
  const ecdsa = oid?.tag === OBJECT_IDENTIFIER && Buffer.from(oid.content.subarray(0, EC_SIG_TYPE.length)).equals(EC_SIG_TYPE);
  return { issuer: issuer.der, signature: signature.content.subarray(1), ecdsa };
}

/**
 * Whether an ECDSA signature value is exactly `SEQUENCE { r INTEGER, s INTEGER }` in DER,
 * both positive and minimally encoded.
 * @see https://www.rfc-editor.org/rfc/rfc5480#appendix-A
 */
export function isDerEcdsaSignature(signature: Uint8Array): boolean {
  const parts = sequenceOf(signature);
  return parts?.length === 2 && parts.every(isPositiveMinimalInteger);
}

function isPositiveMinimalInteger({ tag, content }: Tlv): boolean {
  const [first, second = 0] = content;
  if (tag !== INTEGER || first === undefined || first & 0x80) return false;
  return !(first === 0 && content.length > 1 && (second & 0x80) === 0);
}

/** The subject Name (DER) of a DER certificate, or null when it is not framed as one. @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.6 */
export function certificateSubjectDer(der: Uint8Array): Uint8Array | null {
  const [tbs] = sequenceOf(der) ?? [];
  if (tbs?.tag !== SEQUENCE) return null;
  const fields = elements(tbs.content) ?? [];
  const skip = fields[0]?.tag === VERSION_TAG ? 1 : 0;
  // serialNumber, signature, issuer, validity, subject
  const subject = fields[skip + 4];
  return subject?.tag === SEQUENCE ? subject.der : null;
}
