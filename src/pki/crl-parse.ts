/**
 * Reading a CA's CRL: decoded (DER or PEM), checked against the CA it is configured for
 * and the clock, and reduced to the serial numbers it lists.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-6.3.3
 */
import type { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { CertboundError } from '../core/certbound-error.ts';
import { canonicalSerial } from '../core/serial.ts';
import { certificateSubjectDer, crlFraming, isDerEcdsaSignature } from './der-framing.ts';
import { pemToDer } from './keys.ts';
import { KeyUsageFlags, KeyUsagesExtension, X509Certificate, X509Crl } from './x509.ts';

/** What certbound keeps of a CRL it accepted. */
export interface ParsedCrl {
  /** Canonical serials (see core/serial.ts) of every certificate the CRL lists. */
  readonly serials: ReadonlySet<string>;
  readonly thisUpdate: Date;
  /** When the CRL stops being usable. */
  readonly nextUpdate: Date;
}

const PEM_CRL = '-----BEGIN X509 CRL-----';

/**
 * Parses a DER or PEM (`X509 CRL`) CRL and accepts it only when it is complete and current
 * for `anchor`: issuer Name equal to the anchor's subject as DER, signature verified with the
 * anchor's public key (which must allow cRLSign), thisUpdate <= now < nextUpdate (which
 * must be present, as RFC 5280 §5.1.2.5 requires of every CRL), and no critical extension
 * certbound does not process (delta CRLs, distribution-point scopes, indirect entries).
 * Throws ERR_CERTBOUND_INVALID_CRL otherwise.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-6.3.3
 */
export async function parseCrl(bytes: Uint8Array, anchor: NodeX509Certificate, now: Date): Promise<ParsedCrl> {
  const der = decode(bytes);
  // The framing outside tbsCertList is not covered by the signature: it must be strict DER, nothing around it.
  const framing = crlFraming(der);
  if (framing === null) throw invalid('not an X.509 CRL');
  let crl: X509Crl;
  try {
    crl = new X509Crl(der);
  } catch (cause) {
    throw invalid('not an X.509 CRL', cause);
  }
  const ca = new X509Certificate(new Uint8Array(anchor.raw));
  const subject = certificateSubjectDer(new Uint8Array(anchor.raw));
  if (subject === null || !Buffer.from(framing.issuer).equals(subject)) {
    throw invalid("the CRL's issuer is not the CA's subject");
  }
  const usage = ca.getExtension(KeyUsagesExtension);
  if (usage && (usage.usages & KeyUsageFlags.cRLSign) === 0) throw invalid('the CA certificate does not allow cRLSign');
  if (framing.ecdsa && !isDerEcdsaSignature(framing.signature)) throw invalid('the ECDSA signature is not DER');
  if (!(await verifies(crl, ca))) throw invalid("the CRL's signature does not verify with the CA's key");
  try {
    return contents(crl, now);
  } catch (err) {
    // The library decodes fields lazily; a signed but malformed field is still a bad CRL.
    if (err instanceof CertboundError) throw err;
    throw invalid('a field of the CRL is malformed', err);
  }
}

/** The validity and entries of a CRL whose signature verified. */
function contents(crl: X509Crl, now: Date): ParsedCrl {
  if (crl.extensions.some((e) => e.critical)) throw invalid('the CRL has a critical extension certbound does not process');
  const { thisUpdate, nextUpdate } = crl;
  // Without nextUpdate a CRL would never go stale; and @peculiar/asn1-x509 2.x then drops its entries (fail open).
  if (nextUpdate === undefined) throw invalid('the CRL has no nextUpdate');
  if (thisUpdate.getTime() > now.getTime()) throw invalid('the CRL is not valid yet (thisUpdate is in the future)');
  if (nextUpdate.getTime() <= now.getTime()) throw invalid('the CRL has expired (nextUpdate has passed)');
  const serials = new Set<string>();
  for (const entry of crl.entries) {
    // A critical entry extension (certificateIssuer: an indirect CRL) would change whom the entry is about.
    if (entry.extensions.some((e) => e.critical)) throw invalid('a CRL entry has a critical extension certbound does not process');
    try {
      serials.add(canonicalSerial(entry.serialNumber));
    } catch (cause) {
      throw invalid('a CRL entry has a malformed serial number', cause);
    }
  }
  return { serials, thisUpdate, nextUpdate };
}

/** DER as is; PEM when the bytes are text starting with the `X509 CRL` label. */
function decode(bytes: Uint8Array): Uint8Array {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 64)).toString('latin1').trimStart();
  if (!head.startsWith(PEM_CRL)) return bytes;
  try {
    return pemToDer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), 'X509 CRL');
  } catch (cause) {
    throw invalid('not one well-formed X509 CRL PEM block', cause);
  }
}

async function verifies(crl: X509Crl, ca: X509Certificate): Promise<boolean> {
  try {
    // The CA's public key with the CRL's own signature algorithm, not the one the CA's certificate was signed with.
    return await crl.verify({ publicKey: ca.publicKey });
  } catch {
    return false;
  }
}

function invalid(reason: string, cause?: unknown): CertboundError {
  return new CertboundError('ERR_CERTBOUND_INVALID_CRL', `invalid CRL: ${reason}`, cause === undefined ? undefined : { cause });
}
