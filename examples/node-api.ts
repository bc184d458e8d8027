// A node:https API guarded by certbound: GET /orders needs a token with orders:read, bound
// to the certificate of the connection.
import { createServer } from 'node:https';
import { createGuard, TLS_POLICY, withGuard } from '../src/resource/index.ts';
import { config } from './config.ts';

const guard = createGuard({ issuer: config.issuer, ca: config.tls.ca, audience: config.audience });
const orders = withGuard(
  guard,
  (_req, res, auth) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ orders: [], for: auth.claims.client_id }));
  },
  { scopes: ['orders:read'] },
);

// certbound's TLS policy (TLS 1.3, or 1.2 with ECDHE + AEAD: RFC 9325). Ask for a client certificate,
// but let the guard answer when there is none (RFC 6750, not a TLS alert).
createServer({ ...config.tls, ...TLS_POLICY, requestCert: true, rejectUnauthorized: false }, (req, res) => {
  // Route on the path alone: /orders?page=2 is /orders, and /orders?access_token=… reaches the
  // guard, which refuses a token in the query (400 invalid_request, RFC 6750 §2.3 is not offered).
  if (new URL(req.url ?? '/', 'https://localhost').pathname === '/orders') void orders(req, res);
  else res.writeHead(404).end();
}).listen(config.port, () => console.log(`orders API on https://localhost:${config.port}/orders`));
