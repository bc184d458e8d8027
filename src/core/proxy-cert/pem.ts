/**
 * Strict PEM decoding of certificates, as proxies forward them (OpenSSL's and BoringSSL's
 * output): RFC 7468 §5 `CERTIFICATE` blocks only, and nothing but whitespace around them.
 */
import { decodeBase64 } from './base64.ts';
import { malformedCertificateHeader } from './certificate.ts';

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';
const BODY_LINE = /^[A-Za-z0-9+/=]+$/;
const BLANK = /^[ \t]*$/;

/**
 * Decodes 1 to `max` PEM certificate blocks to DER, in order. Refused: every other label (a
 * `PRIVATE KEY` above all), explanatory text or junk outside the blocks, encapsulated
 * headers, blank or non-base64 lines inside a block, a block without its END line, and
 * non-canonical base64. Lines end in LF or CRLF.
 * @see https://www.rfc-editor.org/rfc/rfc7468#section-5.1
 */
export function decodePemCertificates(text: string, max: number): Uint8Array[] {
  const ders: Uint8Array[] = [];
  let body: string[] | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (body === null) {
      if (BLANK.test(line)) continue;
      // Anything else outside a block — another label, text, a stray END — is refused, not skipped.
      if (line !== BEGIN) throw malformedCertificateHeader();
      if (ders.length === max) throw malformedCertificateHeader();
      body = [];
    } else if (line === END) {
      ders.push(decodeBase64(body.join('')));
      body = null;
    } else if (BODY_LINE.test(line)) {
      body.push(line);
    } else {
      throw malformedCertificateHeader();
    }
  }
  // A block still open at the end was truncated.
  if (body !== null || ders.length === 0) throw malformedCertificateHeader();
  return ders;
}
