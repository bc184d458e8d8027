/**
 * Address ranges (CIDR notation) and membership of a socket's peer address, for naming the
 * proxies trusted to forward a client certificate. Hand-written because core/ may not import node:net.
 * @see https://www.rfc-editor.org/rfc/rfc4632#section-3.1
 */
import { parseIp } from './ip.ts';
import { invalidArgValue } from './argument-error.ts';

/** An address range: the network's octets (4 for IPv4, 16 for IPv6) and the prefix length in bits. */
export interface Cidr {
  readonly network: Uint8Array;
  readonly prefix: number;
}

const PREFIX = /^(?:0|[1-9][0-9]{0,2})$/;
// ::ffff:0:0/96, the IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2).
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
const NOT_A_CIDR = 'not an IP address or CIDR range';

/** The IPv4 address inside an IPv4-mapped IPv6 address, else the address as given. */
function unmap(bytes: Uint8Array): Uint8Array {
  return bytes.length === 16 && MAPPED_PREFIX.every((b, i) => bytes[i] === b) ? bytes.slice(12) : bytes;
}

/** Whether the first `bits` bits of two equally long addresses agree. */
function prefixMatches(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole] ?? 0) & mask) === ((b[whole] ?? 0) & mask);
}

/**
 * Parses `10.0.0.0/8`, `fd00::/8`, or a single address (`127.0.0.1`, `::1`, a /32 or /128).
 * Strict: IPv4 in canonical dotted decimal, a decimal prefix without leading zeros within the
 * family's length, and no bits set after the prefix (`10.0.0.1/8` is a typo, not a range).
 * An IPv4-mapped range (`::ffff:10.0.0.0/104`) is kept as the IPv4 range it means.
 * Throws TypeError `ERR_INVALID_ARG_VALUE` otherwise.
 * @see https://www.rfc-editor.org/rfc/rfc4632#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.3
 */
export function parseCidr(text: string): Cidr {
  if (typeof text !== 'string') throw invalidArgValue(NOT_A_CIDR);
  const parts = text.split('/');
  if (parts.length > 2) throw invalidArgValue(NOT_A_CIDR);
  const [addressText = '', prefixText] = parts;
  let address: Uint8Array;
  try {
    address = parseIp(addressText);
  } catch {
    throw invalidArgValue(NOT_A_CIDR);
  }
  const bits = address.length * 8;
  if (prefixText !== undefined && !PREFIX.test(prefixText)) throw invalidArgValue(NOT_A_CIDR);
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) throw invalidArgValue(NOT_A_CIDR);
  // Host bits must be zero: compare the address with itself masked to the prefix.
  const network = new Uint8Array(address.length);
  for (let i = 0; i < address.length; i++) {
    const keep = Math.min(8, Math.max(0, prefix - 8 * i));
    network[i] = (address[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  if (!network.every((b, i) => b === address[i])) throw invalidArgValue(NOT_A_CIDR);
  const v4 = prefix >= 96 ? unmap(network) : network;
  return v4.length === 4 && network.length === 16 ? { network: v4, prefix: prefix - 96 } : { network, prefix };
}

/**
 * Whether a socket's `remoteAddress` lies in the range. An IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`, as a dual-stack listener reports IPv4 peers) counts as the IPv4 address;
 * otherwise IPv4 ranges hold only IPv4 addresses and IPv6 ranges only IPv6 ones. An address
 * that does not parse (undefined, a zone id, garbage) is in no range.
 * @see https://www.rfc-editor.org/rfc/rfc4291#section-2.5.5.2
 */
export function cidrContains(cidr: Cidr, address: string | undefined): boolean {
  if (typeof address !== 'string') return false;
  let bytes: Uint8Array;
  try {
    bytes = unmap(parseIp(address));
  } catch {
    return false;
  }
  return bytes.length === cidr.network.length && prefixMatches(bytes, cidr.network, cidr.prefix);
}
