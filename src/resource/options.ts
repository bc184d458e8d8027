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
  /** When to stop asking a failing token service for a while (see {@link CircuitBreakerSettings}). */
  readonly circuitBreaker?: CircuitBreakerSettings;
}

/**
 * The introspection circuit breaker: after `failureThreshold` consecutive failures (timeouts,
 * connection errors, any answer but a 200 JSON object) every token is 503 for a cool-down that
 * doubles with each failed probe, from `cooldownMs` to `maxCooldownMs` (jittered); then one
 * request probes the service.
 */
export interface CircuitBreakerSettings {
  /** Consecutive failures that open the circuit (default 5). */
  readonly failureThreshold?: number;
  /** The first cool-down, in milliseconds (default 5000). */
  readonly cooldownMs?: number;
  /** The longest cool-down, in milliseconds (default 60000). */
  readonly maxCooldownMs?: number;
}

/** Where the guard reports security and availability events; pino's interface (info optional). */
export interface GuardLogger {
  warn(details: Record<string, unknown>, message: string): void;
  info?(details: Record<string, unknown>, message: string): void;
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
    /** Where security events (a refused certificate header) and changes of the token service's health are reported; pino's interface. */
    readonly logger?: GuardLogger;
    /** Shortest interval between two JWKS fetches for an unknown `kid`, and the first wait after a failed metadata or JWKS fetch, in milliseconds (default 30000); the wait doubles per failure up to 5 minutes. */
    readonly jwksCooldown?: number;
    /**
     * How old the last good JWKS may get while the token service cannot be reached, in
     * milliseconds (default 86400000, 24 h): until then tokens signed by a held key still verify;
     * after, every token is 503 `temporarily_unavailable` (REL-09). The set is refreshed every
     * 10 minutes (or this, if shorter) while the service answers.
     */
    readonly jwksMaxStaleMs?: number;
    /** The clock (default: the system's): token lifetimes, the key set's age and the circuit breaker read it. */
    readonly now?: () => Date;
  };
