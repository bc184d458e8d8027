/**
 * IP addresses as registered in `tls_client_auth_san_ip` and compared in binary
 * with a certificate's iPAddress SAN (RFC 8705 §2.1.2, RFC 5280 §4.2.1.6).
 * Hand-written because core/ may not import node:net.
 */
import { invalidArgValue } from './argument-error.ts';

// One IPv4 octet in canonical decimal: 0-255, no leading zeros (so `010` is not 8 or 10).
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const GROUP = /^[0-9A-Fa-f]{1,4}$/;
// The longest RFC 4291 text form: 6 four-digit groups and a dotted quad.
const MAX_LENGTH = 45;

const NOT_AN_IP = 'not a canonical IPv4 or a valid IPv6 address';

function parseIpv4(text: string): Uint8Array | null {
  return IPV4.test(text) ? Uint8Array.from(text.split('.'), Number) : null;
}

/** Parses colon-separated groups; the last may be a dotted quad. null on any error. */
function parseGroups(part: string, allowTail: boolean): number[] | null {
  if (part === '') return [];
  const words: number[] = [];
  const groups = part.split(':');
  for (const [i, g] of groups.entries()) {
    if (GROUP.test(g)) {
      words.push(parseInt(g, 16));
    } else if (allowTail && i === groups.length - 1) {
      const v4 = parseIpv4(g);
      if (v4 === null) return null;
      words.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    } else return null;
  }
  return words;
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const [head = '', tail] = halves;
  const left = parseGroups(head, tail === undefined);
  const right = tail === undefined ? [] : parseGroups(tail, true);
  if (left === null || right === null) return null;
  const present = left.length + right.length;
  // Without `::` exactly 8 words; with it, `::` stands for one or more zero words (RFC 4291 §2.2).
  if (tail === undefined ? present !== 8 : present > 7) return null;
  const words = [...left, ...new Array<number>(8 - present).fill(0), ...right];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/**
 * Parses an IP address to its octets: IPv4 only in canonical dotted decimal (4 octets),
 * IPv6 in any RFC 4291 text form, `::` and an embedded IPv4 tail included, but no zone id
 * (16 octets). Throws TypeError `ERR_INVALID_ARG_VALUE` otherwise.
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2
 */
export function parseIp(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_LENGTH) throw invalidArgValue(NOT_AN_IP);
  const bytes = text.includes(':') ? parseIpv6(text) : parseIpv4(text);
  if (bytes === null) throw invalidArgValue(NOT_AN_IP);
  return bytes;
}

/**
 * Binary equality of two addresses. Lengths must agree, so `10.0.0.1` (4 octets) never
 * equals `::ffff:10.0.0.1` (16 octets): a certificate says which one it means (TE-S-04).
 * @see https://www.rfc-editor.org/rfc/rfc5952#section-8
 */
export function ipEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
