/**
 * `certbound gateway`: a reverse proxy that terminates mutual TLS, has the resource guard
 * verify the certificate-bound token of every request (RFC 8705 §3) against the route's
 * scopes, and forwards what it allows to an upstream that knows nothing of OAuth, with the
 * caller's identity in headers.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { cidrContains, parseCidr, type Cidr } from '../core/cidr.ts';
import { createGuard } from '../resource/guard.ts';
import type { GuardOptions } from '../resource/options.ts';
import { errorResponse } from '../resource/response.ts';
import { TLS_POLICY } from '../transport/tls-policy.ts';
import { authorize, certificateDer, type Policy } from './authorize.ts';
import { identityHeaderNames, identityHeaders, type IdentityHeaderNames } from './identity.ts';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { startOpsListener, type OpsListener } from './admin.ts';
import { partnerResolver } from './partner.ts';
import { upstreamHeaders, type ForwardedStyle } from './request-headers.ts';
import { requestPath, type Route } from './routes.ts';
import { createUpstream, type UpstreamOptions } from './upstream.ts';
import { listenOn } from '../transport/listen.ts';

/** The gateway's own TLS credential, and the CAs whose names it sends when asking for a client certificate. */
export interface GatewayTls {
  readonly cert: string;
  readonly key: string;
  /** Client CA certificate(s) (PEM): offered to clients so they pick the right certificate. */
  readonly clientCa?: string;
}

/** Where a gateway writes its access log and security events (pino's interface). */
export interface GatewayLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  readonly guard: GuardOptions;
  /** Required unless the certificate comes from a trusted proxy in front (then plain HTTP). */
  readonly tls?: GatewayTls;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly upstream: UpstreamOptions;
  readonly policy: Policy;
  readonly identityHeaders?: Partial<IdentityHeaderNames>;
  /** Forward the client's Authorization header to the upstream (default false). */
  readonly forwardAuthorization?: boolean;
  /** Forward the client's Host header (default false: the upstream's own host, the client's in X-Forwarded-Host). */
  readonly preserveHost?: boolean;
  readonly forwarded?: ForwardedStyle;
  /** Partner name → its issuing CA (PEM), to name the partner in the identity headers. */
  readonly partners?: ReadonlyMap<string, string>;
  readonly logger?: GatewayLogger;
  /** The operations listener (`/healthz`, `/readyz`, `/metrics`); off when absent. */
  readonly ops?: { readonly host?: string; readonly port: number };
  /** How long shutdown waits for requests in flight before cutting them, in ms (default 10000). */
  readonly shutdownTimeoutMs?: number;
  /** Longest time to receive a whole request (headers and streamed body), in ms (default 300000). */
  readonly requestTimeoutMs?: number;
}

/** A running gateway. */
export interface Gateway {
  /** `https://HOST:PORT` (or `http://` behind a proxy). */
  readonly url: string;
  readonly port: number;
  readonly opsUrl: string | null;
  readonly metrics: GatewayMetrics;
  /** Swaps in a new TLS credential and/or route policy; requests in flight finish under the old ones. */
  reload(next: { readonly tls?: GatewayTls; readonly policy?: Policy }): void;
  /** Stops accepting, lets requests in flight finish (up to the shutdown timeout), then releases everything. */
  close(): Promise<void>;
}

function trustedRanges(options: GuardOptions): Cidr[] {
  const source = options.certificateSource;
  return source === undefined || source === 'tls' ? [] : source.trustedProxies.map((range) => parseCidr(range));
}

/** The kind of a failure, for the log: the cause's errno or undici code, else the error's name. */
function failureReason(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  const code = (cause as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return err instanceof Error ? err.name : 'unknown';
}

/** A TLS context option set for the listener. */
function tlsOptions(tls: GatewayTls) {
  return { cert: tls.cert, key: tls.key, ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa }) };
}

/**
 * Starts a gateway. Per request: a non-normalized path → 400; the guard's verdict with the
 * matched route's scopes (401 `invalid_token` with the challenge, 403 `insufficient_scope`);
 * no route → 403 unless `policy.fallback` is `authenticated`; else the request goes upstream
 * without hop-by-hop fields, without the token, with identity headers — 502/504 when the
 * upstream fails. A refused request never reaches the upstream.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const source = options.guard.certificateSource ?? 'tls';
  if (source === 'tls' && options.tls === undefined) throw Object.assign(new TypeError('a gateway reading the TLS certificate needs tls'), { code: 'ERR_INVALID_ARG_VALUE' });
  const names = identityHeaderNames(options.identityHeaders);
  const partnerOf = partnerResolver(options.partners ?? new Map());
  const der = certificateDer(source);
  const trusted = trustedRanges(options.guard);
  const forwarding = { identityNames: names, forwardAuthorization: options.forwardAuthorization ?? false, forwarded: options.forwarded ?? 'x-forwarded', preserveHost: options.preserveHost ?? false } as const;
  const metrics = createGatewayMetrics('certbound_gateway');
  const guard = createGuard({ ...options.guard, ...(options.logger ? { logger: options.logger } : {}) });
  const upstream = createUpstream(options.upstream);
  let policy = options.policy;
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | null = null;

  const handle = async (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> => {
    const started = process.hrtime.bigint();
    inFlight++;
    // Draining: answer this one, then let the connection go.
    if (draining) res.shouldKeepAlive = false;
    let route: Route | null = null;
    let client: string | null = null;
    let partner: string | null = null;
    let status: number;
    const current = policy;
    try {
      const path = requestPath(req.url);
      const decision = await authorize(guard, current, req, req.method ?? 'GET', path, partnerOf, der);
      ({ route, partner } = decision);
      client = decision.token.claims.client_id;
      const origin = { peer: req.socket.remoteAddress, peerTrusted: trusted.some((cidr) => cidrContains(cidr, req.socket.remoteAddress)), proto: options.tls ? 'https' : 'http' } as const;
      const headers = upstreamHeaders(req.rawHeaders, origin, identityHeaders(names, decision.token, partner), forwarding);
      // RFC 9110 §10.1.1: the client waits for 100 before sending its body — only once the request is allowed.
      if (expectsContinue) res.writeContinue();
      status = await upstream.forward(req, res, req.url!, headers);
    } catch (err) {
      const answer = errorResponse(err, guard.realm);
      status = answer.status;
      if (!res.headersSent) res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
      else res.destroy();
      // The client learns nothing of a 5xx; the operator learns its kind (an errno or error code, never a stack).
      if (status >= 500) options.logger?.warn({ route: route?.name ?? '-', status, reason: failureReason(err) }, 'request failed');
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const routeName = route?.name ?? '-';
    metrics.requests.inc({ route: routeName, status: String(status) });
    metrics.duration.observe({ route: routeName }, seconds);
    // The path only: a query string may carry anything, a token included.
    options.logger?.info({ client, partner, route: routeName, method: req.method, path: (req.url ?? '').split('?')[0], status, ms: Math.round(seconds * 1e5) / 100 }, 'request');
  };

  const limits = { headersTimeout: 10_000, requestTimeout: options.requestTimeoutMs ?? 300_000, keepAliveTimeout: 30_000, connectionsCheckingInterval: 1_000 };
  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res, false);
  let server: Server;
  if (options.tls) {
    // requestCert without rejectUnauthorized: a missing or unknown certificate gets the guard's 401, not a TLS alert.
    const https = createHttpsServer({ ...TLS_POLICY, ...tlsOptions(options.tls), requestCert: true, rejectUnauthorized: false, handshakeTimeout: 10_000, ...limits }, listener);
    // A connection's certificate must not change under the thumbprint read once per socket.
    https.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
    server = https;
  } else server = createHttpServer(limits, listener);
  server.maxConnections = 10_000;
  // Expect: 100-continue is answered by the gateway after its decision, so a refused client never uploads its body.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => void handle(req, res, true));

  let ops: OpsListener | null = null;
  try {
    await listenOn(server, options.port, options.host ?? '127.0.0.1');
    if (options.ops) ops = await startOpsListener({ ...options.ops, registry: metrics.registry, ready: () => !draining });
  } catch (err) {
    server.close();
    await Promise.allSettled([upstream.close(), guard.close()]);
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}`,
    port: address.port,
    opsUrl: ops?.url ?? null,
    metrics,
    reload(next) {
      if (next.tls) {
        if (!options.tls) throw Object.assign(new TypeError('this gateway listens without TLS'), { code: 'ERR_INVALID_ARG_VALUE' });
        (server as ReturnType<typeof createHttpsServer>).setSecureContext({ ...TLS_POLICY, ...tlsOptions(next.tls) });
      }
      if (next.policy) policy = next.policy;
    },
    async close() {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        const timeout = options.shutdownTimeoutMs ?? 10_000;
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          idle = resolve;
          timer = setTimeout(resolve, timeout);
        });
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
      await Promise.allSettled([upstream.close(), guard.close(), ops?.close()]);
    },
  };
}
