/**
 * The one decision the gateway and `authz` both make: the guard verifies the certificate-bound
 * token (RFC 8705 §3) with the scopes of the route the request matches; a request no route
 * matches is refused unless the policy lets any valid token through.
 */
import type { Guard, GuardRequest, VerifiedToken } from '../resource/guard.ts';
import { peerCertificate } from '../transport/tls.ts';
import { proxyCertificateSource } from '../transport/proxy.ts';
import type { CertificateSource } from '../resource/options.ts';
import type { PartnerResolver } from './partner.ts';
import { RouteDenied } from './route-denied.ts';
import { matchRoute, type Route } from './routes.ts';

/** What to do with requests: the routes, and the answer for a request none of them matches. */
export interface Policy {
  readonly routes: readonly Route[];
  /** `deny` (default): 403 for an unmatched request; `authenticated`: every valid bound token passes. */
  readonly fallback: 'deny' | 'authenticated';
}

/** An allowed request: the route that allowed it (null under `authenticated`), the token, the partner. */
export interface Decision {
  readonly route: Route | null;
  readonly token: VerifiedToken;
  readonly partner: string | null;
}

/** Reads the DER of the certificate the guard compared, for the partner lookup. */
export type CertificateDer = (request: GuardRequest) => Uint8Array | null;

/** The DER reader for a certificate source: the TLS peer, or the trusted proxy's header. */
export function certificateDer(source: CertificateSource): CertificateDer {
  if (source === 'tls') {
    return (request) => ('getPeerX509Certificate' in request.socket ? (peerCertificate(request.socket)?.x509.raw ?? null) : null);
  }
  const read = proxyCertificateSource(source);
  return (request) => read(request)?.der ?? null;
}

/**
 * Decides one request: throws the guard's OAuthError (400/401/403/503) or RouteDenied (403),
 * else returns the decision. `path` must come from requestPath (normalized).
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export async function authorize(guard: Guard, policy: Policy, request: GuardRequest, method: string, path: string, partnerOf: PartnerResolver, der: CertificateDer): Promise<Decision> {
  const route = matchRoute(policy.routes, method, path);
  // Verified before refusing an unmatched route: a caller without a valid token learns nothing of the routes.
  const token = await guard.verify(request, route ? { scopes: route.scopes } : {});
  if (!route && policy.fallback === 'deny') throw new RouteDenied();
  const partner = token.thumbprint === null ? null : partnerOf(token.thumbprint, () => der(request));
  return { route, token, partner };
}
