/**
 * A certificate's identity (subject Name and SubjectAltName) decoded from DER with
 * @peculiar/asn1-schema + asn1-x509, never from Node's legacy `subject` /
 * `subjectAltName` strings, whose separators a value can forge (CVE-2021-44532/44533).
 * asn1-schema and asn1-x509 need no Reflect polyfill (only @peculiar/x509 does).
 */
import {
  AsnArray,
  AsnIntegerArrayBufferConverter,
  AsnParser,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
} from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Extensions,
  id_ce_subjectAltName,
  Name,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { decodeDerString, readTlv } from '../core/der-string.ts';
import { formatDn, opaqueAvaValue, type Ava, type Dn } from '../core/dn.ts';
import { parseIp } from '../core/ip.ts';
import type { CertIdentity } from '../core/subject-match.ts';
import { invalidArgValue } from '../core/argument-error.ts';

const MAX_DER = 64 * 1024;
const MAX_SAN_ENTRIES = 1000;

/**
 * AttributeTypeAndValue with the value kept as raw DER: asn1-x509's own Name decodes
 * values through asn1js, which turns invalid UTF-8 into substitutes and loses the string
 * type; we decode with core/der-string.ts instead, exactly like the `#hex` form of a DN.
 */
class RawAva {
  type = '';
  value = new ArrayBuffer(0);
}
AsnProp({ type: AsnPropTypes.ObjectIdentifier })(RawAva.prototype, 'type');
AsnProp({ type: AsnPropTypes.Any })(RawAva.prototype, 'value');

class RawRdn extends AsnArray<RawAva> {
  constructor(items?: RawAva[]) {
    super(items);
    Object.setPrototypeOf(this, RawRdn.prototype);
  }
}
AsnType({ type: AsnTypeTypes.Set, itemType: RawAva })(RawRdn);

class RawName extends AsnArray<RawRdn> {
  constructor(items?: RawRdn[]) {
    super(items);
    Object.setPrototypeOf(this, RawName.prototype);
  }
}
AsnType({ type: AsnTypeTypes.Sequence, itemType: RawRdn })(RawName);

/** asn1-x509's TBSCertificate field for field (RFC 5280 §4.1), except the subject is a RawName. */
class IdentityTbs {
  version = Version.v1;
  serialNumber = new ArrayBuffer(0);
  signature = new AlgorithmIdentifier();
  issuer = new Name();
  validity = new Validity();
  subject = new RawName();
  subjectPublicKeyInfo = new SubjectPublicKeyInfo();
  issuerUniqueID: ArrayBuffer | undefined;
  subjectUniqueID: ArrayBuffer | undefined;
  extensions: Extensions | undefined;
}
AsnProp({ type: AsnPropTypes.Integer, context: 0, defaultValue: Version.v1 })(IdentityTbs.prototype, 'version');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(IdentityTbs.prototype, 'serialNumber');
AsnProp({ type: AlgorithmIdentifier })(IdentityTbs.prototype, 'signature');
AsnProp({ type: Name })(IdentityTbs.prototype, 'issuer');
AsnProp({ type: Validity })(IdentityTbs.prototype, 'validity');
AsnProp({ type: RawName })(IdentityTbs.prototype, 'subject');
AsnProp({ type: SubjectPublicKeyInfo })(IdentityTbs.prototype, 'subjectPublicKeyInfo');
AsnProp({ type: AsnPropTypes.BitString, context: 1, implicit: true, optional: true })(IdentityTbs.prototype, 'issuerUniqueID');
AsnProp({ type: AsnPropTypes.BitString, context: 2, implicit: true, optional: true })(IdentityTbs.prototype, 'subjectUniqueID');
AsnProp({ type: Extensions, context: 3, optional: true })(IdentityTbs.prototype, 'extensions');

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1). */
class IdentityCertificate {
  tbsCertificate = new IdentityTbs();
  signatureAlgorithm = new AlgorithmIdentifier();
  signatureValue = new ArrayBuffer(0);
}
AsnProp({ type: IdentityTbs })(IdentityCertificate.prototype, 'tbsCertificate');
AsnProp({ type: AlgorithmIdentifier })(IdentityCertificate.prototype, 'signatureAlgorithm');
AsnProp({ type: AsnPropTypes.BitString })(IdentityCertificate.prototype, 'signatureValue');


function decodeSubject(name: RawName): Dn {
  // Array.from, not map: map would build RawName/RawRdn (AsnArray species), not plain arrays.
  return Array.from(name, (rdn): readonly Ava[] =>
    Array.from(rdn, (ava): Ava => {
      const der = new Uint8Array(ava.value);
      // A non-string value (or a malformed one) gets an opaque value that equals nothing.
      return { type: ava.type, value: decodeDerString(der) ?? opaqueAvaValue(der) };
    }),
  );
}

function decodeSan(tbs: IdentityTbs): CertIdentity['san'] {
  const san = { dns: [] as string[], uri: [] as string[], ip: [] as Uint8Array[], email: [] as string[] };
  const exts = (tbs.extensions ?? []).filter((e) => e.extnID === id_ce_subjectAltName);
  // RFC 5280 §4.2: an extension appears at most once; two SANs are ambiguous, so refuse.
  if (exts.length > 1) throw invalidArgValue('certificate has more than one subjectAltName extension');
  const ext = exts[0];
  if (ext === undefined) return san;
  const names = AsnParser.parse(ext.extnValue.buffer, SubjectAlternativeName);
  if (names.length > MAX_SAN_ENTRIES) throw invalidArgValue('certificate has too many subjectAltName entries');
  for (const n of names) {
    // IA5String values arrive one character per octet (asn1js), so nothing is lost or
    // merged; non-ASCII and control characters are left for the matcher to refuse.
    if (n.dNSName !== undefined) san.dns.push(n.dNSName);
    else if (n.uniformResourceIdentifier !== undefined) san.uri.push(n.uniformResourceIdentifier);
    else if (n.rfc822Name !== undefined) san.email.push(n.rfc822Name);
    else if (n.iPAddress !== undefined) {
      // asn1-x509 renders 4- and 16-octet addresses as dotted quad / RFC 5952 text, which
      // parseIp maps back to the same octets; other lengths (CIDR forms of name
      // constraints) are not host addresses, render as non-address text and are dropped.
      try {
        san.ip.push(parseIp(n.iPAddress));
      } catch {
        // not a host address: it can match no registered value
      }
    }
  }
  return san;
}

/**
 * Decodes a DER certificate's subject and subjectAltName (dNSName, URI, iPAddress as raw
 * octets, rfc822Name) for subject matching. It does not verify anything: the chain is the
 * TLS layer's job. Throws TypeError `ERR_INVALID_ARG_VALUE` on malformed or oversized input.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.6
 */
export function certIdentity(der: Uint8Array): CertIdentity {
  if (!(der instanceof Uint8Array) || der.length === 0 || der.length > MAX_DER) {
    throw invalidArgValue('certificate must be 1 byte to 64 KiB of DER');
  }
  // Exactly one TLV: asn1js would otherwise ignore bytes after the certificate.
  if (readTlv(der) === null) throw invalidArgValue('certificate is not a single DER element');
  let cert: IdentityCertificate;
  try {
    cert = AsnParser.parse(der, IdentityCertificate);
  } catch (err) {
    throw invalidArgValue('certificate is not valid DER X.509', err);
  }
  const tbs = cert.tbsCertificate;
  try {
    return { subject: decodeSubject(tbs.subject), san: decodeSan(tbs) };
  } catch (err) {
    if (err instanceof TypeError && 'code' in err) throw err;
    throw invalidArgValue('certificate extensions are malformed', err);
  }
}

/**
 * A DER Name (a certificate's or a CSR's subject) as the RFC 4514 string certbound prints
 * everywhere: most specific RDN first (`CN=acme-orders,O=acme`), the form `client add
 * --subject-dn` takes. OpenSSL's one-line form and X509Certificate#subject list the RDNs the
 * other way round; pasted as a subject DN, that names a different DN.
 * @see https://www.rfc-editor.org/rfc/rfc4514#section-2.1
 */
export function printableName(nameDer: ArrayBuffer | Uint8Array): string {
  const der = nameDer instanceof Uint8Array ? nameDer : new Uint8Array(nameDer);
  if (readTlv(der) === null) throw invalidArgValue('name is not a single DER element');
  try {
    return formatDn(decodeSubject(AsnParser.parse(der, RawName)));
  } catch (err) {
    throw invalidArgValue('name is not a valid DER X.501 Name', err);
  }
}

/** The subject of a DER certificate, printed as {@link printableName} does. */
export function printableSubject(certDer: Uint8Array): string {
  // The subject only: a printable name does not depend on the extensions being well formed.
  if (certDer.length === 0 || certDer.length > MAX_DER || readTlv(certDer) === null) throw invalidArgValue('certificate is not a single DER element');
  try {
    return formatDn(decodeSubject(AsnParser.parse(certDer, IdentityCertificate).tbsCertificate.subject));
  } catch (err) {
    throw invalidArgValue('certificate is not valid DER X.509', err);
  }
}
