import { CertboundError } from '../core/certbound-error.ts';
import type { Store } from '../storage/store.ts';

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

/** An operation's input: path parameters, query and JSON body merged, in snake_case. */
export type OperationInput = Readonly<Record<string, unknown>>;

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
  readonly input?: JsonSchema;
  /** Whether it changes the registry: then it is audited and the token service reloads. */
  readonly changes: boolean;
  run(ctx: AdminContext, input: OperationInput): Promise<unknown>;
}

/** Path parameter names of an OpenAPI path template. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** A required string input (validated by the schema over HTTP; checked again here for local callers). */
export function str(input: OperationInput, name: string): string {
  const v = input[name];
  if (typeof v !== 'string') throw new InvalidAdminInput(`${name} is required`);
  return v;
}

/** An optional string input. */
export function optStr(input: OperationInput, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new InvalidAdminInput(`${name} must be a string`);
  return v;
}

/** An optional list of strings input. */
export function strList(input: OperationInput, name: string): string[] | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new InvalidAdminInput(`${name} must be a list of strings`);
  return v;
}

/** An optional number or boolean input. */
export function opt<T extends 'number' | 'boolean'>(input: OperationInput, name: string, type: T): (T extends 'number' ? number : boolean) | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== type) throw new InvalidAdminInput(`${name} must be a ${type}`);
  return v as T extends 'number' ? number : boolean;
}

/** An admin operation's input that is malformed. */
export class InvalidAdminInput extends CertboundError {
  constructor(message: string) {
    super('ERR_CERTBOUND_INVALID_INPUT', message);
    this.name = 'InvalidAdminInput';
  }
}
