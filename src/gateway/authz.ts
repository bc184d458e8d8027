/**
 * `certbound authz`: the authorization endpoint a proxy asks before forwarding (nginx
 * `auth_request`, Traefik ForwardAuth, Envoy HTTP ext_authz). The same decision as the gateway —
 * the guard verifies the certificate-bound token, with the certificate taken from the proxy's
 * header and believed only from the proxy's address — answered 200 with identity headers, or
 * the RFC 6750 refusal for the proxy to pass back.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-7.3
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuard, type GuardRequest } from '../resource/guard.ts';
import type { GuardOptions } from '../resource/options.ts';
import { errorResponse } from '../resource/response.ts';
import type { ProxySourceOptions } from '../transport/proxy.ts';
import { startOpsListener, type OpsListener } from './admin.ts';
import { authorize, certificateDer, type Policy } from './authorize.ts';
import type { GatewayLogger } from './gateway.ts';
import { identityHeaderNames, identityHeaders, type IdentityHeaderNames } from './identity.ts';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { originalRequest, type AuthzForm } from './original-request.ts';
import { partnerResolver } from './partner.ts';
import { requestPath, type Route } from './routes.ts';
import { listenOn } from '../transport/listen.ts';

/** Options of {@link startAuthz}. */
export interface AuthzOptions {
  /** The guard; its certificate source must be the proxy's header (authz never sees the client's TLS). */
  readonly guard: GuardOptions & { readonly certificateSource: { readonly from: 'proxy' } & ProxySourceOptions };
  readonly form: AuthzForm;
  /** Envoy only: the `path_prefix` of the ext_authz http_service, removed before matching. */
  readonly envoyPathPrefix?: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly policy: Policy;
  readonly identityHeaders?: Partial<IdentityHeaderNames>;
  readonly partners?: ReadonlyMap<string, string>;
  readonly logger?: GatewayLogger;
  readonly ops?: { readonly host?: string; readonly port: number };
}

/** A running authorization endpoint. */
export interface Authz {
  /** `http://HOST:PORT` */
  readonly url: string;
  readonly port: number;
  readonly opsUrl: string | null;
  readonly metrics: GatewayMetrics;
  /** Swaps in a new route policy. */
  reload(next: { readonly policy?: Policy }): void;
  close(): Promise<void>;
}

/** The default certificate header format of each proxy. */
export const AUTHZ_CERTIFICATE_FORMAT: Readonly<Record<AuthzForm, ProxySourceOptions['format']>> = { nginx: 'nginx', traefik: 'traefik', envoy: 'xfcc' };

/**
 * Starts the authorization endpoint (plain HTTP: only the proxy talks to it, on loopback or a
 * private network). Per request: the original method and target from the form's headers (400
 * when missing), then exactly the gateway's decision; 200 with the identity headers (every one,
 * empty when unknown, so a proxy that copies them overwrites any client copy), else the guard's
 * status, `WWW-Authenticate` and JSON body.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export async function startAuthz(options: AuthzOptions): Promise<Authz> {
  if (options.guard.certificateSource?.from !== 'proxy') throw Object.assign(new TypeError('authz reads the certificate from the proxy: certificateSource must be a proxy source'), { code: 'ERR_INVALID_ARG_VALUE' });
  const names = identityHeaderNames(options.identityHeaders);
  const partnerOf = partnerResolver(options.partners ?? new Map());
  const der = certificateDer(options.guard.certificateSource);
  const metrics = createGatewayMetrics('certbound_authz');
  const guard = createGuard({ ...options.guard, ...(options.logger ? { logger: options.logger } : {}) });
  let policy = options.policy;
  let draining = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    // The proxy sends no body worth reading (nginx and Traefik none; Envoy at most what it buffered).
    req.resume();
    let route: Route | null = null;
    let client: string | null = null;
    let partner: string | null = null;
    let path = '-';
    let status: number;
    try {
      const original = originalRequest(options.form, req, options.envoyPathPrefix);
      path = requestPath(original.target);
      // The guard reads the original target for a misplaced access_token, and the proxy's headers for the rest.
      const request: GuardRequest = { headers: req.headers, rawHeaders: req.rawHeaders, socket: req.socket, url: original.target };
      const decision = await authorize(guard, policy, request, original.method, path, partnerOf, der);
      ({ route, partner } = decision);
      client = decision.token.claims.client_id;
      status = 200;
      const headers: Record<string, string> = { 'cache-control': 'no-store', 'content-length': '0' };
      for (const [name, value] of identityHeaders(names, decision.token, partner, true)) headers[name] = value;
      res.writeHead(200, headers).end();
    } catch (err) {
      const answer = errorResponse(err, guard.realm);
      status = answer.status;
      res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const routeName = route?.name ?? '-';
    metrics.requests.inc({ route: routeName, status: String(status) });
    metrics.duration.observe({ route: routeName }, seconds);
    options.logger?.info({ client, partner, route: routeName, path, status, ms: Math.round(seconds * 1e5) / 100 }, 'authz');
  };

  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 60_000, connectionsCheckingInterval: 1_000 }, (req, res) => {
    if (draining) res.shouldKeepAlive = false;
    void handle(req, res);
  });
  let ops: OpsListener | null = null;
  try {
    await listenOn(server, options.port, options.host ?? '127.0.0.1');
    if (options.ops) ops = await startOpsListener({ ...options.ops, registry: metrics.registry, ready: () => !draining });
  } catch (err) {
    server.close();
    await guard.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    opsUrl: ops?.url ?? null,
    metrics,
    reload(next) {
      if (next.policy) policy = next.policy;
    },
    async close() {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Answers take milliseconds: idle keep-alive connections go now, busy ones once answered.
      server.closeIdleConnections();
      // A proxy's keep-alive connection busy at this instant is let go shortly after, answered or not.
      const cut = setTimeout(() => server.closeAllConnections(), 5_000);
      cut.unref();
      await closed;
      clearTimeout(cut);
      await Promise.allSettled([guard.close(), ops?.close()]);
    },
  };
}
