/**
 * The client certificate of a request that reached this server through a TLS-terminating
 * proxy: read from the header that proxy sets, and believed only when the TCP peer of this
 * connection is one of the proxies the operator named.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-6.5
 * @see https://www.rfc-editor.org/rfc/rfc9440#section-4
 */
import { cidrContains, parseCidr, type Cidr } from '../core/cidr.ts';
import { InvalidToken } from '../core/errors.ts';
import { rawHeaderValues } from '../core/raw-headers.ts';
import { parseEscapedPem, parseEscapedPemChain } from '../core/proxy-cert/escaped-pem.ts';
import type { ProxyCertificate } from '../core/proxy-cert/certificate.ts';
import { parseClientCert } from '../core/proxy-cert/rfc9440.ts';
import { parseTraefikCert } from '../core/proxy-cert/traefik.ts';
import { xfccParser } from '../core/proxy-cert/xfcc.ts';
import { invalidArgValue } from '../core/argument-error.ts';

/** The header formats certbound reads. */
export type ProxyFormat = 'rfc9440' | 'xfcc' | 'nginx' | 'alb' | 'alb-passthrough' | 'traefik';

/** Options of {@link proxyCertificateSource}. */
export interface ProxySourceOptions {
  readonly format: ProxyFormat;
  /** Addresses or CIDR ranges of the proxies allowed to set the header (the TCP peer of the connection). */
  readonly trustedProxies: readonly string[];
  /** The header name, when the proxy is configured to use another than the format's default. */
  readonly header?: string;
  /** A header the proxy sets to say it verified the certificate (nginx: `ssl-client-verify: SUCCESS`). */
  readonly verifyHeader?: { readonly name: string; readonly value: string };
  /** xfcc only: how many trusted Envoy hops each append an element (default 1: exactly one element). */
  readonly hops?: number;
  /**
   * xfcc only: the URI SAN of the Envoy proxy that terminates the client's TLS (its `By=` value,
   * e.g. a SPIFFE ID). When set, the element used is the one that proxy wrote, and a header with
   * no element (or two) naming it is refused (catalogue RS-B-10).
   */
  readonly proxyIdentity?: string;
}

/** What the source reads of a request: the TCP peer, and every header line as received. */
export interface ProxyRequest {
  readonly socket: { readonly remoteAddress?: string | undefined };
  readonly rawHeaders: readonly string[];
}

/** Reads the forwarded certificate of a request: null when there is none, InvalidToken when it must not be believed. */
export type ProxyCertificateSource = (request: ProxyRequest) => ProxyCertificate | null;

const DEFAULT_HEADERS: Readonly<Record<ProxyFormat, string>> = {
  rfc9440: 'client-cert',
  xfcc: 'x-forwarded-client-cert',
  nginx: 'ssl-client-cert',
  alb: 'x-amzn-mtls-clientcert-leaf',
  'alb-passthrough': 'x-amzn-mtls-clientcert',
  traefik: 'x-forwarded-tls-client-cert',
};
const PARSERS: Readonly<Record<Exclude<ProxyFormat, 'xfcc'>, (value: string) => ProxyCertificate>> = {
  rfc9440: parseClientCert,
  nginx: parseEscapedPem,
  alb: parseEscapedPem,
  'alb-passthrough': parseEscapedPemChain,
  traefik: parseTraefikCert,
};
// RFC 9110 §5.1: a field name is a token.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// A verify value is compared exactly, so it must be something a proxy can send: visible ASCII, inner spaces.
const FIELD_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;


function isFormat(value: unknown): value is ProxyFormat {
  return typeof value === 'string' && Object.hasOwn(DEFAULT_HEADERS, value);
}

function headerName(value: unknown, what: string): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) throw invalidArgValue(`${what} must be an HTTP header name`);
  return value.toLowerCase();
}

function trustedRanges(value: unknown): Cidr[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidArgValue('trustedProxies must list the addresses of the trusted proxies');
  return value.map((entry: unknown) => {
    let cidr: Cidr | null = null;
    try {
      if (typeof entry === 'string') cidr = parseCidr(entry);
    } catch {
      // reported below, without the library's message
    }
    if (cidr === null) throw invalidArgValue('trustedProxies must hold IP addresses or CIDR ranges');
    // A range holding every address trusts every peer, which is what this option exists to prevent.
    if (cidr.prefix === 0) throw invalidArgValue('trustedProxies must not trust every address');
    return cidr;
  });
}

/**
 * Creates the certificate source for a deployment behind a TLS-terminating proxy. Per request:
 * no certificate header → null; the header from a peer not in `trustedProxies` → InvalidToken
 * (never believed, never silently dropped: a spoofing attempt gets a 401 and a log line); the
 * header twice → InvalidToken (Node would join or drop repeats, and neither copy can be
 * preferred); with `verifyHeader`, a certificate without exactly that verify value once →
 * InvalidToken; otherwise the value parsed strictly in the configured format. Trust is decided
 * by the connection's peer address only, never by X-Forwarded-For, Forwarded or X-Real-IP,
 * which any client can write. Throws TypeError `ERR_INVALID_ARG_VALUE` on bad options.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-7.3
 * @see https://www.rfc-editor.org/rfc/rfc9440#section-4
 */
export function proxyCertificateSource(options: ProxySourceOptions): ProxyCertificateSource {
  if (typeof options !== 'object' || options === null) throw invalidArgValue('options must be an object');
  const { format, hops } = options;
  if (!isFormat(format)) throw invalidArgValue(`format must be one of ${Object.keys(DEFAULT_HEADERS).join(', ')}`);
  const trusted = trustedRanges(options.trustedProxies);
  const header = options.header === undefined ? DEFAULT_HEADERS[format] : headerName(options.header, 'header');
  let verify: { readonly name: string; readonly value: string } | null = null;
  if (options.verifyHeader !== undefined) {
    if (typeof options.verifyHeader !== 'object' || options.verifyHeader === null) throw invalidArgValue('verifyHeader must be { name, value }');
    const { name, value }: { name: unknown; value: unknown } = options.verifyHeader;
    if (typeof value !== 'string' || !FIELD_VALUE.test(value)) throw invalidArgValue('verifyHeader.value must be a header value');
    verify = { name: headerName(name, 'verifyHeader.name'), value };
    if (verify.name === header) throw invalidArgValue('verifyHeader.name must differ from the certificate header');
  }
  if (hops !== undefined && format !== 'xfcc') throw invalidArgValue('hops applies to the xfcc format only');
  if (options.proxyIdentity !== undefined && format !== 'xfcc') throw invalidArgValue('proxyIdentity applies to the xfcc format only');
  const parse = format === 'xfcc' ? xfccParser(hops ?? 1, options.proxyIdentity) : PARSERS[format];

  return (request) => {
    const values = rawHeaderValues(request.rawHeaders, header);
    const [value] = values;
    if (value === undefined) return null;
    const address = request.socket.remoteAddress;
    // Fail closed: only a named proxy may speak for the client (Keycloak CVE-2024-10039).
    if (!trusted.some((cidr) => cidrContains(cidr, address))) throw new InvalidToken('certificate header from an untrusted peer');
    if (values.length !== 1) throw new InvalidToken('certificate header repeated');
    if (verify !== null) {
      const verdicts = rawHeaderValues(request.rawHeaders, verify.name);
      if (verdicts.length !== 1 || verdicts[0] !== verify.value) throw new InvalidToken('client certificate not verified by the proxy');
    }
    return parse(value);
  };
}
