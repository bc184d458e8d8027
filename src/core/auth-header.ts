import { InvalidRequest } from './errors.ts';
import { decodeFormComponent } from './form.ts';

/** Client credentials carried in an `Authorization: Basic` header. */
export interface BasicCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * Parses `Authorization: Basic …` for `client_secret_basic`: base64 of
 * `urlencode(client_id) ":" urlencode(client_secret)`. Returns undefined for another
 * scheme; a malformed Basic header is `invalid_request`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1
 */
export function parseBasicAuthorization(header: string): BasicCredentials | undefined {
  // Everything after the scheme is the credentials, so `Basic a b` is malformed, not another scheme.
  const match = /^basic(?: +(.*))?$/is.exec(header.trim());
  if (!match) return undefined;
  const token = match[1] ?? '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token) || token.length % 4 !== 0) {
    throw new InvalidRequest('malformed Basic credentials');
  }
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new InvalidRequest('malformed Basic credentials');
  const clientId = decodeFormComponent(decoded.slice(0, colon));
  const clientSecret = decodeFormComponent(decoded.slice(colon + 1));
  if (clientId === '' || clientSecret === '') throw new InvalidRequest('malformed Basic credentials');
  return { clientId, clientSecret };
}
