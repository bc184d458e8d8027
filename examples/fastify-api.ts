// A Fastify API guarded by certbound: routes name the scopes they need; the token is on request.auth.
import Fastify from 'fastify';
import { certboundGuard } from '../src/resource/adapters/fastify.ts';
import { createGuard, TLS_POLICY } from '../src/resource/index.ts';
import { config } from './config.ts';

const guard = createGuard({ issuer: config.issuer, ca: config.tls.ca, audience: config.audience });
const app = Fastify({ https: { ...config.tls, ...TLS_POLICY, requestCert: true, rejectUnauthorized: false } });
await app.register(certboundGuard, { guard });
app.get('/orders', { config: { certbound: { scopes: ['orders:read'] } } }, async (request) => ({ orders: [], for: request.auth?.claims.client_id }));
app.get('/healthz', { config: { certbound: false } }, async () => ({ status: 'ok' }));
await app.listen({ port: config.port });
console.log(`orders API (Fastify) on https://localhost:${config.port}/orders`);
