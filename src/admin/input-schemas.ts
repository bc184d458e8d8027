// The building blocks of the admin operations' input schemas. Written `as const`: each schema is
// plain JSON Schema for ajv and /openapi.json, and the operation's input type is derived from it.
import type { JSONSchema } from 'json-schema-to-ts';

/** No control character (C0, DEL, C1): they forge log lines and audit rows, and PostgreSQL refuses NUL. */
export const NO_CONTROL = '^[^\\u0000-\\u001F\\u007F-\\u009F]*$';
/** PEM text may hold line breaks and tabs, and no other control character. */
const PEM_TEXT = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$';
/** An identifier (partner, client, administrator, thumbprint, serial): longer than any valid one is refused early. */
export const ID_MAX = 128;

export const id = { type: 'string', minLength: 1, maxLength: ID_MAX, pattern: NO_CONTROL } as const;
export const string = { type: 'string', minLength: 1, maxLength: 2048, pattern: NO_CONTROL } as const;
export const text = { type: 'string', maxLength: 2048, pattern: NO_CONTROL } as const;
export const pem = { type: 'string', minLength: 1, maxLength: 65_536, pattern: PEM_TEXT } as const;
export const strings = { type: 'array', items: string, maxItems: 100 } as const;
export const subjectKind = { type: 'string', enum: ['subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email'] } as const;

/** An integer from `minimum` to `maximum`: in a query string too, where it is sent as digits. */
export function integer<const Min extends number, const Max extends number>(minimum: Min, maximum: Max): { readonly type: 'integer'; readonly minimum: Min; readonly maximum: Max } {
  return { type: 'integer', minimum, maximum };
}

/** An object of the named fields, `required` among them, and no other field (a typo is refused, never dropped). */
export function object<const P extends Readonly<Record<string, JSONSchema>>, const R extends readonly (keyof P & string)[]>(
  properties: P,
  required: R,
): { readonly type: 'object'; readonly properties: P; readonly required: R; readonly additionalProperties: false } {
  return { type: 'object', properties, required, additionalProperties: false };
}

/** The schema of a path parameter: a resource identifier is a URL, everything else an id; never a control character. */
export function pathParamSchema(name: string): { readonly type: 'string'; readonly minLength: 1; readonly maxLength: number; readonly pattern: string } {
  return { type: 'string', minLength: 1, maxLength: name === 'resource' ? 2048 : ID_MAX, pattern: NO_CONTROL };
}
