/**
 * The one door to `@peculiar/x509`. Its DI container (tsyringe) needs a Reflect
 * polyfill loaded before it, and it must use Node's WebCrypto; keeping both here
 * means nothing outside `pki/` ever loads either.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { parseDn, type Dn } from '../core/dn.ts';

x509.cryptoProvider.set(globalThis.crypto);

export {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Name,
  Pkcs10CertificateRequest,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  X509Crl,
  X509CrlGenerator,
  X509CrlReason,
} from '@peculiar/x509';
import { invalidArgValue } from '../core/argument-error.ts';

/** The signature algorithm of every certificate certbound signs: ECDSA with SHA-256 (`ecdsa-with-SHA256`). */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** PEM of a certificate, newline-terminated so bundles concatenate cleanly. @see https://www.rfc-editor.org/rfc/rfc7468#section-5.1 */
export function certificatePem(certificate: x509.X509Certificate): string {
  return `${certificate.toString('pem')}\n`;
}

// X.520 / RFC 5280 fix these attributes' string types; the rest are DirectoryStrings.
const PRINTABLE_ONLY = new Set(['2.5.4.6', '2.5.4.5', '2.5.4.46']); // C, serialNumber, dnQualifier
const IA5_ONLY = new Set(['1.2.840.113549.1.9.1', '0.9.2342.19200300.100.1.25']); // emailAddress, DC

/**
 * Encodes an RFC 4514 string as a Name, parsed by core's `parseDn`: RDNs are listed
 * last-first, so `CN=c1, O=acme` puts O before CN in the DER and round-trips through
 * RFC 4514 renderers (`tls_client_auth_subject_dn`, openssl `-nameopt RFC2253`).
 * Values are PrintableString when they fit, else UTF8String.
 * @see https://www.rfc-editor.org/rfc/rfc4514#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.4
 */
export function rfc4514Name(dn: string): x509.Name {
  return dnToName(parseDn(dn));
}

/** Encodes a DN given in ASN.1 order (attribute types as OIDs) as a Name with typed string values. @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.4 */
export function dnToName(dn: Dn): x509.Name {
  // An empty subject would name no one; a CA must never issue an anonymous certificate by accident.
  if (dn.length === 0) throw invalidName();
  // Typed values bypass the library's own string handling, which unescapes and reads `#` prefixes.
  return new x509.Name(dn.map((rdn) => Object.fromEntries(rdn.map(({ type, value }) => [type, [directoryString(type, value)]]))));
}

function directoryString(type: string, value: string): x509.JsonAttributeObject {
  const printable = x509.Name.isPrintableString(value);
  if (IA5_ONLY.has(type)) {
    if (!/^[\x00-\x7f]*$/.test(value)) throw invalidName();
    return { ia5String: value };
  }
  if (printable) return { printableString: value };
  if (PRINTABLE_ONLY.has(type)) throw invalidName();
  return { utf8String: value };
}

function invalidName(): TypeError {
  return invalidArgValue('The subject is not an RFC 4514 distinguished name');
}
