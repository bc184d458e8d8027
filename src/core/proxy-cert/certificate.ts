/**
 * The certificate a TLS-terminating proxy forwarded, and the checks every header format
 * shares: bounded sizes, one generic error, DER that is exactly one X.509 certificate.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-6.5
 */
import { X509Certificate } from 'node:crypto';
import { InvalidToken } from '../errors.ts';
import { x5tS256, type Thumbprint } from '../thumbprint.ts';

/** A client certificate taken from a proxy header: its DER (null when the proxy sent only a hash) and `x5t#S256`. */
export interface ProxyCertificate {
  readonly der: Uint8Array | null;
  readonly thumbprint: Thumbprint;
}

/** Longest header value parsed, in characters: far above a real chain, far below a memory problem. */
export const MAX_HEADER_LENGTH = 32 * 1024;
/** Most certificates accepted in a forwarded chain. */
export const MAX_CHAIN_LENGTH = 10;
/** Largest DER certificate accepted, in bytes. */
export const MAX_CERTIFICATE_SIZE = 16 * 1024;

/**
 * The one error every malformed certificate header gets. Its description is generic and
 * never quotes the value: the header is attacker-controlled whenever a proxy is misconfigured.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function malformedCertificateHeader(): InvalidToken {
  return new InvalidToken('malformed client certificate header');
}

/**
 * Narrows an untrusted header value to a string of at most {@link MAX_HEADER_LENGTH} characters.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-7.5
 */
export function boundedHeaderValue(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_HEADER_LENGTH) throw malformedCertificateHeader();
  return value;
}

/**
 * Checks that `der` is exactly one X.509 certificate and computes its thumbprint.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function proxyCertificate(der: Uint8Array): ProxyCertificate {
  if (der.length === 0 || der.length > MAX_CERTIFICATE_SIZE) throw malformedCertificateHeader();
  let raw: Buffer;
  try {
    raw = new X509Certificate(der).raw;
  } catch {
    throw malformedCertificateHeader();
  }
  // OpenSSL also reads PEM text, and ignores bytes after the certificate: insist that the
  // certificate is the whole input, so the thumbprint covers exactly what was parsed.
  if (!raw.equals(der)) throw malformedCertificateHeader();
  return { der, thumbprint: x5tS256(der) };
}

/**
 * Checks every certificate of a forwarded chain (1 to {@link MAX_CHAIN_LENGTH}, leaf first) and returns the leaf.
 * Only the leaf is bound to tokens; the rest is checked so that a garbled chain is never half-believed.
 * @see https://www.rfc-editor.org/rfc/rfc9440#section-2.2
 */
export function leafOfChain(ders: readonly Uint8Array[]): ProxyCertificate {
  const [leaf, ...rest] = ders;
  if (leaf === undefined || ders.length > MAX_CHAIN_LENGTH) throw malformedCertificateHeader();
  for (const der of rest) proxyCertificate(der);
  return proxyCertificate(leaf);
}
