/**
 * The single expected subject of a `tls_client_auth` client: validation of the
 * registered value, and matching it against a certificate's decoded identity.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2
 */
import { dnEquals, formatDn, parseDn, type Dn } from './dn.ts';
import { InvalidClientMetadata } from './errors.ts';
import { ipEquals, parseIp } from './ip.ts';
import type { SubjectMatcher, SubjectMatcherKind } from './model.ts';

/** A certificate's subject and SAN entries, decoded from DER (see pki/cert-identity.ts). @see https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.6 */
export interface CertIdentity {
  readonly subject: Dn;
  readonly san: {
    readonly dns: readonly string[];
    readonly uri: readonly string[];
    readonly ip: readonly Uint8Array[];
    readonly email: readonly string[];
  };
}

// LDH label (RFC 1123 §2.1), lower case after folding.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// RFC 3986 §2: unreserved / reserved / pct-encoded; nothing else (no spaces, quotes, braces, non-ASCII).
const URI_CHARS = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
const PCT_OK = /^(?:[^%]|%[0-9A-Fa-f]{2})*$/;
// RFC 5322 atext and `.`, the usual dot-atom local part; printable ASCII only.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$/;
// Printable ASCII: what IA5String SAN values may sensibly hold; controls never match (TE-D-12).
const PRINTABLE = /^[\x21-\x7e]+$/;

/** ASCII-only case fold (RFC 4343): non-ASCII letters are never folded. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** An LDH host name, lower case, no wildcard, no trailing dot, not all-numeric at the end (not an IP). */
function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  return labels.every((l) => LABEL.test(l)) && !/^[0-9]+$/.test(labels.at(-1) ?? '');
}

function reject(description: string, cause?: unknown): never {
  throw new InvalidClientMetadata(description, cause === undefined ? undefined : { cause });
}

/**
 * Validates a registration value of `tls_client_auth_<kind>` and returns the matcher to
 * store: DNs re-formatted by formatDn, DNS names and e-mail domains lower-cased, other
 * values as given. Throws InvalidClientMetadata on anything unacceptable.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2
 */
export function parseSubjectMatcher(kind: SubjectMatcherKind, value: string): SubjectMatcher {
  const name = `tls_client_auth_${String(kind)}`;
  if (typeof value !== 'string' || value.length === 0) reject(`${name} must be a non-empty string`);
  switch (kind) {
    case 'subject_dn': {
      let dn: Dn;
      try {
        dn = parseDn(value);
      } catch (err) {
        reject(`${name} is not a valid RFC 4514 distinguished name`, err);
      }
      // An empty DN would match every SAN-only certificate (TE-D-13).
      if (dn.length === 0) reject(`${name} must not be the empty DN`);
      return { kind, value: formatDn(dn) };
    }
    case 'san_dns': {
      const host = asciiLower(value);
      // No wildcards, U-labels, trailing dot or empty labels: the match is literal (TE-S-01/02).
      if (!isHostName(host)) reject(`${name} must be an ASCII host name without wildcard or trailing dot`);
      return { kind, value: host };
    }
    case 'san_uri':
      // Stored and compared byte for byte: no RFC 3986 normalisation (TE-S-06).
      if (value.length > 4096 || !URI_CHARS.test(value) || !PCT_OK.test(value) || !URL.canParse(value)) {
        reject(`${name} must be an absolute URI`);
      }
      return { kind, value };
    case 'san_ip':
      try {
        parseIp(value);
      } catch (err) {
        reject(`${name} must be a canonical IPv4 or an IPv6 address`, err);
      }
      return { kind, value };
    case 'san_email': {
      const at = value.lastIndexOf('@');
      const local = value.slice(0, at);
      const domain = asciiLower(value.slice(at + 1));
      if (at < 1 || !LOCAL.test(local) || !isHostName(domain)) reject(`${name} must be an ASCII local@domain address`);
      return { kind, value: `${local}@${domain}` };
    }
    default:
      return reject(`${name} is not a subject matcher`);
  }
}

// Parsed registered DNs, by stored value; bounded so hostile values cannot grow it.
const dnCache = new Map<string, Dn | null>();
const DN_CACHE_MAX = 256;

function registeredDn(value: string): Dn | null {
  let dn = dnCache.get(value);
  if (dn === undefined) {
    try {
      dn = parseDn(value);
    } catch {
      dn = null; // a corrupt stored value matches nothing
    }
    if (dnCache.size >= DN_CACHE_MAX) dnCache.delete(dnCache.keys().next().value ?? '');
    dnCache.set(value, dn);
  }
  return dn;
}

function emailEquals(registered: string, presented: string): boolean {
  const r = registered.lastIndexOf('@');
  const p = presented.lastIndexOf('@');
  // Local part exact (RFC 5321 §2.4), domain ASCII case-insensitive (RFC 4343).
  return r > 0 && p > 0 && registered.slice(0, r) === presented.slice(0, p) && asciiLower(registered.slice(r + 1)) === asciiLower(presented.slice(p + 1));
}

/**
 * Whether a certificate's identity satisfies the registered matcher. Only the registered
 * kind is consulted (no CN fallback, no other SAN type: TE-S-07); DNS names compare
 * literally with an ASCII case fold (a `*.x` SAN is not `a.x`); URIs byte for byte;
 * IPs in binary; values with control characters never match.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-2.1.2
 */
export function matchesSubject(matcher: SubjectMatcher, id: CertIdentity): boolean {
  const registered = matcher.value;
  if (typeof registered !== 'string' || registered.length === 0) return false;
  switch (matcher.kind) {
    case 'subject_dn': {
      const dn = registeredDn(registered);
      return dn !== null && dn.length > 0 && dnEquals(dn, id.subject);
    }
    case 'san_dns': {
      const want = asciiLower(registered);
      // Re-checked here so a wildcard or junk value that slipped into storage matches nothing.
      if (!isHostName(want)) return false;
      return id.san.dns.some((d) => PRINTABLE.test(d) && asciiLower(d) === want);
    }
    case 'san_uri':
      return PRINTABLE.test(registered) && id.san.uri.some((u) => u === registered);
    case 'san_ip': {
      let want: Uint8Array;
      try {
        want = parseIp(registered);
      } catch {
        return false;
      }
      return id.san.ip.some((ip) => ipEquals(ip, want));
    }
    case 'san_email':
      return PRINTABLE.test(registered) && id.san.email.some((e) => PRINTABLE.test(e) && emailEquals(registered, e));
    default:
      return false;
  }
}
