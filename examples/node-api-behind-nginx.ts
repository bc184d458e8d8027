// The node:http orders API behind nginx, which terminates mutual TLS and passes the client
// certificate on in `ssl-client-cert` (see examples/nginx.conf and docs/proxies.md). The guard
// believes that header only from nginx's address, and only when nginx says it verified it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGuard, withGuard } from '../src/resource/index.ts';

const issuer = process.env['ISSUER'] ?? 'https://localhost:8443';
const audience = process.env['AUDIENCE'] ?? 'https://orders.demo.localhost/';
const port = Number(process.env['PORT'] ?? 8080);
// Only nginx may reach this port: bind it to loopback (or a private interface) and name nginx's address.
const trustedProxies = (process.env['TRUSTED_PROXIES'] ?? '127.0.0.1').split(',').map((s) => s.trim());

const guard = createGuard({
  issuer,
  // The platform CA, for fetching the token service's signing keys over https.
  ca: readFileSync(process.env['CA_FILE'] ?? '.certbound/ca.pem', 'utf8'),
  audience,
  certificateSource: {
    from: 'proxy',
    format: 'nginx',
    trustedProxies,
    // nginx.conf asks with `ssl_verify_client optional`: a certificate counts only if nginx verified it.
    verifyHeader: { name: 'ssl-client-verify', value: 'SUCCESS' },
  },
});
const orders = withGuard(
  guard,
  (_req, res, auth) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ orders: [], for: auth.claims.client_id }));
  },
  { scopes: ['orders:read'] },
);

// Plain HTTP on loopback: TLS ends at nginx.
createServer((req, res) => {
  if (new URL(req.url ?? '/', 'http://localhost').pathname === '/orders') void orders(req, res);
  else res.writeHead(404).end();
}).listen(port, '127.0.0.1', () => console.log(`orders API behind nginx: backend http://127.0.0.1:${port}/orders, trusting ${trustedProxies.join(', ')}`));
