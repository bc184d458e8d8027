/**
 * DER character strings (the value of a directory attribute) decoded to text.
 * Shared by the RFC 4514 `#hex` form in dn.ts and certificate decoding in pki/,
 * so a value reads the same whichever way it arrives.
 * @see https://www.itu.int/rec/T-REC-X.690 (§8.1 TLV, §8.23 restricted strings)
 */

/** One DER TLV with a low (single-byte) tag. */
export interface Tlv {
  /** The identifier octet: class, constructed bit and tag number. */
  readonly tag: number;
  readonly content: Uint8Array;
}

/** Universal tags of the string types we decode. @see X.680 §8.6 */
const UTF8_STRING = 0x0c;
const NUMERIC_STRING = 0x12;
const PRINTABLE_STRING = 0x13;
const TELETEX_STRING = 0x14;
const IA5_STRING = 0x16;
const VISIBLE_STRING = 0x1a;
const UNIVERSAL_STRING = 0x1c;
const BMP_STRING = 0x1e;

// fatal: invalid UTF-8 (overlongs, surrogates, truncation) is an error, never U+FFFD;
// ignoreBOM: a leading U+FEFF is part of the value, not silently dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes strict UTF-8 to text; null for any invalid sequence. @see https://www.rfc-editor.org/rfc/rfc3629#section-3 */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Reads exactly one DER TLV spanning all of `der`: single-byte tag, definite
 * minimal length (X.690 §10.1). Returns null for anything else, trailing bytes included.
 * @see https://www.itu.int/rec/T-REC-X.690 §8.1.3, §10.1
 */
export function readTlv(der: Uint8Array): Tlv | null {
  const tag = der[0];
  const first = der[1];
  // High tag numbers (0x1f) never occur for the types we read; refuse rather than guess.
  if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) return null;
  let length = first;
  let offset = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    // 0x80 is BER indefinite length; more than 4 octets is beyond any sane value.
    if (count === 0 || count > 4) return null;
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = der[offset + i];
      if (byte === undefined) return null;
      if (i === 0 && byte === 0) return null; // DER: no leading zero octets
      length = length * 256 + byte;
    }
    offset += count;
    if (length < 0x80) return null; // DER: short form must be used when it fits
  }
  if (offset + length !== der.length) return null;
  return { tag, content: der.subarray(offset, offset + length) };
}

/** Bytes that must all be 7-bit for the ASCII-subset string types. */
function ascii(bytes: Uint8Array): string | null {
  let out = '';
  for (const b of bytes) {
    if (b > 0x7f) return null;
    out += String.fromCharCode(b);
  }
  return out;
}

/** One character per octet, U+0000..U+00FF (true ISO 8859-1, not windows-1252). */
function latin1(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/** UTF-16BE code units; pairs are accepted, lone surrogates are not. */
function bmp(bytes: Uint8Array): string | null {
  if (bytes.length % 2 !== 0) return null;
  let out = '';
  for (let i = 0; i < bytes.length; i += 2) {
    out += String.fromCharCode(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  }
  return out.isWellFormed() ? out : null;
}

/** UTF-32BE code points; surrogates and values past U+10FFFF are invalid. */
function universal(bytes: Uint8Array): string | null {
  if (bytes.length % 4 !== 0) return null;
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const cp = (((bytes[i] ?? 0) << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0)) >>> 0;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
  }
  return out;
}

/**
 * Decodes one DER-encoded character string (UTF8String, PrintableString,
 * IA5String, VisibleString, NumericString, TeletexString as Latin-1, BMPString,
 * UniversalString) to text; null for any other type or a malformed encoding.
 * The character-set rules of Printable/Numeric are not enforced beyond 7-bit,
 * because real CAs violate them (e.g. `&`) and the text is unambiguous anyway.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.4
 */
export function decodeDerString(der: Uint8Array): string | null {
  const tlv = readTlv(der);
  if (tlv === null) return null;
  const { content } = tlv;
  switch (tlv.tag) {
    case UTF8_STRING:
      return decodeUtf8(content);
    case NUMERIC_STRING:
    case PRINTABLE_STRING:
    case IA5_STRING:
    case VISIBLE_STRING:
      return ascii(content);
    case TELETEX_STRING:
      // T.61 proper is a shift-state encoding nobody implements; in practice it carries Latin-1.
      return latin1(content);
    case BMP_STRING:
      return bmp(content);
    case UNIVERSAL_STRING:
      return universal(content);
    default:
      return null;
  }
}

/** Lower-case hex of bytes, as in the RFC 4514 `#hexstring` form. @see https://www.rfc-editor.org/rfc/rfc4514#section-2.4 */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
