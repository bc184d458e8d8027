import { MissingToken, OAuthError, ServerError } from '../core/errors.ts';
import { bearerChallenge } from '../core/www-authenticate.ts';
import { BackendUnavailable } from './unavailable.ts';

/** An error answer of a resource server: status, headers and JSON body. */
export interface GuardResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * The RFC 6750 answer to a failed verification: 401 with a bare `Bearer realm` challenge when
 * the request had no token; 400/401/403 with the error code, description (and `scope` for
 * insufficient_scope) in both the challenge and the JSON body; 503 with `Retry-After` when the
 * token service could not be reached; anything unexpected is a 500 with no detail.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function errorResponse(err: unknown, realm: string): GuardResponse {
  const json = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (err instanceof MissingToken) {
    return { status: 401, headers: { ...json, 'www-authenticate': bearerChallenge(realm) }, body: {} };
  }
  const oauth = err instanceof OAuthError ? err : new ServerError('internal error', { cause: err });
  if (oauth.status === 503) {
    // The guard knows when it will ask the token service again; other 503s keep the old 5 s hint.
    const retryAfter = oauth instanceof BackendUnavailable ? oauth.retryAfter : 5;
    return { status: 503, headers: { ...json, 'retry-after': String(retryAfter) }, body: { ...oauth.toJSON() } };
  }
  if (oauth.status >= 500) return { status: oauth.status, headers: json, body: { ...oauth.toJSON() } };
  const body: Record<string, unknown> = { ...oauth.toJSON() };
  if ('scope' in oauth && typeof oauth.scope === 'string') body['scope'] = oauth.scope;
  return { status: oauth.status, headers: { ...json, 'www-authenticate': bearerChallenge(realm, oauth) }, body };
}
