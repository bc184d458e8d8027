// Shared settings of the examples, from the environment.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const tlsDir = process.env['TLS_DIR'] ?? './orders-api';

export const config = {
  issuer: process.env['ISSUER'] ?? 'https://localhost:8443',
  audience: process.env['AUDIENCE'] ?? 'https://orders.demo.localhost/',
  port: Number(process.env['PORT'] ?? 9443),
  tls: {
    cert: readFileSync(join(tlsDir, 'cert.pem'), 'utf8'),
    key: readFileSync(join(tlsDir, 'key.pem'), 'utf8'),
    ca: readFileSync(join(tlsDir, 'ca.pem'), 'utf8'),
  },
};
