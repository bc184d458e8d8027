/**
 * Envoy's `x-forwarded-client-cert` (XFCC): `,`-separated elements, one per proxy hop, each a
 * `;`-separated list of `Key=Value` pairs; a value holding `,`, `;` or `=` is double-quoted,
 * with `\"` for a quote inside.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert
 */
import { invalidArgValue } from '../argument-error.ts';
import { InvalidToken } from '../errors.ts';
import { isThumbprint } from '../thumbprint.ts';
import { boundedHeaderValue, leafOfChain, malformedCertificateHeader, MAX_CHAIN_LENGTH, proxyCertificate, type ProxyCertificate } from './certificate.ts';
import { decodeEscapedPem } from './escaped-pem.ts';

/** One XFCC element: what one proxy recorded of the certificate of its downstream peer. */
export interface XfccElement {
  /** URI SANs of the proxy that wrote the element (Envoy writes one `By` per SAN). */
  readonly by: readonly string[];
  /** Lowercase hex SHA-256 of the certificate's DER. */
  readonly hash: string | null;
  /** The certificate, URL-encoded PEM, as sent. */
  readonly cert: string | null;
  /** The chain, leaf first, URL-encoded PEM, as sent. */
  readonly chain: string | null;
  readonly subject: string | null;
  readonly uri: readonly string[];
  readonly dns: readonly string[];
}

type Single = 'hash' | 'cert' | 'chain' | 'subject';
type Repeated = 'by' | 'uri' | 'dns';

const SINGLE: ReadonlySet<string> = new Set<Single>(['hash', 'cert', 'chain', 'subject']);
const REPEATED: ReadonlySet<string> = new Set<Repeated>(['by', 'uri', 'dns']);
// Envoy writes By, Hash, Cert and Chain before URI and DNS, and quotes neither URI nor DNS
// values (Subject is quoted, its quotes escaped). A certificate whose SAN reads `x;Hash=…`
// therefore shows up as a Hash *after* a URI or DNS key: refusing that order keeps a client's
// SAN from posing as the proxy's own fields.
const EARLY: ReadonlySet<string> = new Set(['by', 'hash', 'cert', 'chain']);
const UNQUOTED_SAN: ReadonlySet<string> = new Set(['uri', 'dns']);
const HEX_SHA256 = /^[0-9A-Fa-f]{64}$/;
// No control characters anywhere (CR, LF, NUL, HTAB…); Node's parser already refuses most.
const CONTROL = /[\x00-\x1f\x7f]/;

/** Builds one element while its pairs are read. */
class ElementBuilder {
  private readonly single = new Map<string, string>();
  private readonly repeated: Record<Repeated, string[]> = { by: [], uri: [], dns: [] };
  private afterSan = false;

  add(key: string, value: string): void {
    if (EARLY.has(key) && this.afterSan) throw malformedCertificateHeader();
    if (UNQUOTED_SAN.has(key)) this.afterSan = true;
    if (key === 'by' || key === 'uri' || key === 'dns') this.repeated[key].push(value);
    else if (SINGLE.has(key) && !this.single.has(key)) this.single.set(key, value);
    // A key given twice would force a choice between two values; a key Envoy does not write is not believed.
    else throw malformedCertificateHeader();
  }

  build(): XfccElement {
    const get = (key: Single): string | null => this.single.get(key) ?? null;
    const { by, uri, dns } = this.repeated;
    return { by, hash: get('hash'), cert: get('cert'), chain: get('chain'), subject: get('subject'), uri, dns };
  }
}

/**
 * Reads a quoted value starting at `start` (the opening quote). Returns the unescaped value and
 * the index after the closing quote. A backslash escapes the next character (`\"`, and the
 * `\,` of an RFC 4514 Subject that Envoy quotes as it is).
 */
function readQuoted(text: string, start: number): [string, number] {
  let out = '';
  let i = start + 1;
  for (;;) {
    const close = text.indexOf('"', i);
    const escape = text.indexOf('\\', i);
    if (close === -1) throw malformedCertificateHeader();
    if (escape === -1 || close < escape) return [out + text.slice(i, close), close + 1];
    if (escape + 1 >= text.length) throw malformedCertificateHeader();
    out += text.slice(i, escape) + text.charAt(escape + 1);
    i = escape + 2;
  }
}

/**
 * Splits an XFCC value into its elements, quoted-string aware. Keys are case-insensitive and
 * must be Envoy's (By, Hash, Cert, Chain, Subject, URI, DNS); only By, URI and DNS may repeat
 * (one pair per SAN). Refused: empty elements or pairs, a pair without `=`, an unterminated
 * quote, text after a closing quote, a `"` or `\` in an unquoted value, control characters,
 * and By/Hash/Cert/Chain after URI/DNS.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert
 */
export function parseXfccElements(value: string): XfccElement[] {
  const text = boundedHeaderValue(value);
  if (CONTROL.test(text)) throw malformedCertificateHeader();
  const elements: XfccElement[] = [];
  let element = new ElementBuilder();
  let i = 0;
  for (;;) {
    const eq = text.indexOf('=', i);
    if (eq === -1) throw malformedCertificateHeader();
    // A key running over a `;` or `,` (a pair without `=`) is not one of the known keys, so is refused here.
    const key = text.slice(i, eq).toLowerCase();
    if (!SINGLE.has(key) && !REPEATED.has(key)) throw malformedCertificateHeader();
    let pairValue: string;
    let next: number;
    if (text[eq + 1] === '"') {
      [pairValue, next] = readQuoted(text, eq + 1);
    } else {
      next = eq + 1;
      while (next < text.length && text[next] !== ';' && text[next] !== ',') next++;
      pairValue = text.slice(eq + 1, next);
      if (/["\\]/.test(pairValue)) throw malformedCertificateHeader();
    }
    element.add(key, pairValue);
    const separator = text[next];
    if (separator === undefined) break;
    if (separator === ',') {
      elements.push(element.build());
      element = new ElementBuilder();
    } else if (separator !== ';') {
      throw malformedCertificateHeader();
    }
    i = next + 1;
  }
  elements.push(element.build());
  return elements;
}

/**
 * Picks the element describing the client when `hops` trusted Envoy proxies each record one:
 * the header must hold exactly `hops` elements, and the first is the client's. Envoy appends
 * (APPEND_FORWARD adds its element after the ones it received), so the hop that terminated the
 * client's TLS — the outermost, which must SANITIZE_SET — wrote the first element, and every
 * later element describes a proxy talking to the next one. Any other count means a hop
 * sanitised, skipped or added an element unexpectedly, or a client slipped one in: refused.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#enum-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-forwardclientcertdetails
 */
export function selectXfccElement(elements: readonly XfccElement[], hops: number): XfccElement {
  const first = elements[0];
  if (!Number.isSafeInteger(hops) || hops < 1 || elements.length !== hops || first === undefined) throw malformedCertificateHeader();
  return first;
}

/**
 * Picks the element written by the proxy whose certificate carries the URI SAN `identity`: among
 * exactly `hops` elements, exactly one may name it in `By=` (compared exactly). No such element
 * means the header was not written by that proxy — a client's own XFCC passed through, or a
 * proxy in APPEND_FORWARD mode forwarding it — and two mean one is forged: both refused, as is
 * any other count of elements (catalogue RS-B-10).
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert
 */
export function selectXfccElementBy(elements: readonly XfccElement[], hops: number, identity: string): XfccElement {
  if (!Number.isSafeInteger(hops) || hops < 1 || elements.length !== hops) throw malformedCertificateHeader();
  const written = elements.filter((element) => element.by.includes(identity));
  const [only] = written;
  if (only === undefined || written.length !== 1) throw new InvalidToken('client certificate header not written by the trusted proxy');
  return only;
}

/**
 * The certificate an element describes. `Cert` (URL-encoded PEM, one certificate) gives the DER;
 * without it, the leaf of `Chain`; `Hash` (hex SHA-256) alone gives only the thumbprint. When
 * several are present they must name the same certificate.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function xfccElementCertificate(element: XfccElement): ProxyCertificate {
  const cert = element.cert === null ? null : proxyCertificate(oneCertificate(element.cert));
  const chain = element.chain === null ? null : leafOfChain(decodeEscapedPem(element.chain, MAX_CHAIN_LENGTH));
  if (cert && chain && cert.thumbprint !== chain.thumbprint) throw malformedCertificateHeader();
  const fromCert = cert ?? chain;
  if (element.hash === null) {
    if (fromCert === null) throw malformedCertificateHeader();
    return fromCert;
  }
  if (!HEX_SHA256.test(element.hash)) throw malformedCertificateHeader();
  const thumbprint = Buffer.from(element.hash, 'hex').toString('base64url');
  if (!isThumbprint(thumbprint)) throw malformedCertificateHeader();
  // Two descriptions of one certificate that disagree mean one of them is not the proxy's.
  if (fromCert !== null && fromCert.thumbprint !== thumbprint) throw malformedCertificateHeader();
  return fromCert ?? { der: null, thumbprint };
}

function oneCertificate(escaped: string): Uint8Array {
  const [der] = decodeEscapedPem(escaped, 1);
  if (der === undefined) throw malformedCertificateHeader();
  return der;
}

/**
 * Parses an XFCC value holding exactly one element (Envoy with SANITIZE_SET in front of this server).
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert
 */
export function parseXfcc(value: string): ProxyCertificate {
  return xfccElementCertificate(selectXfccElement(parseXfccElements(value), 1));
}

/**
 * A parser for `hops` trusted Envoy hops that each append an element; see {@link selectXfccElement},
 * or, given the proxy's URI SAN as `proxyIdentity`, {@link selectXfccElementBy}.
 * Throws TypeError `ERR_INVALID_ARG_VALUE` unless `hops` is a positive integer and `proxyIdentity`, when given, a URI.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert
 */
export function xfccParser(hops: number, proxyIdentity?: string): (value: string) => ProxyCertificate {
  if (!Number.isSafeInteger(hops) || hops < 1) {
    throw invalidArgValue('hops must be a positive integer');
  }
  if (proxyIdentity !== undefined && (typeof proxyIdentity !== 'string' || !URL.canParse(proxyIdentity) || CONTROL.test(proxyIdentity))) {
    throw invalidArgValue('proxyIdentity must be the URI SAN of the proxy');
  }
  if (proxyIdentity === undefined) return (value) => xfccElementCertificate(selectXfccElement(parseXfccElements(value), hops));
  return (value) => xfccElementCertificate(selectXfccElementBy(parseXfccElements(value), hops, proxyIdentity));
}
