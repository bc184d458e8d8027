import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ACCESS_TOKEN_TYPE } from '../core/access-token.ts';
import { parseBearerAuthorization } from '../core/bearer.ts';
import { boundThumbprint, thumbprintsEqual } from '../core/cnf.ts';
import { rawHeaderValues } from '../core/raw-headers.ts';
import { InsufficientScope, InvalidRequest, InvalidToken, MissingToken, OAuthError } from '../core/errors.ts';
import type { Thumbprint } from '../core/thumbprint.ts';
import { proxyCertificateSource } from '../transport/proxy.ts';
import { peerCertificate } from '../transport/tls.ts';
import { boundFetch } from './fetcher.ts';
import { createIntrospector, type Introspector } from './introspector.ts';
import { createKeyResolver } from './keys.ts';
import type { GuardOptions } from './options.ts';
import { invalidArgValue } from '../core/argument-error.ts';

/** What the guard reads of a request: a node:http IncomingMessage (Express's and Fastify's raw request are ones). */
export interface GuardRequest {
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly socket: Socket | TLSSocket;
  readonly url?: string | undefined;
  /** A body some framework already parsed, checked only for a misplaced `access_token`. */
  readonly body?: unknown;
}

/** A verified access token: its claims, its scopes, and the certificate thumbprint it is bound to. */
export interface VerifiedToken {
  readonly claims: JWTPayload & { readonly client_id: string; readonly scope?: string };
  readonly scopes: readonly string[];
  /** `x5t#S256` of the certificate of this request, equal to the token's `cnf`; null for an unbound token. */
  readonly thumbprint: Thumbprint | null;
}

/** A resource server's access-token verifier. */
export interface Guard {
  /** Verifies the request's token; throws an OAuthError (invalid_request, invalid_token, insufficient_scope, temporarily_unavailable). */
  verify(request: GuardRequest, required?: { readonly scopes?: readonly string[] }): Promise<VerifiedToken>;
  /** The realm of this guard's challenges. */
  readonly realm: string;
  /** Releases the connections the guard keeps to the token service. */
  close(): Promise<void>;
}

const DEFAULT_ALGORITHMS = ['ES256', 'EdDSA', 'PS256', 'RS256'];
const ALLOWED_ALGORITHMS = new Set(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']);
const MAX_TOKEN_LENGTH = 8192;
/** How long the last good JWKS keeps verifying while the token service is unreachable (REL-09). */
const DEFAULT_MAX_STALE = 24 * 60 * 60 * 1000;
/** How often the JWKS is refreshed while the token service answers (jose's default, kept). */
const JWKS_MAX_AGE = 10 * 60 * 1000;
/** The longest wait between two JWKS attempts while the token service fails. */
const JWKS_RETRY_CAP = 5 * 60 * 1000;


/** Maps a jose verification failure to invalid_token, with a description that names the check, not the token. */
function tokenError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  if (err instanceof joseErrors.JWTExpired) return new InvalidToken('the access token expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) return new InvalidToken(`the access token's ${err.claim} claim is not acceptable`);
  if (err instanceof joseErrors.JWKSNoMatchingKey) return new InvalidToken('the access token is signed by an unknown key');
  return new InvalidToken('the access token is invalid');
}

/**
 * Creates a resource server's guard: every request must carry a JWT access token (RFC 9068)
 * signed by the token service, for this audience, live, and — per RFC 8705 §3 — bound to the
 * certificate of this very request.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function createGuard(options: GuardOptions): Guard {
  const audience = typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  if (audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === '')) throw invalidArgValue('audience must name this resource server');
  if (!URL.canParse(options.issuer)) throw invalidArgValue('issuer must be a URL');
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  // RFC 8725 §3.1: a fixed allow-list; `none` and shared-secret algorithms are never acceptable here.
  if (algorithms.length === 0 || algorithms.some((a) => !ALLOWED_ALGORITHMS.has(a))) throw invalidArgValue('algorithms must be asymmetric JWS algorithms');
  const clockTolerance = options.clockTolerance ?? 30;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0 || clockTolerance > 300) throw invalidArgValue('clockTolerance must be 0 to 300 seconds');
  const requireBinding = options.requireBinding ?? true;
  const fetchTimeout = options.fetchTimeout ?? 5000;
  const source = options.certificateSource ?? 'tls';
  const fromProxy = source === 'tls' ? null : proxyCertificateSource(source);
  const realm = options.realm ?? audience[0]!;

  const jwksCooldown = options.jwksCooldown ?? 30_000;
  if (!Number.isFinite(jwksCooldown) || jwksCooldown < 0) throw invalidArgValue('jwksCooldown must be a number of milliseconds');
  const maxStale = options.jwksMaxStaleMs ?? DEFAULT_MAX_STALE;
  if (!Number.isFinite(maxStale) || maxStale <= 0) throw invalidArgValue('jwksMaxStaleMs must be a positive number of milliseconds');
  const clock = options.now;
  if (clock !== undefined && typeof clock !== 'function') throw invalidArgValue('now must be a function returning a Date');
  const nowMs = clock ? () => clock().getTime() : Date.now;

  const http = boundFetch(options);
  let keys: JWTVerifyGetKey;
  let introspector: Introspector | null;
  try {
    keys = createKeyResolver(options, http.fetch, {
      timeout: fetchTimeout,
      cooldown: jwksCooldown,
      maxAge: Math.min(JWKS_MAX_AGE, maxStale),
      maxStale,
      retryCap: Math.max(jwksCooldown, JWKS_RETRY_CAP),
      now: nowMs,
      random: Math.random,
      logger: options.logger,
    });
    introspector = options.introspection
      ? createIntrospector(options.issuer, options.introspection, options, { timeoutMs: fetchTimeout, now: nowMs, random: Math.random, logger: options.logger })
      : null;
  } catch (err) {
    void http.close(); // a guard that cannot be built must not leave its agent open
    throw err;
  }

  const verified = verifiedTokens(clockTolerance);

  /** The thumbprint of the certificate of this request, read once per TLS connection. */
  const thumbprintOf = (request: GuardRequest): Thumbprint | null => {
    if (fromProxy) return fromProxy(request)?.thumbprint ?? null;
    return 'getPeerX509Certificate' in request.socket ? (peerCertificate(request.socket)?.thumbprint ?? null) : null;
  };

  return {
    realm,
    async verify(request, required = {}) {
      // RFC 6750 §2.2, §2.3 and §5.3: tokens in URLs or form bodies leak into logs; refuse them.
      // RFC 6750 §2.2, §2.3 and §5.3: tokens in URLs or form bodies leak into logs; refuse them, alone or beside a header.
      const body = request.body;
      if (request.url !== undefined && /[?&]access_token=/.test(request.url)) throw new InvalidRequest('send the access token in the Authorization header only');
      if (typeof body === 'object' && body !== null && 'access_token' in body) throw new InvalidRequest('send the access token in the Authorization header only');
      const token = parseBearerAuthorization(rawHeaderValues(request.rawHeaders, 'authorization'));
      if (token === undefined) throw new MissingToken();
      if (token.length > MAX_TOKEN_LENGTH) throw new InvalidToken('the access token is too long');
      // Read before verifying: a certificate header from an untrusted peer fails the request whatever the token.
      let presented: Thumbprint | null;
      try {
        presented = thumbprintOf(request);
      } catch (err) {
        // A forged or malformed certificate header is a security event for the operator, not only a 401.
        options.logger?.warn({ peer: request.socket.remoteAddress, reason: (err as Error).message }, 'client certificate header refused');
        throw err;
      }

      const current = clock?.();
      const now = Math.floor((current?.getTime() ?? Date.now()) / 1000);
      let claims = verified.get(token, now);
      if (!claims) {
        try {
          // `zip` is a JWE parameter (RFC 7516 §4.1.3): a JWS carrying it is no token of ours, and
          // a verifier that honoured it would inflate attacker input (catalogue JT-28).
          if ('zip' in decodeProtectedHeader(token)) throw new InvalidToken('the access token is invalid');
          ({ payload: claims } = await jwtVerify(token, keys, {
            issuer: options.issuer,
            audience,
            algorithms,
            typ: ACCESS_TOKEN_TYPE,
            clockTolerance,
            ...(current === undefined ? {} : { currentDate: current }),
            requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
          }));
        } catch (err) {
          throw tokenError(err);
        }
        if (typeof claims.iat !== 'number' || claims.iat > now + clockTolerance) throw new InvalidToken('the access token is issued in the future');
        if (typeof claims['client_id'] !== 'string') throw new InvalidToken('the access token has no client_id');
        const declared = claims['scope'];
        if (declared !== undefined && typeof declared !== 'string') throw new InvalidToken('the access token scope is malformed');
        verified.set(token, claims, now);
      }
      const scope = claims['scope'] as string | undefined;

      let bound: Thumbprint | undefined;
      try {
        bound = boundThumbprint(claims['cnf']);
      } catch {
        throw new InvalidToken('the access token carries a confirmation method this server cannot check');
      }
      if (bound === undefined && requireBinding) throw new InvalidToken('the access token is not certificate-bound');
      if (bound !== undefined) {
        if (presented === null) throw new InvalidToken('the access token is certificate-bound, and no client certificate was presented');
        if (!thumbprintsEqual(bound, presented)) throw new InvalidToken('the access token is bound to another certificate');
      }
      if (introspector && !(await introspector.active(token, claims, bound))) throw new InvalidToken('the access token is no longer active');

      const scopes = typeof scope === 'string' && scope !== '' ? scope.split(' ') : [];
      const missing = (required.scopes ?? []).filter((s) => !scopes.includes(s));
      if (missing.length > 0) throw new InsufficientScope((required.scopes ?? []).join(' '));
      return {
        claims: claims as VerifiedToken['claims'],
        scopes,
        thumbprint: bound === undefined ? null : (presented as Thumbprint),
      };
    },
    async close() {
      await Promise.allSettled([http.close(), introspector?.close()]);
    },
  };
}

/**
 * Tokens whose signature and claims were verified, kept until they expire: a client presents
 * one token for many requests, and its signature never changes. Everything that depends on the
 * request — the certificate binding, the scopes, introspection — is still checked every time.
 */
function verifiedTokens(clockTolerance: number) {
  const cache = new Map<string, { claims: JWTPayload; until: number }>();
  const LIMIT = 10_000;
  // Re-verified at least this often, so a signing key withdrawn from the JWKS stops its tokens within a minute.
  const REVERIFY_SECONDS = 60;
  return {
    get(token: string, now: number): JWTPayload | undefined {
      const entry = cache.get(token);
      if (entry && entry.until > now) return entry.claims;
      if (entry) cache.delete(token);
      return undefined;
    },
    set(token: string, claims: JWTPayload, now: number): void {
      if (cache.size >= LIMIT) cache.delete(cache.keys().next().value!);
      // Frozen: the same claims object reaches every request's handler.
      cache.set(token, { claims: Object.freeze(claims), until: Math.min((claims.exp as number) + clockTolerance, now + REVERIFY_SECONDS) });
    },
  };
}

