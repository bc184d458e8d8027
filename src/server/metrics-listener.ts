import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { clientErrorHandler } from './client-error.ts';
import { httpServerLimits, listenerLimits, type ListenerLimits } from './listener-limits.ts';
import { listenOn } from '../transport/listen.ts';

/** Where the exposition comes from: a prom-client registry, or an aggregate of several. */
export type MetricsSource = Pick<Registry, 'metrics' | 'contentType'>;

/** How to run the metrics listener. */
export interface MetricsListenerOptions {
  /** The registry to expose (a TokenService's `metrics.registry`). */
  readonly registry: MetricsSource;
  /** Bind address; 127.0.0.1 by default: a scraper on this host, or one the operator lets in. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly limits?: Partial<ListenerLimits>;
}

/** A running metrics listener. */
export interface MetricsListener {
  /** e.g. `http://127.0.0.1:9464/metrics` (loopback when bound to every address). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A scraper needs little: a few connections, answered quickly. */
const METRICS_LIMITS: ListenerLimits = Object.freeze({
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 30_000,
  connectionsCheckingIntervalMs: 1_000,
  maxConnections: 64,
});

function json(res: ServerResponse, status: number, body: Record<string, string>, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Serves `GET /metrics` (Prometheus text format) over plain HTTP on its own port, away from the
 * partner-facing token port: the counters describe the whole service, and a scraper seldom holds
 * a client certificate. Loopback by default; anything else is a 404 in the OAuth error shape.
 */
export async function startMetricsListener(options: MetricsListenerOptions): Promise<MetricsListener> {
  const limits = listenerLimits(METRICS_LIMITS, options.limits);
  const server = createServer(httpServerLimits(limits), (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return json(res, 404, { error: 'not_found', error_description: 'no such endpoint' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return json(res, 405, { error: 'invalid_request', error_description: 'use GET' }, { allow: 'GET, HEAD' });
    }
    options.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': options.registry.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => json(res, 500, { error: 'server_error', error_description: 'internal error' }),
    );
  });
  server.maxConnections = limits.maxConnections;
  server.on('clientError', clientErrorHandler());
  await listenOn(server, options.port, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '[::1]' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/metrics`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
