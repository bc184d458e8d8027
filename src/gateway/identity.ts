/**
 * The identity headers the gateway (and `authz`) hand to the API behind them: who called, for
 * which partner, with which scopes and which certificate. The API trusts them, so the gateway
 * removes every copy a client sent before adding its own.
 */
import type { VerifiedToken } from '../resource/guard.ts';

/** The header names used for each identity field (configurable, compared case-insensitively). */
export interface IdentityHeaderNames {
  readonly clientId: string;
  readonly partner: string;
  readonly scope: string;
  readonly thumbprint: string;
}

/** The default names: X-Certbound-Client-Id, -Partner, -Scope, -Cert-Thumbprint. */
export const DEFAULT_IDENTITY_HEADERS: IdentityHeaderNames = Object.freeze({
  clientId: 'x-certbound-client-id',
  partner: 'x-certbound-partner',
  scope: 'x-certbound-scope',
  thumbprint: 'x-certbound-cert-thumbprint',
});

// RFC 9110 §5.1: a field name is a token.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Checks and lower-cases configured names; throws TypeError `ERR_INVALID_ARG_VALUE` on a bad one. */
export function identityHeaderNames(overrides: Partial<IdentityHeaderNames> = {}): IdentityHeaderNames {
  const names = { ...DEFAULT_IDENTITY_HEADERS, ...overrides };
  for (const [field, name] of Object.entries(names)) {
    if (typeof name !== 'string' || !TOKEN.test(name)) throw Object.assign(new TypeError(`identity header ${field} must be an HTTP header name`), { code: 'ERR_INVALID_ARG_VALUE' });
  }
  const lower = {
    clientId: names.clientId.toLowerCase(),
    partner: names.partner.toLowerCase(),
    scope: names.scope.toLowerCase(),
    thumbprint: names.thumbprint.toLowerCase(),
  };
  if (new Set(Object.values(lower)).size !== 4) throw Object.assign(new TypeError('identity header names must differ'), { code: 'ERR_INVALID_ARG_VALUE' });
  return Object.freeze(lower);
}

/**
 * Whether a request header is one the gateway owns and a client must never set: a configured
 * identity name, or any `x-certbound-*` (so a renamed header's old name is no way in either).
 */
export function isIdentityHeader(names: IdentityHeaderNames, lowerName: string): boolean {
  return lowerName.startsWith('x-certbound-') || lowerName === names.clientId || lowerName === names.partner || lowerName === names.scope || lowerName === names.thumbprint;
}

/**
 * The identity header lines for a verified token. The partner and thumbprint lines are left out
 * when unknown — or, with `always`, sent empty: a proxy that copies named headers from an
 * authorization answer (Traefik's authResponseHeaders) replaces a client's copy only when the
 * answer has the header.
 */
export function identityHeaders(names: IdentityHeaderNames, token: VerifiedToken, partner: string | null, always = false): [string, string][] {
  const lines: [string, string][] = [[names.clientId, token.claims.client_id]];
  if (partner !== null || always) lines.push([names.partner, partner ?? '']);
  lines.push([names.scope, token.scopes.join(' ')]);
  if (token.thumbprint !== null || always) lines.push([names.thumbprint, token.thumbprint ?? '']);
  return lines;
}
