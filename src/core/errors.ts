/**
 * OAuth wire errors. Each subclass is named after its RFC error code and
 * carries the HTTP status the code is answered with.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */

/** JSON body of an OAuth error response. */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

/** Base class of every error that is answered on the wire with an OAuth error code. */
export class OAuthError extends Error {
  readonly error: string;
  readonly status: number;
  readonly error_description: string;

  constructor(error: string, status: number, description: string, options?: ErrorOptions) {
    super(description, options);
    this.name = 'OAuthError';
    this.error = error;
    this.status = status;
    this.error_description = description;
  }

  /** The JSON body sent to the client. 5xx detail is never exposed. */
  toJSON(): OAuthErrorBody {
    if (this.status >= 500) return { error: this.error };
    return { error: this.error, error_description: this.error_description };
  }
}

/** RFC 6749 §5.2 `invalid_request` (400). */
export class InvalidRequest extends OAuthError {
  constructor(description = 'the request is malformed', options?: ErrorOptions) {
    super('invalid_request', 400, description, options);
    this.name = 'InvalidRequest';
  }
}

/**
 * RFC 6749 §5.2 `invalid_client` (401). The description is deliberately the same
 * for every cause, so a caller cannot tell an unknown client from a bad credential.
 */
export class InvalidClient extends OAuthError {
  /** Why authentication failed, for logs and audit only; never sent. */
  readonly reason: string;
  constructor(reason: string, options?: ErrorOptions) {
    super('invalid_client', 401, 'client authentication failed', options);
    this.name = 'InvalidClient';
    this.reason = reason;
  }
}

/** RFC 6749 §5.2 `unsupported_grant_type` (400). */
export class UnsupportedGrantType extends OAuthError {
  constructor(description = 'the grant type is not supported', options?: ErrorOptions) {
    super('unsupported_grant_type', 400, description, options);
    this.name = 'UnsupportedGrantType';
  }
}

/** RFC 6749 §5.2 `invalid_scope` (400). */
export class InvalidScope extends OAuthError {
  constructor(description = 'the requested scope is invalid or not allowed', options?: ErrorOptions) {
    super('invalid_scope', 400, description, options);
    this.name = 'InvalidScope';
  }
}

/** RFC 8707 §2 `invalid_target` (400). */
export class InvalidTarget extends OAuthError {
  constructor(description = 'the requested resource is invalid or not allowed', options?: ErrorOptions) {
    super('invalid_target', 400, description, options);
    this.name = 'InvalidTarget';
  }
}

/** RFC 6750 §3.1 `invalid_token` (401). */
export class InvalidToken extends OAuthError {
  constructor(description = 'the access token is invalid', options?: ErrorOptions) {
    super('invalid_token', 401, description, options);
    this.name = 'InvalidToken';
  }
}

/**
 * A request without a bearer token: answered 401 with a bare challenge and no error code.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class MissingToken extends OAuthError {
  constructor() {
    super('invalid_token', 401, 'no access token');
    this.name = 'MissingToken';
  }
}

/** RFC 6750 §3.1 `insufficient_scope` (403), naming the scope that is needed. */
export class InsufficientScope extends OAuthError {
  readonly scope: string;
  constructor(scope: string, description = 'the access token lacks a required scope', options?: ErrorOptions) {
    super('insufficient_scope', 403, description, options);
    this.name = 'InsufficientScope';
    this.scope = scope;
  }
}

/** RFC 6749 §4.1.2.1 `temporarily_unavailable`, answered as 503. */
export class TemporarilyUnavailable extends OAuthError {
  constructor(description = 'the service is temporarily unavailable', options?: ErrorOptions) {
    super('temporarily_unavailable', 503, description, options);
    this.name = 'TemporarilyUnavailable';
  }
}

/** RFC 6749 §4.1.2.1 `server_error`, answered as 500 with no detail. */
export class ServerError extends OAuthError {
  constructor(description = 'internal error', options?: ErrorOptions) {
    super('server_error', 500, description, options);
    this.name = 'ServerError';
  }
}

/** Narrows an unknown thrown value to an OAuthError, wrapping anything else as a server_error. */
export function toOAuthError(err: unknown): OAuthError {
  return err instanceof OAuthError ? err : new ServerError('internal error', { cause: err });
}

/** RFC 7591 §3.2.2 `invalid_client_metadata` (400): a client registration is not acceptable. */
export class InvalidClientMetadata extends OAuthError {
  constructor(description: string, options?: ErrorOptions) {
    super('invalid_client_metadata', 400, description, options);
    this.name = 'InvalidClientMetadata';
  }
}
