// What a server process of the comparison is given (a JSON file named on its command line) and
// how it says it is ready: one `READY <port>` line on stdout, read by bench/compare/spawn.ts.
import { readFileSync } from 'node:fs';
import type { Server, ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';

/** The shared certificates and names, as written by the orchestrator. */
export interface ServerConfig {
  readonly serverCert: string;
  readonly serverKey: string;
  /** The platform root CA (the server certificate's issuer). */
  readonly ca: string;
  /** Trust anchors of client certificates: the platform root and the partner's CA. */
  readonly trust: readonly string[];
  readonly subjectDn: string;
  readonly clientId: string;
  readonly resource: string;
  readonly scope: string;
  /** certbound's issuer: the guard fetches its JWKS from there. */
  readonly issuer?: string;
}

/** Reads the config file named by argv[2]. */
export function readConfig(): ServerConfig {
  const path = process.argv[2];
  if (!path) throw new TypeError('usage: node <server>.ts <config.json> [mode]');
  return JSON.parse(readFileSync(path, 'utf8')) as ServerConfig;
}

/** TLS options every server uses: the same certificate, and a client certificate asked for, never required (the application answers, not a TLS alert). */
export function tlsOptions(config: ServerConfig): ServerOptions {
  return { cert: config.serverCert, key: config.serverKey, ca: [...config.trust], requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' };
}

/** The small JSON the floor answers (the size of a token response's envelope). */
export const FLOOR_BODY = JSON.stringify({ access_token: 'floor', token_type: 'Bearer', expires_in: 600 });

/** Listens on a free loopback port and announces it; exits on SIGTERM. */
export function listenAndAnnounce(server: Server): void {
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
