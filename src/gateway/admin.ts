/**
 * The gateway's operations address: `/healthz` (the process answers), `/readyz` (it accepts
 * traffic: 503 once it drains for shutdown) and `/metrics` (Prometheus), on plain HTTP apart
 * from the partner-facing port, loopback by default.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { listenOn } from '../transport/listen.ts';

/** Options of the operations listener. */
export interface OpsListenerOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly registry: Registry;
  /** Whether the gateway takes traffic now. */
  readonly ready: () => boolean;
}

/** A running operations listener. */
export interface OpsListener {
  /** `http://HOST:PORT` */
  readonly url: string;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** Starts the operations listener. */
export async function startOpsListener(options: OpsListenerOptions): Promise<OpsListener> {
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 30_000 }, (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'invalid_request', error_description: 'use GET' });
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') return options.ready() ? json(res, 200, { status: 'ready' }) : json(res, 503, { status: 'draining' });
    if (path !== '/metrics') return json(res, 404, { error: 'not_found', error_description: 'no such endpoint' });
    options.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': options.registry.contentType, 'cache-control': 'no-store' }).end(text),
      () => json(res, 500, { error: 'server_error' }),
    );
  });
  server.maxConnections = 64;
  await listenOn(server, options.port, options.host ?? '127.0.0.1');
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
