import { AUTH_METHODS } from '../core/model.ts';
import { invalidArgValue } from '../core/argument-error.ts';

/** Paths of the token service's endpoints, relative to the issuer. */
export const ENDPOINTS = {
  token: '/token',
  introspection: '/introspect',
  revocation: '/revoke',
  jwks: '/jwks',
  metadata: '/.well-known/oauth-authorization-server',
} as const;

/**
 * Checks an issuer URL: https, no query, fragment or user info (RFC 8414 §2), and no path,
 * since the endpoints are served at the listener's root.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function assertIssuer(issuer: string): void {
  const url = URL.canParse(issuer) ? new URL(issuer) : null;
  const extras = !url || url.search !== '' || url.hash !== '' || /[?#]/.test(issuer) || url.username !== '' || url.password !== '';
  if (!url || url.protocol !== 'https:' || extras || url.pathname !== '/') {
    throw invalidArgValue('the issuer must be an https URL without a path, query or fragment, e.g. https://localhost:8443');
  }
}

/** Joins an endpoint path to the issuer URL (which may itself carry a path). */
export function endpointUrl(issuer: string, path: string): string {
  return issuer.replace(/\/+$/, '') + path;
}

/**
 * The RFC 8414 authorization server metadata. One listener serves mTLS and non-mTLS
 * clients alike, so `mtls_endpoint_aliases` names the same endpoints.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-5
 */
export function authorizationServerMetadata(issuer: string): Record<string, unknown> {
  const token = endpointUrl(issuer, ENDPOINTS.token);
  const introspection = endpointUrl(issuer, ENDPOINTS.introspection);
  const revocation = endpointUrl(issuer, ENDPOINTS.revocation);
  return {
    issuer,
    token_endpoint: token,
    jwks_uri: endpointUrl(issuer, ENDPOINTS.jwks),
    introspection_endpoint: introspection,
    revocation_endpoint: revocation,
    grant_types_supported: ['client_credentials'],
    // RFC 8414 requires this member; no authorization endpoint exists, so the list is empty.
    response_types_supported: [],
    token_endpoint_auth_methods_supported: [...AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: [...AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...AUTH_METHODS],
    tls_client_certificate_bound_access_tokens: true,
    mtls_endpoint_aliases: {
      token_endpoint: token,
      introspection_endpoint: introspection,
      revocation_endpoint: revocation,
    },
  };
}
