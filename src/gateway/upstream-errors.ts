/**
 * How a failed forward is answered: the client learns that the upstream failed, or was too
 * slow, or that its body was too large — never the address, the errno or the stack.
 */
import { OAuthError } from '../core/errors.ts';

/** The upstream could not be reached, reset the connection, or sent a malformed answer: 502. */
export class BadGateway extends OAuthError {
  constructor(options?: ErrorOptions) {
    super('server_error', 502, 'the upstream failed', options);
    this.name = 'BadGateway';
  }
}

/** The upstream did not answer within the configured time: 504. */
export class GatewayTimeout extends OAuthError {
  constructor(options?: ErrorOptions) {
    super('server_error', 504, 'the upstream did not answer in time', options);
    this.name = 'GatewayTimeout';
  }
}

/**
 * The request body is larger than the gateway forwards: 413 (RFC 9110 §15.5.14), in the
 * `invalid_request` shape of every other refusal.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14
 */
export class BodyTooLarge extends OAuthError {
  constructor() {
    super('invalid_request', 413, 'the request body is too large');
    this.name = 'BodyTooLarge';
  }
}
