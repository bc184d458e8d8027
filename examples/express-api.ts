// An Express API guarded by certbound: the verified token is on req.auth.
import { createServer } from 'node:https';
import express from 'express';
import { guardMiddleware, type AuthenticatedRequest } from '../src/resource/adapters/express.ts';
import { createGuard, TLS_POLICY } from '../src/resource/index.ts';
import { config } from './config.ts';

const guard = createGuard({ issuer: config.issuer, ca: config.tls.ca, audience: config.audience });
const app = express();
app.get('/orders', guardMiddleware(guard, { scopes: ['orders:read'] }), (req, res) => {
  res.json({ orders: [], for: (req as AuthenticatedRequest).auth?.claims.client_id });
});

createServer({ ...config.tls, ...TLS_POLICY, requestCert: true, rejectUnauthorized: false }, app).listen(config.port, () =>
  console.log(`orders API (Express) on https://localhost:${config.port}/orders`),
);
