import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { ClientErrorHook } from '../server/client-error.ts';
import { buildHttpsApp, secureContextOptions } from '../server/fastify-https.ts';
import { ADMIN_API_LIMITS, listenerLimits, type ListenerLimits } from '../server/listener-limits.ts';
import { loggableError } from '../storage/database-error.ts';
import { createAuditLog, type AuditLog } from '../server/audit.ts';
import type { ServiceMetrics } from '../server/metrics.ts';
import type { Store } from '../storage/store.ts';
import { authenticateAdmin, type AdminAuthentication } from './api-auth.ts';
import { adminErrorReply, type AdminErrorBody } from './api-errors.ts';
import { openApiDocument } from './openapi.ts';
import { pathParamSchema } from './input-schemas.ts';
import { compileSchema, queryStringValidator } from './input-validation.ts';
import { pathParams, type JsonSchema, type Operation, type OperationInput } from './operation.ts';
import { OPERATIONS } from './operations.ts';
import { runOperation } from './run.ts';

/** How to run the admin API. */
export interface AdminApiOptions {
  readonly store: Store;
  /** Bind address; 127.0.0.1 by default, so that only this host reaches it unless asked. */
  readonly host?: string;
  /** 8444 by default; 0 picks a free port. */
  readonly port?: number;
  /** The listener's certificate and key (PEM): the token service's own. */
  readonly tls: { readonly cert: string; readonly key: string };
  /** Applies a change to the running token service; awaited before the change is answered. */
  readonly onChange: () => Promise<void>;
  readonly logger?: FastifyBaseLogger | false;
  /** Timeouts and connection cap ({@link ADMIN_API_LIMITS} by default; tests inject small ones). */
  readonly limits?: Partial<ListenerLimits>;
  /** Told of each request the HTTP parser refused. */
  readonly onClientError?: ClientErrorHook;
  /**
   * Where refusals (`admin.auth_failed`, aggregated per peer and reason) and refused handshakes
   * are recorded; by default an audit log of its own on `store`, closed with the API.
   */
  readonly audit?: AuditLog;
  /** Where refused handshakes are counted (the token service's metrics); not counted when absent. */
  readonly metrics?: Pick<ServiceMetrics, 'tlsHandshakeFailures'>;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** A running admin API. */
export interface AdminApi {
  /** Where this host reaches it, e.g. `https://127.0.0.1:8444` (loopback when bound to every address). */
  readonly url: string;
  readonly port: number;
  /** The address it is bound to, as the OS reports it (e.g. `0.0.0.0`). */
  readonly boundAddress: string;
  /** The listener itself (its limits, its connections); built by buildHttpsApp like the token service's. */
  readonly server: HttpsServer;
  /** Serves another certificate and key (PEM) from the next handshake on: the token service's renewed one. */
  updateTls(tls: { readonly cert: string; readonly key: string }): void;
  close(): Promise<void>;
}

const BODY_LIMIT = 256 * 1024;
const RETRY_LATER = { 'retry-after': '5' } as const;
const OPENAPI_PATH = '/openapi.json';
const API_VERSION = '1.0.0';

const UNAUTHORIZED: AdminErrorBody = { error: 'unauthorized', error_description: 'an administrator certificate is required' };
const FORBIDDEN: AdminErrorBody = { error: 'forbidden', error_description: 'the certificate presented is not an administrator certificate' };
const OUTSIDE_VALIDITY: AdminErrorBody = { error: 'forbidden', error_description: 'the administrator certificate is outside its validity period' };

/** `/v1/partners/{partner}` → `/v1/partners/:partner`. */
function routePath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** Whether a body sent to an operation that takes no input is empty: none, `{}` or an empty text. */
function emptyBody(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return true;
  return typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0;
}

/** The refusal of a body sent to an operation that takes none, worded like ajv's for an unknown field. */
function noInputAnswer(body: unknown): AdminErrorBody {
  const first = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body)[0] : undefined;
  return {
    error: 'invalid_input',
    error_description: first === undefined ? 'this operation takes no body' : `body has an unknown field '${first.slice(0, 64).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}'`,
  };
}

function routeSchema(op: Operation): Record<string, unknown> {
  const names = pathParams(op.path);
  const params = names.length === 0 ? {} : {
    params: { type: 'object', properties: Object.fromEntries(names.map((n) => [n, pathParamSchema(n)])), required: names },
  };
  // An operation without input has no body schema: its handler refuses any body but none or {} (emptyBody).
  if (op.method === 'POST' || op.method === 'PUT') return { ...params, ...(op.input ? { body: op.input } : {}) };
  // A query field an operation does not take is refused, not ignored: a typo must not widen a listing.
  return { ...params, querystring: op.input ?? { type: 'object', properties: {}, additionalProperties: false } };
}

/** The address this host connects to for a listener bound to `address`. */
function reachable(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

/**
 * Starts the admin API: every admin operation at its path, over HTTPS with mutual TLS, for
 * administrator certificates only (pinned by x5t#S256, see authenticateAdmin); `GET
 * /openapi.json` describes it and is the only route open to anyone. A change is audited with
 * the administrator's name and applied to the token service (`onChange`) before it is answered,
 * so the caller can rely on it at once. Every answer is 200 JSON, or a JSON error.
 */
export async function startAdminApi(options: AdminApiOptions): Promise<AdminApi> {
  const { store, onChange } = options;
  const now = options.now ?? (() => new Date());
  const admins = new WeakMap<FastifyRequest, string>();
  const limits = listenerLimits(ADMIN_API_LIMITS, options.limits);
  const audit = options.audit ?? createAuditLog({ store, logger: options.logger ?? false });
  const app = buildHttpsApp({
    // Every peer is asked for a certificate but the handshake never fails over it: administrators
    // are pinned by thumbprint below, and a refusal is a JSON answer, not a TLS alert.
    tls: { cert: options.tls.cert, key: options.tls.key },
    limits,
    bodyLimit: BODY_LIMIT,
    logger: options.logger,
    tlsFailures: { listener: 'admin', counter: options.metrics?.tlsHandshakeFailures, audit, now },
    onClientError: options.onClientError,
    malformedError: 'invalid_input',
    answerError: (err, request) => {
      const answer = adminErrorReply(err);
      // A database error is logged by its SQLSTATE only: never its SQL text, parameters or stack.
      if (answer.log) request.log.error(answer.log, 'admin request failed');
      else if (answer.unexpected) request.log.error({ err }, 'admin request failed');
      // The database is away: nothing was changed, and the same request may be sent again shortly.
      return answer.status === 503 ? { ...answer, headers: RETRY_LATER } : answer;
    },
    bodies: 'json',
    // Resource identifiers are URLs, percent-encoded into the path: longer than find-my-way's default allows.
    maxParamLength: 8192,
  });
  // The validator the local CLI uses too (input-validation.ts), instead of Fastify's own ajv, which
  // removes unknown fields and coerces types by default: a typo is not silently dropped, and
  // `"bound_tokens": null` is not read as false nor `{"partner": 4711}` as "4711". Only a query
  // string's integer fields are read as numbers, from digits.
  app.setValidatorCompiler<JsonSchema>(({ schema, httpPart }) => (httpPart === 'querystring' ? queryStringValidator(schema) : compileSchema(schema)));

  const refuse = (request: FastifyRequest, auth: Extract<AdminAuthentication, { ok: false }>): AdminErrorBody => {
    // Buffered and aggregated per peer and reason, never a write on the request path: an
    // unauthenticated peer's flood costs a row a minute. The route pattern only, never the raw path.
    audit.recordUnauthenticated({
      at: now(), event: 'admin.auth_failed', outcome: 'denied', reason: auth.reason, actor: null, thumbprint: auth.thumbprint,
      detail: { method: request.method, route: request.routeOptions.url ?? null },
    }, request.ip);
    return auth.status === 401 ? UNAUTHORIZED : auth.reason === 'outside_validity_period' ? OUTSIDE_VALIDITY : FORBIDDEN;
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url === OPENAPI_PATH && (request.method === 'GET' || request.method === 'HEAD')) return;
    // Before the body is read: an unauthenticated peer gets nothing parsed, and unknown routes stay hidden.
    const auth = await authenticateAdmin(store, request.raw.socket as TLSSocket, now());
    if (auth.ok) {
      admins.set(request, auth.name);
      return;
    }
    return reply.code(auth.status).send(refuse(request, auth));
  });
  // Results carry keys (a client issued a certificate) and registry details: never cached.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    // A refused request has its (aggregated) audit line; a line per attempt would let anyone flood the log.
    if (!admins.has(request) && request.routeOptions.url !== OPENAPI_PATH) return;
    request.log.info(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode, admin: admins.get(request) ?? null, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'admin request',
    );
  });
  const document = openApiDocument(OPERATIONS, API_VERSION);
  app.get(OPENAPI_PATH, async (_request, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(document)));

  for (const op of OPERATIONS) {
    const takesBody = op.method === 'POST' || op.method === 'PUT';
    app.route({
      method: op.method,
      url: routePath(op.path),
      schema: routeSchema(op),
      handler: async (request, reply) => {
        const actor = admins.get(request);
        // Fail closed: no operation runs for a request the hook did not authenticate.
        if (actor === undefined) throw new Error('an admin request reached its route unauthenticated');
        // An operation that takes no input refuses any, as for unknown fields: a typo is never silently dropped.
        if (takesBody && !op.input && !emptyBody(request.body)) return reply.code(400).send(noInputAnswer(request.body));
        // Path parameters arrive percent-decoded (find-my-way decodes them, %2F included).
        const fields = op.input ? ((takesBody ? request.body : request.query) as OperationInput) : {};
        const input: OperationInput = { ...fields, ...(request.params as Record<string, string>) };
        const onAuditFailure = (err: unknown) => request.log.error({ ...loggableError(err), operation: op.id }, 'an admin change was saved but its audit row was not');
        const result = await runOperation({ store, actor, onAuditFailure }, op, input);
        if (op.changes) {
          try {
            await onChange();
          } catch (err) {
            request.log.error({ ...loggableError(err), operation: op.id }, 'the token service could not reload after an admin change');
            return reply.code(500).send({
              error: 'server_error',
              error_description: 'the change was saved, but the token service could not apply it; it takes effect at its next reload',
            });
          }
        }
        return reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(result ?? null));
      },
    });
  }

  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8444 });
  } catch (err) {
    // serve retries on another port: the audit log made for this attempt must not outlive it.
    if (!options.audit) await audit.close();
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  return {
    url: `https://${reachable(address)}:${address.port}`,
    port: address.port,
    boundAddress: address.address,
    server: app.server,
    updateTls(tls) {
      app.server.setSecureContext(secureContextOptions({ cert: tls.cert, key: tls.key }));
    },
    async close() {
      await app.close();
      if (options.audit) await audit.flush();
      else await audit.close();
    },
  };
}
