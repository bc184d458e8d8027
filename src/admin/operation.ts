import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { CertboundError } from '../core/certbound-error.ts';
import type { Store } from '../storage/store.ts';
import { compileSchema, describeInputErrors } from './input-validation.ts';
import { pathParamSchema } from './input-schemas.ts';

/** A JSON Schema (the subset the admin API uses), for request validation and the OpenAPI document. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** Who runs an admin operation, and on what. */
export interface AdminContext {
  readonly store: Store;
  /** The administrator: an admin certificate's name, or `local` for the CLI on the data directory. */
  readonly actor: string;
  /** Told when a saved change's audit row could not be written. */
  readonly onAuditFailure?: (err: unknown) => void;
}

/** An operation's input as it arrives, not yet checked: path parameters, query and JSON body merged, in snake_case. */
export type OperationInput = Readonly<Record<string, unknown>>;

/** The schema of an operation's JSON body or query: named fields, and no other (a type, so that it is a JsonSchema too). */
export type InputSchema = {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, JSONSchema>>;
  readonly required: readonly string[];
  readonly additionalProperties: false;
};

/** `'/v1/clients/{client}/certificates/{thumbprint}'` → `'client' | 'thumbprint'`. */
type PathParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | PathParamNames<Rest> : never;

/** What an operation's `run` receives: the fields of its schema, typed from the schema itself, and its path parameters. */
export type InputOf<S extends InputSchema | undefined, P extends string> = (S extends InputSchema ? FromSchema<S> : unknown) & {
  readonly [K in PathParamNames<P>]: string;
};

/**
 * One admin operation, defined once and reachable two ways: the CLI runs it on a local store,
 * and the admin API serves it at `method path` (documented in /openapi.json).
 */
export interface Operation {
  /** OpenAPI operationId, e.g. `addPartner`; audit events are named `admin.<id>`. */
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** OpenAPI path template, e.g. `/v1/partners/{partner}`. */
  readonly path: string;
  readonly summary: string;
  /** Schema of the JSON body (POST, PUT) or of the query string (GET, DELETE); path parameters are strings. */
  readonly input?: InputSchema;
  /** Whether it changes the registry: then it is audited and the token service reloads. */
  readonly changes: boolean;
  /**
   * Checks an input — its fields and path parameters — against the operation's schema, and
   * returns the operation bound to it; throws {@link InvalidAdminInput} otherwise. There is no
   * other way to run an operation, so none runs on unchecked input, whoever calls it.
   */
  prepare(input: OperationInput): (ctx: AdminContext) => Promise<unknown>;
}

declare const INPUT: unique symbol;

/** An operation that carries, for the type checker only, the input its callers pass (the CLI's invoke). */
export interface TypedOperation<Id extends string, I> extends Operation {
  readonly id: Id;
  /** Never set at run time. */
  readonly [INPUT]?: I;
}

/** The input callers pass to an operation, as its definition derives it. */
export type CallerInput<O> = O extends TypedOperation<string, infer I> ? I : never;

/** An operation as written: `run` takes the input typed from `input` and `path`. */
export interface OperationDefinition<Id extends string, P extends string, S extends InputSchema | undefined> {
  readonly id: Id;
  readonly method: Operation['method'];
  readonly path: P;
  readonly summary: string;
  readonly input?: S;
  readonly changes: boolean;
  run(ctx: AdminContext, input: InputOf<S, P>): Promise<unknown>;
}

/** Path parameter names of an OpenAPI path template. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** The schema a whole input is checked against: the body or query fields and the path parameters. */
function wholeInputSchema(input: InputSchema | undefined, path: string): JsonSchema {
  const names = pathParams(path);
  return {
    type: 'object',
    properties: { ...input?.properties, ...Object.fromEntries(names.map((n) => [n, pathParamSchema(n)])) },
    required: [...(input?.required ?? []), ...names],
    additionalProperties: false,
  };
}

/**
 * Defines an admin operation: its input type is derived from its schema once (json-schema-to-ts,
 * types only), and its input is checked against the same schema by ajv before `run` sees it.
 */
export function defineOperation<const Id extends string, const P extends string, const S extends InputSchema | undefined = undefined>(
  def: OperationDefinition<Id, P, S>,
): TypedOperation<Id, InputOf<S, P>> {
  const schema = wholeInputSchema(def.input, def.path);
  return {
    id: def.id,
    method: def.method,
    path: def.path,
    summary: def.summary,
    changes: def.changes,
    ...(def.input === undefined ? {} : { input: def.input }),
    prepare(input) {
      // Compiled on first use: a CLI command compiles the schema of the one operation it runs.
      const validate = compileSchema<InputOf<S, P>>(schema);
      if (!validate(input)) throw new InvalidAdminInput(describeInputErrors('input', validate.errors));
      return (ctx) => def.run(ctx, input);
    },
  };
}

/** An admin operation's input that is malformed. */
export class InvalidAdminInput extends CertboundError {
  constructor(message: string) {
    super('ERR_CERTBOUND_INVALID_INPUT', message);
    this.name = 'InvalidAdminInput';
  }
}
