import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createGuard, TLS_POLICY, withGuard } from '../resource/index.ts';

/** The sample "orders" API of the demo, as it runs. */
export interface OrdersApi {
  /** `https://localhost:PORT/orders` */
  readonly url: string;
  close(): Promise<void>;
}

/** What the orders API needs: its TLS credential, the token service, and its own identifier. */
export interface OrdersApiOptions {
  readonly cert: string;
  readonly key: string;
  /** The platform CA, which issued the token service's TLS certificate. */
  readonly ca: string;
  readonly issuer: string;
  readonly audience: string;
}

const ORDERS = [
  { id: 'o-1001', item: 'widgets', quantity: 12 },
  { id: 'o-1002', item: 'sprockets', quantity: 3 },
];

/**
 * Starts the demo's resource server on 127.0.0.1: `GET /orders` needs a token with
 * `orders:read` for `audience`, certificate-bound to the connection's client certificate.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export async function startOrdersApi(options: OrdersApiOptions): Promise<OrdersApi> {
  const guard = createGuard({ issuer: options.issuer, ca: options.ca, audience: options.audience });
  const orders = withGuard(
    guard,
    (_req, res, auth) => {
      const body = { orders: ORDERS, client_id: auth.claims.client_id, 'x5t#S256': auth.thumbprint };
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    },
    { scopes: ['orders:read'] },
  );
  // Ask for a client certificate but never require one: the guard answers per RFC 6750, not a TLS alert.
  const server = createServer({ cert: options.cert, key: options.key, requestCert: true, rejectUnauthorized: false, ...TLS_POLICY }, (req, res) => {
    if (req.method === 'GET' && req.url === '/orders') void orders(req, res);
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
  } catch (err) {
    await guard.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}/orders`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await guard.close();
    },
  };
}
