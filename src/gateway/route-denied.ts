import { OAuthError } from '../core/errors.ts';

/**
 * A request no route of the gateway allows, with a valid token (`--default deny`): 403
 * `insufficient_scope` (RFC 6750 §3.1: the request needs more than the token grants — here,
 * more than any token can grant), without a `scope` attribute since no scope would do.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export class RouteDenied extends OAuthError {
  constructor() {
    super('insufficient_scope', 403, 'no route of this gateway allows the request');
    this.name = 'RouteDenied';
  }
}
