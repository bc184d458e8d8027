import { InvalidRequest } from './errors.ts';

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The bearer token of a request, from its `Authorization` header values (every occurrence,
 * as received). Returns undefined when there is no header or it uses another scheme (the
 * request carries no bearer token); a repeated header, or a Bearer credential that is empty or
 * not a b64token, is `invalid_request`. The scheme is case-insensitive.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function parseBearerAuthorization(values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new InvalidRequest('more than one Authorization header');
  const value = values[0]!;
  const space = value.search(/[ \t]/);
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  // RFC 6750 §2.1: exactly one space separates the scheme from the credential.
  if (space !== -1 && value[space] !== ' ') throw new InvalidRequest('malformed Bearer credentials');
  const token = space === -1 ? '' : value.slice(space + 1);
  if (!B64TOKEN.test(token)) throw new InvalidRequest('malformed Bearer credentials');
  return token;
}
