import { certificateConfirmation, type CertificateConfirmation } from './cnf.ts';
import type { Thumbprint } from './thumbprint.ts';

/** The JOSE `typ` of a JWT access token. @see https://www.rfc-editor.org/rfc/rfc9068#section-2.1 */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** Claims of a certbound access token. @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2 */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly client_id: string;
  readonly aud: string;
  readonly scope?: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly cnf?: CertificateConfirmation;
}

/** What a token is issued for. Time comes in as `now` (seconds), so this stays pure. */
export interface AccessTokenInput {
  readonly issuer: string;
  readonly clientId: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly jti: string;
  readonly now: number;
  readonly ttl: number;
  readonly thumbprint?: Thumbprint | undefined;
}

/**
 * The claims of an access token for a client-credentials grant: the client is its own
 * subject; `cnf` binds the token to the certificate presented at the token endpoint.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function accessTokenClaims(input: AccessTokenInput): AccessTokenClaims {
  return {
    iss: input.issuer,
    sub: input.clientId,
    client_id: input.clientId,
    aud: input.audience,
    ...(input.scopes.length > 0 ? { scope: input.scopes.join(' ') } : {}),
    jti: input.jti,
    iat: input.now,
    exp: input.now + input.ttl,
    ...(input.thumbprint ? { cnf: certificateConfirmation(input.thumbprint) } : {}),
  };
}
