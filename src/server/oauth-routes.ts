import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { InvalidClient, InvalidRequest, OAuthError, toOAuthError } from '../core/errors.ts';
import type { FormParams } from '../core/form.ts';
import { basicChallenge } from '../core/www-authenticate.ts';
import { loggableError } from '../storage/database-error.ts';
import { deniedRequestEvent, type AuditAttempt } from './audit-events.ts';
import type { AuditLog } from './audit.ts';
import { formOf } from './form-request.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { Registry } from './registry.ts';

/** A request to one of the OAuth endpoints, as its handler sees it. */
export interface OAuthRequest {
  readonly raw: IncomingMessage;
  readonly socket: TLSSocket;
  /** The peer's address. */
  readonly ip: string;
  /** The form body (RFC 6749 §3.2 rules, see formOf); noted for the audit of a later failure. */
  form(): FormParams;
  /** Notes that the client authenticated: a later failure is no authentication failure. */
  authenticated(): void;
}

/** A handler's answer: a status and a JSON body, or none. */
export interface OAuthAnswer {
  readonly status: number;
  readonly body?: object;
}

/** One OAuth endpoint: answers POST; a failure is thrown, as an OAuthError where it is the client's. */
export type OAuthHandler = (request: OAuthRequest) => OAuthAnswer | Promise<OAuthAnswer>;

/** What the endpoints share: where failures are recorded, counted and logged. */
export interface OAuthRoutesOptions {
  /** Path → handler, e.g. `/token`. */
  readonly handlers: ReadonlyMap<string, OAuthHandler>;
  readonly bodyLimit: number;
  readonly audit: AuditLog | undefined;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger | undefined;
  /** The registry and issuer in force (read per request: a reload replaces them). */
  readonly registry: () => Registry;
  readonly issuer: () => string;
  readonly now: () => Date;
}

/** The endpoints as a Node request listener: `handle` answers and returns true for their paths, false for any other. */
export interface OAuthRoutes {
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** From now on, every answer closes its connection (the server is draining), so no keep-alive peer holds the drain open. */
  drain(): void;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Any failure as the OAuth error it is answered with: the framework's 4xx as invalid_request, the rest as server_error. */
export function asOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (status === 413) return new OAuthError('invalid_request', 413, 'request body too large');
  if (typeof status === 'number' && status >= 400 && status < 500) return new InvalidRequest();
  return toOAuthError(err);
}

/**
 * The token, introspection and revocation endpoints on Node's request listener directly, ahead
 * of the web framework: they are the service's hot path, and measured on Node 26 the framework's
 * routing, hooks and reply machinery cost about as much as the token's signature. Everything
 * else (metadata, JWKS, CRLs, health) stays with the framework.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export function createOAuthRoutes(options: OAuthRoutesOptions): OAuthRoutes {
  const { audit, metrics, logger, handlers } = options;
  const durations = new Map([...handlers.keys()].map((path) => [path, metrics.duration.labels({ endpoint: path })]));
  let draining = false;

  const send = (res: ServerResponse, status: number, body: object | undefined, headers: Record<string, string>) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      ...(draining ? { connection: 'close' } : {}),
      'content-type': JSON_TYPE,
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store',
      pragma: 'no-cache',
    });
    res.end(text);
  };

  const fail = (path: string, req: IncomingMessage, res: ServerResponse, err: unknown, attempt: AuditAttempt | undefined) => {
    const oauth = asOAuthError(err);
    if (oauth.status >= 500) logger?.error(loggableError(err), 'request failed');
    else if (oauth instanceof InvalidClient && !audit) logger?.info({ reason: oauth.reason }, 'client authentication failed');
    if (audit) recordDenial(path, req, oauth, attempt);
    metrics.errors.inc({ endpoint: path, error: oauth.error });
    const headers: Record<string, string> = {};
    if (oauth instanceof InvalidClient) headers['www-authenticate'] = basicChallenge(options.issuer());
    if (oauth.status === 503) headers['retry-after'] = '5';
    if (oauth.status === 405) headers['allow'] = 'POST';
    // The rest of a body too large is not read: the connection goes.
    if (oauth.status === 413) headers['connection'] = 'close';
    send(res, oauth.status, oauth.toJSON(), headers);
  };

  const recordDenial = (path: string, req: IncomingMessage, error: OAuthError, attempt: AuditAttempt | undefined) => {
    const denied = deniedRequestEvent(req, path, error, attempt, options.registry(), options.now());
    // A peer that never authenticated is counted per address and reason, not given a row per attempt.
    if (denied && attempt?.authenticated) audit?.record(denied);
    else if (denied) audit?.recordUnauthenticated(denied, req.socket.remoteAddress ?? 'unknown');
  };

  const run = async (path: string, handler: OAuthHandler, req: IncomingMessage, res: ServerResponse, body: Buffer, started: number) => {
    let attempt: AuditAttempt | undefined;
    const request: OAuthRequest = {
      raw: req,
      socket: req.socket as TLSSocket,
      ip: req.socket.remoteAddress ?? 'unknown',
      form() {
        const params = formOf(req, body);
        attempt = { params, authenticated: false };
        return params;
      },
      authenticated() {
        if (attempt) attempt.authenticated = true;
      },
    };
    try {
      const answer = await handler(request);
      send(res, answer.status, answer.body, {});
    } catch (err) {
      fail(path, req, res, err, attempt);
    }
    finished(path, req, res, started);
  };

  const finished = (path: string, req: IncomingMessage, res: ServerResponse, started: number) => {
    const ms = performance.now() - started;
    durations.get(path)?.observe(ms / 1000);
    // The audit line covers these endpoints at info; the access line is for debugging only.
    if (logger?.isLevelEnabled('debug')) {
      logger.debug({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, peer: req.socket.remoteAddress }, 'request');
    }
  };

  return {
    handle(req, res) {
      const url = req.url ?? '';
      const query = url.indexOf('?');
      const path = query === -1 ? url : url.slice(0, query);
      const handler = handlers.get(path);
      if (handler === undefined) return false;
      const started = performance.now();
      const refuse = (err: OAuthError) => {
        fail(path, req, res, err, undefined);
        finished(path, req, res, started);
      };
      if (req.method !== 'POST') refuse(new OAuthError('invalid_request', 405, 'use POST'));
      else if (Number(req.headers['content-length'] ?? 0) > options.bodyLimit) refuse(asOAuthError({ statusCode: 413 }));
      else readBody(req, options.bodyLimit, (body) => {
        if (body === null) refuse(asOAuthError({ statusCode: 413 }));
        else void run(path, handler, req, res, body, started);
      });
      return true;
    },
    drain() {
      draining = true;
    },
  };
}

/** Reads a request body of at most `limit` bytes; null once it is larger (the rest is not read). */
function readBody(req: IncomingMessage, limit: number, done: (body: Buffer | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= limit) {
      chunks.push(chunk);
      return;
    }
    req.off('data', onData).off('end', onEnd);
    req.pause();
    done(null);
  };
  const onEnd = () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  req.on('data', onData).on('end', onEnd);
  // A peer that resets mid-body gets no answer: there is no one to read it.
  req.on('error', () => req.socket.destroy());
}
