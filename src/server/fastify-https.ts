import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { TLS_POLICY, type TlsPolicy } from '../transport/tls-policy.ts';
import { clientErrorHandler, type ClientErrorHook } from './client-error.ts';
import { httpServerLimits, type ListenerLimits } from './listener-limits.ts';
import { watchTlsFailures, type TlsFailureSinks } from './tls-failures.ts';

/** A certbound listener: Fastify on `node:https`. */
export type HttpsApp = FastifyInstance<HttpsServer, IncomingMessage, ServerResponse, FastifyBaseLogger>;

/** An error answer: status, JSON body and any extra headers. */
export interface ErrorAnswer {
  readonly status: number;
  readonly body: { readonly error: string; readonly error_description?: string | undefined };
  readonly headers?: Readonly<Record<string, string>>;
}

/** What differs between listeners; everything else is the same hardening for all of them. */
export interface HttpsAppOptions {
  /** The served certificate and key (PEM), and the CAs whose names the CertificateRequest carries, if any. */
  readonly tls: { readonly key: string | Buffer; readonly cert: string | Buffer; readonly ca?: readonly string[] };
  readonly limits: ListenerLimits;
  /** Largest request body the framework reads (bytes). */
  readonly bodyLimit: number;
  readonly logger?: FastifyBaseLogger | false | undefined;
  /** Where refused handshakes are counted and audited. */
  readonly tlsFailures: TlsFailureSinks;
  /** Told of each request the HTTP parser refused (answered by answerClientError). */
  readonly onClientError?: ClientErrorHook | undefined;
  /** The `error` code of a request the framework cannot route (a malformed URL): the listener's vocabulary. */
  readonly malformedError: string;
  /**
   * How a failure in a route or hook is answered. Required, so that no listener ever falls back
   * to the framework's default handler, which sends the error's own message.
   */
  readonly answerError: (err: FastifyError, request: FastifyRequest) => ErrorAnswer;
  /**
   * Request bodies: `json` (the framework's JSON and text parsers, with prototype poisoning
   * refused) or `opaque` (any type read as bytes; no route parses it).
   */
  readonly bodies: 'json' | 'opaque';
  /** Longest path parameter the router matches (Fastify's 100 by default). */
  readonly maxParamLength?: number | undefined;
  /**
   * Answers ahead of the framework and returns true for the requests it took (the token
   * service's OAuth endpoints); the rest go to the framework. Called once per request, nothing more.
   */
  readonly front?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
}

/** The hardening a listener was built with, as {@link buildHttpsApp} applied it. */
export interface Hardening {
  readonly limits: ListenerLimits;
  readonly bodyLimit: number;
  readonly tlsPolicy: TlsPolicy;
  readonly listener: TlsFailureSinks['listener'];
}

const NOT_FOUND = { error: 'not_found', error_description: 'no such endpoint' } as const;
const built = new WeakMap<HttpsServer, Hardening>();

/**
 * The hardening of a server {@link buildHttpsApp} built; undefined for any other. Lets a test
 * prove that every listener goes through the one builder.
 */
export function hardeningOf(server: HttpsServer): Hardening | undefined {
  return built.get(server);
}

/** TLS context options for a renewed certificate: the same policy as the listener's first context. */
export function secureContextOptions<T extends object>(tls: T): T & TlsPolicy {
  return { ...tls, ...TLS_POLICY };
}

/**
 * Builds a certbound listener — the token service and the admin API alike — as Fastify on
 * `node:https` with one hardening: the RFC 9325 TLS policy; a client certificate asked of every
 * peer but never a handshake failure over it (`rejectUnauthorized: false`), so that a missing
 * or bad one is answered in JSON, not with a TLS alert; no renegotiation; handshake, header,
 * request and keep-alive timeouts swept every `connectionsCheckingIntervalMs`; a connection
 * cap; a body limit; parser errors, malformed URLs, unknown routes and failures answered as
 * JSON errors without a stack; no proxy trust; no framework request log (it would record query
 * strings); strict schema validation (no coercion, no silently dropped fields).
 * @see https://www.rfc-editor.org/rfc/rfc9325#section-4.2
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-6.1
 */
export function buildHttpsApp(options: HttpsAppOptions): HttpsApp {
  const { limits, front } = options;
  const { ca, ...identity } = options.tls;
  const tlsOptions = {
    ...identity,
    ...(ca ? { ca: [...ca] } : {}),
    requestCert: true,
    rejectUnauthorized: false,
    ...TLS_POLICY,
    // Also bounds what a slow or idle peer can hold (slowloris, idle keep-alive floods).
    ...httpServerLimits(limits),
  };
  const app = Fastify<HttpsServer, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    // One server factory for every listener, so the TLS options above are the only ones; a
    // front handler, where given, answers its requests before the framework sees them.
    serverFactory: (handler) =>
      front
        ? createServer(tlsOptions, (req, res) => {
            if (!front(req, res)) handler(req, res);
          })
        : createServer(tlsOptions, handler),
    // Not used to create the server (serverFactory does): tells Fastify that it is HTTPS, for
    // the address in its "listening at" log line.
    https: {},
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    // Fastify's own request log lines would record the query string, where a careless client
    // may put a secret; each listener writes its own line, with the path only.
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify answers a malformed URL itself, in its own shape naming itself: keep it a JSON error.
    frameworkErrors: (_err, _request, reply) =>
      void (reply as FastifyReply).code(400).header('cache-control', 'no-store').header('pragma', 'no-cache').send({ error: options.malformedError, error_description: 'malformed request URL' }),
    // A request the HTTP parser refuses is answered in the JSON error shape too.
    clientErrorHandler: clientErrorHandler(options.onClientError),
    // The peer is whoever holds the TLS connection: no forwarded header names another.
    trustProxy: false,
    // Fastify's ajv removes unknown fields and coerces types by default; refuse both instead: a
    // typo is not silently dropped, and `null` is not read as false nor `4711` as "4711".
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // A JSON body naming __proto__ or constructor.prototype is refused, not parsed (Fastify's default, pinned).
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ...(options.maxParamLength === undefined ? {} : { routerOptions: { maxParamLength: options.maxParamLength } }),
    bodyLimit: options.bodyLimit,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    return503OnClosing: true,
  });
  app.server.maxConnections = limits.maxConnections;
  // A connection's certificate must not change under the identity it authenticated.
  app.server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
  watchTlsFailures(app.server, options.tlsFailures);

  if (options.bodies === 'opaque') {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const answer = options.answerError(err, request);
    if (answer.headers) reply.headers(answer.headers);
    return reply.code(answer.status).send(answer.body);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(NOT_FOUND));
  built.set(app.server, Object.freeze({ limits, bodyLimit: options.bodyLimit, tlsPolicy: TLS_POLICY, listener: options.tlsFailures.listener }));
  return app;
}
