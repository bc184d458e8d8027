import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { InvalidRequest, UnsupportedGrantType } from '../core/errors.ts';
import { single, type FormParams } from '../core/form.ts';
import { acceptedSocket, bytesReceived, peerCertificate } from '../transport/tls.ts';
import { loggableError } from '../storage/database-error.ts';
import type { Store } from '../storage/store.ts';
import { newJti, signAccessToken, type KeySet } from './access-tokens.ts';
import { tokenIssuedEvent, tokenRevokedEvent } from './audit-events.ts';
import type { AuditLog } from './audit.ts';
import { authenticateClient, type AuthenticatedClient } from './client-auth.ts';
import { clientCredentialsClaims } from './client-credentials.ts';
import { registerCrlRoute } from './crl-route.ts';
import { introspect } from './introspection.ts';
import { revoke } from './revocation.ts';
import type { ClientErrorHook } from './client-error.ts';
import { buildHttpsApp, type HttpsApp } from './fastify-https.ts';
import { rawHeaderValues } from '../core/raw-headers.ts';
import { asOAuthError, createOAuthRoutes, type OAuthAnswer, type OAuthHandler, type OAuthRequest } from './oauth-routes.ts';
import { authorizationServerMetadata, ENDPOINTS } from './metadata.ts';
import { listenerLimits, TOKEN_SERVICE_LIMITS, type ListenerLimits } from './listener-limits.ts';
import { createMetrics, type ServiceMetrics } from './metrics.ts';
import type { Registry } from './registry.ts';
import { readiness } from './readiness.ts';

/** The mutable state the routes read on every request; replaced whole when the registry changes. */
export interface ServiceState {
  registry: Registry;
  keys: KeySet;
  /** The issuer URL; fixed once the listener knows its port. */
  issuer: string;
  /** The validity of the TLS certificate the listener serves (readiness; replaced when it is renewed). */
  certificate: { readonly notBefore: Date; readonly notAfter: Date };
}

/** What the HTTP layer needs to answer requests. */
export interface AppOptions {
  /** `aud` for clients without a resource of their own; the issuer when absent. */
  readonly defaultAudience?: string | undefined;
  readonly store: Store;
  readonly state: ServiceState;
  readonly https: { key: string | Buffer; cert: string | Buffer; ca: string[] };
  readonly logger?: Logger | false;
  /** Where issued and refused requests are recorded; none when absent. */
  readonly audit?: AuditLog | undefined;
  /** Clock, for tests. */
  readonly now?: () => Date;
  /** Where the counters go (new ones when absent); served by the metrics listener, never on this (partner-facing) port. */
  readonly metrics?: ServiceMetrics | undefined;
  /** Timeouts and connection cap; {@link TOKEN_SERVICE_LIMITS} for what is not given. */
  readonly limits?: Partial<ListenerLimits> | undefined;
  /** Told of each request the HTTP parser refused (answered by answerClientError). */
  readonly onClientError?: ClientErrorHook | undefined;
}

const BODY_LIMIT = 64 * 1024;
/** Error answers are not to be stored by any cache. @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1 */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;
/** How long /readyz waits for the store: a probe answers well within a load balancer's timeout. */
const READINESS_TIMEOUT_MS = 1_000;

/**
 * Builds the token service's listener with the hardening every certbound listener shares
 * (buildHttpsApp): every client is asked for a certificate but the handshake never fails over
 * it (`rejectUnauthorized: false`), so a missing or bad certificate is answered with an OAuth
 * error, not a TLS alert. The OAuth endpoints answer ahead of the framework (oauth-routes).
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-6.1
 */
export function buildApp(options: AppOptions): HttpsApp {
  const { store, state } = options;
  const metrics = options.metrics ?? createMetrics();
  const limits = listenerLimits(TOKEN_SERVICE_LIMITS, options.limits);
  const now = options.now ?? (() => new Date());
  const { audit } = options;
  const oauth = createOAuthRoutes({
    handlers: new Map<string, OAuthHandler>([
      [ENDPOINTS.token, (request) => token(request)],
      [ENDPOINTS.introspection, (request) => introspection(request)],
      [ENDPOINTS.revocation, (request) => revocation(request)],
    ]),
    bodyLimit: BODY_LIMIT,
    audit,
    metrics,
    logger: options.logger || undefined,
    registry: () => state.registry,
    issuer: () => state.issuer,
    now,
  });
  const app = buildHttpsApp({
    tls: options.https,
    limits,
    bodyLimit: BODY_LIMIT,
    logger: options.logger,
    tlsFailures: { listener: 'token', counter: metrics.tlsHandshakeFailures, audit, now },
    onClientError: options.onClientError,
    // Every answer of this listener is an OAuth error.
    malformedError: 'invalid_request',
    // The framework's routes are not OAuth endpoints: their failures are counted, not audited.
    answerError: (err, request) => {
      const failure = asOAuthError(err);
      if (failure.status >= 500) request.log.error(loggableError(err), 'request failed');
      metrics.errors.inc({ endpoint: request.routeOptions.url ?? 'unknown', error: failure.error });
      return { status: failure.status, body: failure.toJSON(), headers: NO_STORE };
    },
    // The framework's routes are all GETs: no body is ever parsed.
    bodies: 'opaque',
    // The OAuth endpoints answer ahead of the framework (see oauth-routes); it serves the rest.
    front: oauth.handle,
  });

  // Per connection, what its handshake was: the registry generation it was judged under (see
  // client-auth's stale verdicts) and how many bytes the client sent for it (its chain's size).
  const handshakes = new WeakMap<TLSSocket, { generation: number; bytes: number | undefined }>();
  // A connection takes the TLS context (CA set) in force when it is accepted, and a reload
  // swaps the context and the registry together: the generation at accept time is the one
  // the handshake is judged under, even if a reload lands before the handshake completes.
  const acceptedUnder = new WeakMap<object, number>();
  app.server.on('connection', (raw: object) => acceptedUnder.set(raw, state.registry.generation));
  app.server.on('secureConnection', (socket: TLSSocket) => {
    const raw = acceptedSocket(socket);
    // Accept time unknown: the verdict counts as current, so a refusal stands (fail closed).
    const generation = (raw && acceptedUnder.get(raw)) ?? state.registry.generation;
    handshakes.set(socket, { generation, bytes: bytesReceived(socket) });
  });

  const authenticate = (request: OAuthRequest, params: FormParams): AuthenticatedClient => {
    // Node keeps only the first of repeated Authorization headers; refuse the ambiguity instead (RFC 6749 §2.3).
    if (rawHeaderValues(request.raw.rawHeaders, 'authorization').length > 1) throw new InvalidRequest('more than one Authorization header');
    const auth = authenticateClient(
      {
        params,
        authorization: request.raw.headers.authorization,
        certificate: peerCertificate(request.socket),
        handshake: handshakes.get(request.socket),
        now: now(),
      },
      state.registry,
    );
    request.authenticated();
    return auth;
  };
  const tokenContext = () => ({
    issuer: state.issuer,
    keys: state.keys,
    registry: state.registry,
    store,
    now: now(),
    defaultAudience: options.defaultAudience ?? state.issuer,
  });

  const token = (request: OAuthRequest): OAuthAnswer => {
    const params = request.form();
    const grant = single(params, 'grant_type');
    if (grant === undefined) throw new InvalidRequest('grant_type is required');
    if (grant !== 'client_credentials') throw new UnsupportedGrantType();
    const auth = authenticate(request, params);
    const at = now();
    const claims = clientCredentialsClaims(params, auth, {
      issuer: state.issuer,
      defaultAudience: options.defaultAudience ?? state.issuer,
      now: at,
      jti: newJti(),
      allowedScopes: (client, uri) => state.registry.allowedScopes(client, uri),
    });
    const accessToken = signAccessToken(claims, state.keys.signing(now()));
    metrics.tokensIssued.inc();
    // One line per token: the audit event's (which is also logged), or this one without an audit log.
    if (audit) audit.record(tokenIssuedEvent({ at, client: auth.client, certificate: auth.certificate, claims, peer: request.ip }));
    else if (options.logger) options.logger.info({ client_id: claims.client_id, aud: claims.aud, jti: claims.jti, x5t: claims.cnf?.['x5t#S256'] }, 'access token issued');
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: claims.exp - claims.iat,
        ...(claims.scope === undefined ? {} : { scope: claims.scope }),
      },
    };
  };

  const introspection = async (request: OAuthRequest): Promise<OAuthAnswer> => {
    const params = request.form();
    const { client } = authenticate(request, params);
    return { status: 200, body: await introspect(params, client, tokenContext()) };
  };

  const revocation = async (request: OAuthRequest): Promise<OAuthAnswer> => {
    const params = request.form();
    const { client, certificate } = authenticate(request, params);
    const jti = await revoke(params, client, tokenContext());
    if (jti !== null) audit?.record(tokenRevokedEvent({ at: now(), client, certificate, jti, peer: request.ip }));
    return { status: 200 };
  };

  app.get(ENDPOINTS.metadata, async (_request, reply) =>
    reply.header('cache-control', 'max-age=300').send(authorizationServerMetadata(state.issuer)),
  );
  app.get(ENDPOINTS.jwks, async (_request, reply) =>
    reply.header('cache-control', 'max-age=300').type('application/jwk-set+json').send(state.keys.jwks()),
  );
  registerCrlRoute(app, { store, state, now });
  app.get('/healthz', async () => ({ status: 'ok' }));
  // No /metrics here: this port faces partners; the metrics listener (serve --metrics-port) serves them.
  app.addHook('onResponse', async (request, reply) => {
    const endpoint = request.routeOptions.url ?? 'unknown';
    metrics.duration.observe({ endpoint }, reply.elapsedTime / 1000);
    request.log.info(
      // The route pattern, not the path as sent: anyone can put a secret (or a megabyte) in a path.
      { method: request.method, path: request.routeOptions.url ?? null, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, peer: request.ip },
      'request',
    );
  });
  // While the service drains (close()), every answer ends its connection, so that a keep-alive
  // peer whose request finished does not hold the drain open until its deadline.
  let draining = false;
  app.addHook('preClose', (done) => {
    draining = true;
    oauth.drain();
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  app.get('/readyz', async (_request, reply) => {
    const failing = await readiness({ store, keys: state.keys, certificate: state.certificate, now: now(), timeoutMs: READINESS_TIMEOUT_MS });
    return failing.length === 0 ? { status: 'ready' } : reply.code(503).send({ status: 'unavailable', failing });
  });
  return app;
}
