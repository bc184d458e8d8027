import type { OAuthError } from './errors.ts';
import { InsufficientScope } from './errors.ts';

/** Quotes a value as an RFC 9110 quoted-string, dropping characters that cannot appear in one. */
function quote(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '\\$&')}"`;
}

/**
 * Quotes an RFC 6750 attribute value (`error`, `error_description`, `scope`), which may hold only
 * %x20-21 / %x23-5B / %x5D-7E: a double quote or backslash is dropped, not escaped.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
function quote6750(value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '')}"`;
}

/**
 * The `WWW-Authenticate` challenge for a failed client authentication.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function basicChallenge(realm: string): string {
  return `Basic realm=${quote(realm)}`;
}

/**
 * The `WWW-Authenticate` challenge of a resource server: without an error when the
 * request carried no token, otherwise with the error code, description and, for
 * `insufficient_scope`, the scope needed.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function bearerChallenge(realm: string, error?: OAuthError): string {
  const parts = [`realm=${quote(realm)}`];
  if (error) {
    parts.push(`error=${quote6750(error.error)}`, `error_description=${quote6750(error.error_description)}`);
    if (error instanceof InsufficientScope) parts.push(`scope=${quote6750(error.scope)}`);
  }
  return `Bearer ${parts.join(', ')}`;
}
