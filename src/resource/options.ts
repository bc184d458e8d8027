import type { JSONWebKeySet } from 'jose';
import type { ProxySourceOptions } from '../transport/proxy.ts';
import type { ReachOptions } from './fetcher.ts';

/**
 * Where the client certificate of a request comes from: this connection's TLS handshake, or
 * a header set by a TLS-terminating proxy that the operator names as trusted.
 */
export type CertificateSource = 'tls' | ({ readonly from: 'proxy' } & ProxySourceOptions);

/** Where the token service's signing keys come from: discovery, a JWKS URL, or a static set. */
export type KeySource =
  | { readonly issuer: string; readonly jwksUri?: never; readonly jwks?: never }
  | { readonly issuer: string; readonly jwksUri: string; readonly jwks?: never }
  | { readonly issuer: string; readonly jwks: JSONWebKeySet; readonly jwksUri?: never };

/** Introspection by the guard, authenticating as a client registered with `--introspects` for its resource. */
export interface IntrospectionOptions {
  readonly clientId: string;
  /** The resource server's client certificate and key (PEM), for `tls_client_auth`. */
  readonly cert: string;
  readonly key: string;
  /** Seconds an answer is reused (default 30, at most the token's remaining life). */
  readonly cacheSeconds?: number;
}

/** Options of createGuard. */
export type GuardOptions = KeySource &
  ReachOptions & {
    /** This resource server's identifier(s): a token's `aud` must contain one. */
    readonly audience: string | readonly string[];
    /** JWS algorithms accepted (default ES256, EdDSA, PS256, RS256; never `none` or HMAC). */
    readonly algorithms?: readonly string[];
    /** Clock skew tolerated on exp, nbf and iat, in seconds (default 30, at most 300). */
    readonly clockTolerance?: number;
    /** Whether a token must be certificate-bound (default true). A bound token is always checked. */
    readonly requireBinding?: boolean;
    readonly certificateSource?: CertificateSource;
    readonly introspection?: IntrospectionOptions;
    /** The realm of `WWW-Authenticate` challenges (default: the first audience). */
    readonly realm?: string;
    /** Timeout of each request to the token service, in milliseconds (default 5000). */
    readonly fetchTimeout?: number;
    /** Where security events (a refused certificate header) are reported; pino's interface. */
    readonly logger?: { warn(details: Record<string, unknown>, message: string): void };
    /** Shortest interval between two JWKS fetches for an unknown `kid`, and the wait after a failed metadata or JWKS fetch, in milliseconds (default 30000). */
    readonly jwksCooldown?: number;
  };
