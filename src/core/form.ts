import { InvalidRequest } from './errors.ts';

const MAX_PARAMS = 64;

/** Parameters of a form body: one value each, except for names declared repeatable. */
export type FormParams = ReadonlyMap<string, readonly string[]>;

/**
 * Parses an `application/x-www-form-urlencoded` body strictly: a parameter given twice
 * (unless named in `repeatable`, like RFC 8707 `resource`), more than 64 parameters, a
 * malformed percent escape or a control character is `invalid_request`. Empty values
 * count as absent.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export function parseForm(body: string, repeatable: ReadonlySet<string> = new Set()): FormParams {
  const params = new Map<string, string[]>();
  if (body === '') return params;
  const pairs = body.split('&');
  if (pairs.length > MAX_PARAMS) throw new InvalidRequest('too many parameters');
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeFormComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeFormComponent(eq === -1 ? '' : pair.slice(eq + 1));
    const values = params.get(name);
    if (!values) params.set(name, [value]);
    // RFC 6749 §3.2: request parameters MUST NOT be included more than once.
    else if (repeatable.has(name)) values.push(value);
    else throw new InvalidRequest(`parameter '${printable(name)}' is repeated`);
  }
  for (const [name, values] of params) {
    const present = values.filter((v) => v !== '');
    if (present.length === 0) params.delete(name);
    else params.set(name, present);
  }
  return params;
}

/** The single value of a parameter, or undefined when absent. */
export function single(params: FormParams, name: string): string | undefined {
  return params.get(name)?.[0];
}

/** Decodes one form component (`+` is a space), refusing malformed escapes and control characters. */
export function decodeFormComponent(text: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw new InvalidRequest('malformed percent-encoding');
  }
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(decoded)) throw new InvalidRequest('control characters are not allowed');
  return decoded;
}

/** A parameter name made safe to echo in an error description. */
function printable(name: string): string {
  return name.length > 40 || !/^[\x21-\x7e]*$/.test(name) ? '(unprintable)' : name.replace(/["\\']/g, '');
}
