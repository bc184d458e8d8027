/**
 * Base64 (RFC 4648 §4, standard alphabet) decoding without the leniency of `Buffer.from`,
 * which skips characters it does not know and stops at the first `=`.
 */
import { malformedCertificateHeader } from './certificate.ts';

// Standard alphabet; `=` only as the final padding. The unpadded form is what RFC 8941 lets through.
const PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UNPADDED_TAIL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2,3})?$/;

/**
 * Decodes canonical base64: padding present, nothing outside the alphabet, and zero pad bits,
 * so each byte string has exactly one accepted spelling. Throws `invalid_token` otherwise.
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-3.5
 */
export function decodeBase64(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  // Re-encoding gives back the input only when every character, the padding and the pad bits are canonical.
  if (text === '' || bytes.toString('base64') !== text) throw malformedCertificateHeader();
  // A copy: small Buffers are views into a shared pool.
  return new Uint8Array(bytes);
}

/**
 * Decodes base64 as an RFC 8941 Byte Sequence recipient must: the alphabet and the place of `=`
 * are enforced, but missing padding and non-zero pad bits are accepted (§4.2.7 says parsers
 * SHOULD NOT fail on them). Neither changes the decoded bytes, which are all that is hashed.
 * @see https://www.rfc-editor.org/rfc/rfc8941#section-4.2.7
 */
export function decodeByteSequenceBase64(text: string): Uint8Array {
  if (text === '' || !(PADDED.test(text) || UNPADDED_TAIL.test(text))) throw malformedCertificateHeader();
  const bytes = Buffer.from(text, 'base64');
  // A copy: small Buffers are views into a shared pool.
  return new Uint8Array(bytes);
}
