/**
 * Distinguished names: the RFC 4514 string form, and comparison by RFC 4517
 * distinguishedNameMatch, used for `tls_client_auth_subject_dn` (RFC 8705 §2.1.2).
 */
import { invalidArgValue } from './argument-error.ts';
import { decodeDerString, decodeUtf8, toHex } from './der-string.ts';

/** One attribute: type as a dotted-decimal OID, value as decoded Unicode text. @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1.2.4 */
export interface Ava {
  readonly type: string;
  readonly value: string;
}

/** A relative distinguished name: a set of AVAs (order not significant). @see https://www.rfc-editor.org/rfc/rfc4512#section-2.3.1 */
export type Rdn = readonly Ava[];

/** A distinguished name in ASN.1 order (most significant RDN first, e.g. C before CN). @see https://www.rfc-editor.org/rfc/rfc4514#section-2.1 */
export type Dn = readonly Rdn[];

const MAX_LENGTH = 8192;
const MAX_RDNS = 64;
const MAX_AVAS_PER_RDN = 16;

/** RFC 4517 equality rule of an attribute; anything not listed compares exactly (fail safe: never looser). */
type Rule = 'caseIgnore' | 'caseIgnoreIA5' | 'exact';

// [oid, equality rule (RFC 4519 / RFC 2985), name used by formatDn, other accepted names]
const ATTRIBUTES: readonly (readonly [string, Rule, ...string[]])[] = [
  ['2.5.4.3', 'caseIgnore', 'CN', 'commonName'],
  ['2.5.4.4', 'caseIgnore', 'SN', 'surname'],
  ['2.5.4.5', 'caseIgnore', 'serialNumber'],
  ['2.5.4.6', 'caseIgnore', 'C', 'countryName'],
  ['2.5.4.7', 'caseIgnore', 'L', 'localityName'],
  ['2.5.4.8', 'caseIgnore', 'ST', 'stateOrProvinceName'],
  ['2.5.4.9', 'caseIgnore', 'STREET', 'streetAddress'],
  ['2.5.4.10', 'caseIgnore', 'O', 'organizationName'],
  ['2.5.4.11', 'caseIgnore', 'OU', 'organizationalUnitName'],
  ['2.5.4.12', 'caseIgnore', 'title'],
  ['2.5.4.13', 'caseIgnore', 'description'],
  ['2.5.4.15', 'caseIgnore', 'businessCategory'],
  ['2.5.4.17', 'caseIgnore', 'postalCode'],
  ['2.5.4.41', 'caseIgnore', 'name'],
  ['2.5.4.42', 'caseIgnore', 'GN', 'givenName'],
  ['2.5.4.43', 'caseIgnore', 'initials'],
  ['2.5.4.44', 'caseIgnore', 'generationQualifier'],
  ['2.5.4.46', 'caseIgnore', 'dnQualifier'],
  ['2.5.4.65', 'caseIgnore', 'pseudonym'],
  ['2.5.4.97', 'caseIgnore', 'organizationIdentifier'],
  ['0.9.2342.19200300.100.1.1', 'caseIgnore', 'UID', 'userid'],
  ['0.9.2342.19200300.100.1.25', 'caseIgnoreIA5', 'DC', 'domainComponent'],
  ['1.2.840.113549.1.9.1', 'caseIgnoreIA5', 'emailAddress', 'email'],
];
const OID_BY_NAME = new Map(ATTRIBUTES.flatMap(([oid, , ...names]) => names.map((n) => [n.toLowerCase(), oid] as const)));
const NAME_BY_OID = new Map(ATTRIBUTES.map(([oid, , name]) => [oid, name ?? oid] as const));
const RULE_BY_OID = new Map(ATTRIBUTES.map(([oid, rule]) => [oid, rule] as const));

// Values an unsupported DER type decodes to: a lone surrogate can never come out of
// parseDn or decodeDerString, so such a value equals no registered one (see opaqueAvaValue).
const OPAQUE = '\uDC00#';
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const ESCAPABLE = '"+,;<>\\ #=';
const HEX = /^[0-9a-fA-F]{2}$/;
const utf8 = new TextEncoder();

function skipSpaces(text: string, i: number): number {
  while (text[i] === ' ') i++;
  return i;
}

/** attributeType = descr / numericoid (RFC 4514 §3); `OID.` prefixes are not RFC 4514 and fail here. */
function readType(text: string, start: number): [string, number] {
  const m = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)/.exec(text.slice(start, start + 130));
  if (!m) throw invalidArgValue('expected an attribute type');
  const word = m[0];
  if (/^[A-Za-z]/.test(word)) {
    const oid = OID_BY_NAME.get(word.toLowerCase());
    if (oid === undefined) throw invalidArgValue(`unknown attribute type ${JSON.stringify(word)}`);
    return [oid, start + word.length];
  }
  const arcs = word.split('.');
  // Leading zeros would give one OID two spellings; arcs after 0./1. are below 40 (X.660).
  if (word.length > 128 || arcs.some((a) => a.length > 1 && a.startsWith('0'))) throw invalidArgValue('malformed OID');
  if (Number(arcs[0]) > 2 || (Number(arcs[0]) < 2 && Number(arcs[1]) > 39)) throw invalidArgValue('malformed OID');
  return [word, start + word.length];
}

/** attributeValue = string / hexstring (RFC 4514 §2.4, §3); stops at `,`, `+` or the end. */
function readValue(text: string, start: number): [string, number] {
  let i = start;
  let value: string | null;
  if (text[i] === '#') {
    const bytes: number[] = [];
    for (i++; HEX.test(text.slice(i, i + 2)); i += 2) bytes.push(parseInt(text.slice(i, i + 2), 16));
    i = skipSpaces(text, i);
    if (bytes.length === 0 || (i < text.length && text[i] !== ',' && text[i] !== '+')) throw invalidArgValue('malformed #hex value');
    value = decodeDerString(Uint8Array.from(bytes));
    if (value === null) throw invalidArgValue('#hex value is not a supported DER string type');
  } else {
    const bytes: number[] = [];
    let significant = 0; // bytes up to the last escaped or non-space character
    while (i < text.length && text[i] !== ',' && text[i] !== '+') {
      const ch = text[i] ?? '';
      if (ch === '\\') {
        const next = text[i + 1] ?? '';
        if (HEX.test(text.slice(i + 1, i + 3))) {
          bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
          i += 3;
        } else if (next !== '' && ESCAPABLE.includes(next)) {
          bytes.push(next.charCodeAt(0));
          i += 2;
        } else throw invalidArgValue('invalid escape in attribute value');
        significant = bytes.length;
        continue;
      }
      if ('";<>'.includes(ch)) throw invalidArgValue(`unescaped ${JSON.stringify(ch)} in attribute value`);
      const char = String.fromCodePoint(text.codePointAt(i) ?? 0);
      bytes.push(...utf8.encode(char));
      i += char.length;
      if (ch !== ' ') significant = bytes.length;
    }
    value = decodeUtf8(Uint8Array.from(bytes.slice(0, significant)));
    if (value === null) throw invalidArgValue('escaped octets are not valid UTF-8');
  }
  if (value === '') throw invalidArgValue('empty attribute value');
  // NUL-prefix and line-splitting tricks (CVE-2009-2408): control characters are never legitimate.
  if (CONTROL.test(value)) throw invalidArgValue('control character in attribute value');
  return [value, i];
}

/**
 * Parses an RFC 4514 string into a DN in ASN.1 order (the string lists RDNs in reverse).
 * Spaces around separators and `=` are tolerated; unescaped leading/trailing spaces of a
 * value are not part of it. The empty string is the empty DN. Throws TypeError
 * `ERR_INVALID_ARG_VALUE` on anything malformed.
 * @see https://www.rfc-editor.org/rfc/rfc4514#section-3
 */
export function parseDn(text: string): Dn {
  if (typeof text !== 'string') throw invalidArgValue('a DN must be a string');
  if (text.length > MAX_LENGTH) throw invalidArgValue('DN is too long');
  if (!text.isWellFormed()) throw invalidArgValue('DN is not well-formed Unicode');
  if (text === '') return [];
  const rdns: Rdn[] = [];
  let i = 0;
  for (;;) {
    const rdn: Ava[] = [];
    for (;;) {
      const [type, afterType] = readType(text, skipSpaces(text, i));
      i = skipSpaces(text, afterType);
      if (text[i] !== '=') throw invalidArgValue('expected "=" after the attribute type');
      const [value, afterValue] = readValue(text, skipSpaces(text, i + 1));
      i = afterValue;
      // X.501: the AVAs of one RDN have distinct types.
      if (rdn.some((a) => a.type === type)) throw invalidArgValue('repeated attribute type in one RDN');
      rdn.push({ type, value });
      if (rdn.length > MAX_AVAS_PER_RDN) throw invalidArgValue('too many attributes in one RDN');
      if (text[i] !== '+') break;
      i++;
    }
    rdns.push(rdn);
    if (rdns.length > MAX_RDNS) throw invalidArgValue('too many RDNs');
    if (i === text.length) break;
    i++; // readValue stops only at ',', '+' (consumed above) or the end
  }
  return rdns.reverse();
}

/**
 * The value an AVA gets when its DER type is not a character string: unequal to every
 * parsed or decoded value (it is not well-formed Unicode), and shown as `#hex` by formatDn.
 * @see https://www.rfc-editor.org/rfc/rfc4514#section-2.4
 */
export function opaqueAvaValue(der: Uint8Array): string {
  return OPAQUE + toHex(der);
}

function escapeValue(value: string): string {
  const chars = Array.from(value);
  return chars
    .map((ch, idx) => {
      const cp = ch.codePointAt(0) ?? 0;
      if ('"+,;<>\\'.includes(ch)) return `\\${ch}`;
      if ((idx === 0 && (ch === ' ' || ch === '#')) || (idx === chars.length - 1 && ch === ' ')) return `\\${ch}`;
      // Controls as \XX octets; a lone surrogate (never in a parsed or decoded DN) encodes as U+FFFD.
      if (!CONTROL.test(ch) && (cp < 0xd800 || cp > 0xdfff)) return ch;
      return Array.from(utf8.encode(ch), (b) => `\\${toHex(Uint8Array.of(b)).toUpperCase()}`).join('');
    })
    .join('');
}

/**
 * Formats a DN as an RFC 4514 string (most significant RDN last), escaping so that
 * `parseDn(formatDn(dn))` gives back an equal DN.
 * @see https://www.rfc-editor.org/rfc/rfc4514#section-2
 */
export function formatDn(dn: Dn): string {
  return dn
    .toReversed()
    .map((rdn) =>
      rdn
        .map(({ type, value }) => {
          const name = NAME_BY_OID.get(type) ?? type;
          return value.startsWith(OPAQUE) ? `${name}=#${value.slice(OPAQUE.length)}` : `${name}=${escapeValue(value)}`;
        })
        .join('+'),
    )
    .join(',');
}

/**
 * RFC 4518 string preparation, narrowed on purpose (TE-D-10): NFC only, never NFKC, and
 * no mapping of NBSP/zero-width characters, so visually similar but distinct names stay
 * distinct. Case folding is Unicode default lower-casing (locale-free, never removes or
 * merges non-case variants). Insignificant spaces: U+0020 runs collapse and the ends trim.
 */
function prepare(value: string, rule: Rule): string {
  const nfc = value.normalize('NFC');
  if (rule === 'exact') return nfc;
  const folded = rule === 'caseIgnore' ? nfc.toLowerCase().normalize('NFC') : nfc.replace(/[A-Z]+/g, (s) => s.toLowerCase());
  return folded.replace(/ +/g, ' ').replace(/^ | $/g, '');
}

function avaEquals(x: Ava, y: Ava): boolean {
  if (x.type !== y.type) return false;
  // Control characters and opaque values make an AVA equal to nothing, not even itself.
  for (const v of [x.value, y.value]) if (!v.isWellFormed() || CONTROL.test(v)) return false;
  const rule = RULE_BY_OID.get(x.type) ?? 'exact';
  return prepare(x.value, rule) === prepare(y.value, rule);
}

/**
 * RFC 4517 distinguishedNameMatch: same RDNs in the same order, each with the same set
 * of AVAs (in any order), values compared by their attribute's equality rule.
 * @see https://www.rfc-editor.org/rfc/rfc4517#section-4.2.15
 */
export function dnEquals(a: Dn, b: Dn): boolean {
  if (a.length !== b.length) return false;
  return a.every((rdnA, i) => {
    const rdnB = b[i] ?? [];
    if (rdnA.length !== rdnB.length) return false;
    // avaEquals is an equivalence relation, so greedy pairing finds a matching if one exists.
    const used = rdnB.map(() => false);
    return rdnA.every((x) => {
      const j = rdnB.findIndex((y, k) => !used[k] && avaEquals(x, y));
      if (j < 0) return false;
      used[j] = true;
      return true;
    });
  });
}
