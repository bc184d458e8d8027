/**
 * The header lines the upstream receives: the client's, minus hop-by-hop fields (RFC 9110
 * §7.6.1), minus the token (unless asked), minus any identity header the client wrote; plus
 * the gateway's identity headers and where the request came from (X-Forwarded-* or RFC 7239).
 */
import { hopByHopNames } from './hop-by-hop.ts';
import { isIdentityHeader, type IdentityHeaderNames } from './identity.ts';

/** How the client's address and scheme reach the upstream. */
export type ForwardedStyle = 'x-forwarded' | 'rfc7239';

/** Options of {@link upstreamHeaders}. */
export interface UpstreamHeaderOptions {
  readonly identityNames: IdentityHeaderNames;
  readonly forwardAuthorization: boolean;
  readonly forwarded: ForwardedStyle;
  /**
   * Keep the client's Host (default false: the upstream gets its own host, as nginx's default
   * `proxy_set_header Host $proxy_host` does, and the client's goes in X-Forwarded-Host or
   * Forwarded) — a client-chosen Host could select another virtual host behind the same routes.
   */
  readonly preserveHost?: boolean;
}

/** What the gateway knows of the request's origin. */
export interface RequestOrigin {
  /** The TCP peer (the client, or the trusted proxy in front). */
  readonly peer: string | undefined;
  /** Whether that peer is a proxy the operator trusts: its forwarding headers are kept and extended. */
  readonly peerTrusted: boolean;
  readonly proto: 'http' | 'https';
}

const FORWARDING = new Set(['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip']);

/** An IPv4 peer of a dual-stack listener as the plain address. */
function plainAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function valuesOf(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  return values;
}

/** RFC 7239 §6: an IPv6 node is quoted and bracketed; a host with a colon is quoted. */
function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

function quotedIfNeeded(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The flat `name, value, …` list for the upstream request.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 * @see https://www.rfc-editor.org/rfc/rfc7239#section-4
 */
export function upstreamHeaders(rawHeaders: readonly string[], origin: RequestOrigin, identity: readonly [string, string][], options: UpstreamHeaderOptions): string[] {
  const dropped = hopByHopNames(rawHeaders);
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (dropped.has(lower)) continue;
    // RFC 6750 §5.3 / RFC 8705 §3: the bound token is for this hop; the upstream gets the identity instead.
    if (lower === 'authorization' && !options.forwardAuthorization) continue;
    // Only the gateway speaks for the client's identity: a client's own copy never passes.
    if (isIdentityHeader(options.identityNames, lower)) continue;
    if (FORWARDING.has(lower)) continue;
    // undici writes the upstream's own Host when none is given.
    if (lower === 'host' && !options.preserveHost) continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  for (const [name, value] of identity) out.push(name, value);

  const peer = plainAddress(origin.peer);
  const host = valuesOf(rawHeaders, 'host')[0];
  // A client's own forwarding headers are its word only; a trusted proxy's are kept and extended.
  const prior = (name: string) => (origin.peerTrusted ? valuesOf(rawHeaders, name) : []);
  if (options.forwarded === 'rfc7239') {
    const element = [`for=${forwardedNode(peer)}`, ...(host === undefined ? [] : [`host=${quotedIfNeeded(host)}`]), `proto=${origin.proto}`].join(';');
    out.push('forwarded', [...prior('forwarded'), element].join(', '));
  } else {
    out.push('x-forwarded-for', [...prior('x-forwarded-for'), peer].join(', '));
    out.push('x-forwarded-proto', prior('x-forwarded-proto')[0] ?? origin.proto);
    const forwardedHost = prior('x-forwarded-host')[0] ?? host;
    if (forwardedHost !== undefined) out.push('x-forwarded-host', forwardedHost);
  }
  return out;
}
