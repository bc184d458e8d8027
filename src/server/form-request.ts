import type { IncomingMessage } from 'node:http';
import { InvalidRequest } from '../core/errors.ts';
import { parseForm, type FormParams } from '../core/form.ts';
import { rawHeaderValues } from '../core/raw-headers.ts';

const FORM = 'application/x-www-form-urlencoded';
const REPEATABLE = new Set(['resource']);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses the form body of an OAuth POST, refusing other content types, query parameters and
 * bodies that are not UTF-8.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export function formOf(request: IncomingMessage, body: Buffer): FormParams {
  // Node keeps the first of repeated Content-Type headers; an ambiguous body type is refused instead.
  if (rawHeaderValues(request.rawHeaders, 'content-type').length > 1) throw new InvalidRequest('more than one Content-Type header');
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== FORM) throw new InvalidRequest(`the body must be ${FORM}`);
  // Credentials in a URL end up in logs (RFC 6750 §5.3): parameters belong in the body only.
  if (request.url?.includes('?')) throw new InvalidRequest('parameters must not be sent in the query string');
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new InvalidRequest('the body is not valid UTF-8');
  }
  return parseForm(text, REPEATABLE);
}
