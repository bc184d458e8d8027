// One validator for every admin input, over HTTP (Fastify's validator compiler) and on a local
// store (runOperation): the same ajv instance, the same options, each schema compiled once.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from './operation.ts';

let ajv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * The shared ajv instance, made on first use (a command that runs no operation does not build
 * it). No coercion and no removal of unknown fields: `{"limit":"5"}` against an integer, or a
 * mistyped field name, is refused rather than silently read as something else. The schemas are
 * this package's own, checked against the JSON Schema meta-schema by a test: not at every compile,
 * which would cost a local CLI command about 70 ms.
 */
function validator(): Ajv {
  ajv ??= new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, allowUnionTypes: true, validateSchema: false });
  return ajv;
}

/** The compiled validator of `schema`, compiled on its first use only (cached by the schema object). */
export function compileSchema<T = unknown>(schema: JsonSchema): ValidateFunction<T> {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = validator().compile(schema);
    compiled.set(schema, validate);
  }
  return validate as ValidateFunction<T>;
}

/** The names of a schema's properties declared `type: 'integer'`. */
function integerProperties(schema: JsonSchema): string[] {
  const properties = schema['properties'];
  if (typeof properties !== 'object' || properties === null) return [];
  return Object.entries(properties as Record<string, unknown>)
    .filter(([, p]) => typeof p === 'object' && p !== null && (p as Record<string, unknown>)['type'] === 'integer')
    .map(([name]) => name);
}

/**
 * The validator of a query string: a query value is always text, so exactly the properties the
 * schema declares `integer` are read as numbers when they are digits only (`?limit=5`); any other
 * text (`abc`, `-1`, `1e3`, a repeated parameter) is left as it came and refused by the schema,
 * naming the field. JSON bodies are never converted.
 */
export function queryStringValidator(schema: JsonSchema): { (query: unknown): boolean; errors: ErrorObject[] | null } {
  const validate = compileSchema(schema);
  const integers = integerProperties(schema);
  const check = (query: unknown): boolean => {
    if (typeof query === 'object' && query !== null) {
      const fields = query as Record<string, unknown>;
      for (const name of integers) {
        const value = fields[name];
        if (typeof value === 'string' && /^[0-9]{1,16}$/.test(value)) fields[name] = Number(value);
      }
    }
    const ok = validate(query);
    check.errors = validate.errors ?? null;
    return ok;
  };
  check.errors = null as ErrorObject[] | null;
  return check;
}

/** A field name from the caller, shortened and without control characters, before it is echoed. */
function shown(name: string): string {
  return name.slice(0, 64).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/**
 * What is wrong with an input, worded alike on both paths: `<where><path> <problem>` (as Fastify
 * words it), an unknown field by its name, and a pattern as what it guards (every string pattern in
 * the admin schemas refuses control characters) rather than the regular expression.
 */
export function describeInputErrors(where: string, errors: readonly ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (first === undefined) return `${where} is invalid`;
  if (first.keyword === 'pattern') return `${where}${first.instancePath} has a control character or is not in the expected form`;
  const extra = first.keyword === 'additionalProperties' ? first.params['additionalProperty'] : undefined;
  if (typeof extra === 'string') return `${where} has an unknown field '${shown(extra)}'`;
  return errors!.map((e) => `${where}${e.instancePath} ${e.message ?? 'is invalid'}`).join(', ');
}
