import type { ErrorObject } from 'ajv';
import { CertboundError } from '../core/certbound-error.ts';
import type { ErrorCode } from '../core/error-codes.ts';
import { OAuthError } from '../core/errors.ts';
import { isDatabaseError } from '../storage/database-error.ts';
import { databaseErrorReply } from './database-errors.ts';
import { describeInputErrors } from './input-validation.ts';

/** The JSON body of every admin API error. */
export interface AdminErrorBody {
  readonly error: string;
  readonly error_description: string;
}

/** An admin API error answer: its status and body, and whether it is worth an error log line. */
export interface AdminErrorReply {
  readonly status: number;
  readonly body: AdminErrorBody;
  readonly unexpected: boolean;
  /** What to log instead of the error itself, when the error may carry SQL text or parameters. */
  readonly log?: Readonly<Record<string, string>>;
}

/**
 * The status each library code is answered with. Every code is listed, so that a new one is a
 * compile error here until someone decides how the admin API answers it.
 */
export const ADMIN_STATUS: Readonly<Record<ErrorCode, number>> = {
  ERR_CERTBOUND_USAGE: 400,
  // A CLI-only code (configuration files and variables); were it ever raised in the API, a bad request.
  ERR_CERTBOUND_CONFIG: 400,
  ERR_CERTBOUND_DIR_BUSY: 409,
  ERR_CERTBOUND_INVALID_ID: 400,
  ERR_CERTBOUND_INVALID_SAN: 400,
  ERR_CERTBOUND_EXISTS: 409,
  ERR_CERTBOUND_NOT_FOUND: 404,
  ERR_CERTBOUND_FORBIDDEN: 403,
  ERR_CERTBOUND_NOT_INITIALISED: 500,
  ERR_CERTBOUND_NO_CA_KEY: 409,
  ERR_CERTBOUND_INVALID_INPUT: 400,
  ERR_CERTBOUND_INVALID_CERTIFICATE: 400,
  ERR_CERTBOUND_CONFLICT: 409,
  ERR_CERTBOUND_PARTNER_ANCHOR_CONFLICT: 409,
  ERR_CERTBOUND_DATABASE_UNAVAILABLE: 503,
  ERR_CERTBOUND_INVALID_CRL: 400,
  // The administrator named the source: what went wrong reading it is theirs to know.
  ERR_CERTBOUND_CRL_UNAVAILABLE: 400,
  ERR_CERTBOUND_ADMIN_REFUSED: 403,
  ERR_CERTBOUND_ADMIN_UNAVAILABLE: 502,
  // The service's own key storage: an operator's problem, never detailed to a caller.
  ERR_CERTBOUND_KEK_REQUIRED: 500,
  ERR_CERTBOUND_KEK_INVALID: 500,
  ERR_CERTBOUND_KEK_MISMATCH: 500,
  ERR_CERTBOUND_KEY_UNWRAP: 500,
  ERR_CERTBOUND_INSECURE_PERMISSIONS: 500,
  ERR_CERTBOUND_LEGACY_STORE: 500,
  // Raised at start-up only (serve, init): no admin request reaches it.
  ERR_CERTBOUND_ISSUER_MISMATCH: 409,
};

const SERVER_ERROR: AdminErrorReply = {
  status: 500,
  body: { error: 'server_error', error_description: 'internal error' },
  unexpected: true,
};

/** Node-style codes of bad-argument errors the PKI raises on malformed input (a CSR, a DN). */
const BAD_ARGUMENT = new Set(['ERR_INVALID_ARG_VALUE', 'ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE']);

interface FrameworkError {
  readonly statusCode?: number;
  readonly validation?: readonly ErrorObject[];
  readonly validationContext?: string;
  readonly message: string;
}

/**
 * How the admin API answers a failure: library codes with their status and message, OAuth
 * errors (client metadata) with theirs, malformed requests with 400 `invalid_input`, database
 * errors by their SQLSTATE class (400, 409, 503), and anything else with a bare 500 — never a
 * stack trace, an internal message or SQL.
 */
export function adminErrorReply(err: unknown): AdminErrorReply {
  if (isDatabaseError(err)) return databaseErrorReply(err);
  if (err instanceof CertboundError) {
    const status = ADMIN_STATUS[err.code];
    // Logged by code and message (the URL's password already redacted), never with a stack.
    if (status === 503) return { status, body: { error: 'temporarily_unavailable', error_description: 'the database is unavailable; try again' }, unexpected: true, log: { error: err.code, message: err.message } };
    if (status >= 500) return SERVER_ERROR;
    return { status, body: { error: err.code, error_description: err.message }, unexpected: false };
  }
  if (err instanceof OAuthError) {
    if (err.status >= 500 || err.status < 400) return SERVER_ERROR;
    return { status: err.status, body: { error: err.error, error_description: err.error_description }, unexpected: false };
  }
  if (err instanceof Error && 'code' in err && typeof err.code === 'string' && BAD_ARGUMENT.has(err.code) && !('statusCode' in err)) {
    return { status: 400, body: { error: 'invalid_input', error_description: err.message }, unexpected: false };
  }
  if (err instanceof Error && 'statusCode' in err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const framework = err as FrameworkError & Error;
    if (framework.statusCode === 413) return { status: 413, body: { error: 'invalid_input', error_description: 'request body too large' }, unexpected: false };
    const status = framework.statusCode === 415 ? 415 : 400;
    return { status, body: { error: 'invalid_input', error_description: framework.validation ? describeInputErrors(framework.validationContext ?? 'input', framework.validation) : framework.message }, unexpected: false };
  }
  return SERVER_ERROR;
}
