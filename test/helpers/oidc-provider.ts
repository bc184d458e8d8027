// oidc-provider (the dev dependency) configured as certbound is used, for the interop test and
// the bench alike: client_credentials, RFC 8705 tls_client_auth, and certificate-bound ES256 JWT
// access tokens (RFC 9068, through RFC 8707 resource indicators).
import type { JWK } from 'jose';
import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { TLSSocket } from 'node:tls';

/** The one client, resource and key of such a provider, and how it reads the client certificate. */
export interface BoundTokenProviderOptions {
  readonly clientId: string;
  /** The client's registered subject, in the format `subjectOf` returns (RFC 4514 here). */
  readonly subjectDn: string;
  /** The RFC 8707 resource tokens are for, and the scopes it has. */
  readonly resource: string;
  readonly scope: string;
  /** The provider's ES256 signing key (private JWK). */
  readonly signingKey: JWK;
  readonly cookieKey: string;
  /** The access token lifetime, in seconds. */
  readonly tokenTtl: number;
  /** features.mTLS.getCertificate: the client certificate of this request (PEM or parsed), if any. */
  readonly getCertificate: (ctx: KoaContextWithOIDC) => unknown;
  /** The subject of this request's client certificate, in the format of `subjectDn`. */
  readonly subjectOf: (ctx: KoaContextWithOIDC) => string | undefined;
}

/** The oidc-provider configuration that issues certificate-bound ES256 JWTs to one tls_client_auth client. */
export function boundTokenProviderConfig(o: BoundTokenProviderOptions): Configuration {
  return {
    clients: [
      {
        client_id: o.clientId,
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: o.subjectDn,
        tls_client_certificate_bound_access_tokens: true,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        // Its default, RS256, needs an RSA key; this provider holds one ES256 key only.
        id_token_signed_response_alg: 'ES256',
      },
    ],
    // Off by default: the RFC 8705 methods must be listed, besides features.mTLS.tlsClientAuth.
    clientAuthMethods: ['tls_client_auth'],
    jwks: { keys: [{ ...o.signingKey, alg: 'ES256', use: 'sig' }] },
    cookies: { keys: [o.cookieKey] },
    ttl: { ClientCredentials: o.tokenTtl },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        getCertificate: o.getCertificate,
        certificateAuthorized: (ctx: KoaContextWithOIDC) => (ctx.socket as TLSSocket).authorized,
        certificateSubjectMatches: (ctx: KoaContextWithOIDC, property: string, expected: string) =>
          property === 'tls_client_auth_subject_dn' && o.subjectOf(ctx) === expected,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => o.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string) => {
          if (resource !== o.resource) throw new errors.InvalidTarget();
          return { scope: o.scope, accessTokenTTL: o.tokenTtl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
  };
}
