import { InvalidScope } from './errors.ts';

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MAX_SCOPES = 100;

/**
 * Parses a space-delimited scope string into distinct scope tokens, in order.
 * Throws `invalid_scope` for illegal characters or more than 100 tokens.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 */
export function parseScope(value: string): string[] {
  const tokens = value.split(' ');
  if (tokens.length > MAX_SCOPES) throw new InvalidScope('too many scope values');
  const out = new Set<string>();
  for (const token of tokens) {
    if (token === '') throw new InvalidScope('scope values are separated by single spaces');
    if (!SCOPE_TOKEN.test(token)) throw new InvalidScope('scope contains an illegal character');
    out.add(token);
  }
  return [...out];
}
