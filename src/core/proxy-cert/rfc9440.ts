/** RFC 9440 `Client-Cert`: the client certificate as an RFC 8941 Byte Sequence. */
import { decodeByteSequenceBase64 } from './base64.ts';
import { boundedHeaderValue, malformedCertificateHeader, proxyCertificate, type ProxyCertificate } from './certificate.ts';

// RFC 8941 §4.2: a field value may have leading and trailing SP (not HTAB), which the parser discards.
// §3.3.5: `:` base64 `:`. Anything after the closing colon — a parameter such as `;a=1` — is refused:
// RFC 9440 defines none, and a value this server cannot fully read is not believed.
const BYTE_SEQUENCE_ITEM = /^ *:([A-Za-z0-9+/=]*): *$/;

/**
 * Parses a `Client-Cert` field value: exactly one bare Byte Sequence Item holding the DER of
 * the certificate. Refused: PEM armour, missing colons, the base64url alphabet, inner
 * whitespace, parameters, an Inner List or a list of several items. Missing `=` padding and
 * non-zero pad bits are accepted, as RFC 8941 §4.2.7 asks of parsers.
 * @see https://www.rfc-editor.org/rfc/rfc9440#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8941#section-4.2.7
 */
export function parseClientCert(value: string): ProxyCertificate {
  const match = BYTE_SEQUENCE_ITEM.exec(boundedHeaderValue(value));
  if (match?.[1] === undefined) throw malformedCertificateHeader();
  return proxyCertificate(decodeByteSequenceBase64(match[1]));
}
