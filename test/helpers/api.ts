// A resource server for tests: node:https on 127.0.0.1 asking for client certificates
// (never requiring them: the guard answers), its certificate from the world's platform CA,
// the given handler behind it.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { issueCertificate } from '../../src/pki/issue.ts';
import { pkcs8ToPem } from '../../src/pki/keys.ts';
import { authority } from './world.ts';

export interface Api {
  readonly server: Server;
  /** https://localhost:PORT */
  readonly url: string;
  /** The platform CA that issued the server's certificate. */
  readonly ca: string;
  close(): Promise<void>;
}

/** A TLS server certificate for localhost/127.0.0.1 from the world's platform CA. */
export async function serverCredentials(): Promise<{ cert: string; key: string; ca: string }> {
  const platform = await authority('platform');
  const leaf = await issueCertificate(platform, {
    subject: 'CN=test api',
    sans: [{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }],
    usage: 'server',
  });
  return { cert: leaf.certPem, key: pkcs8ToPem(leaf.keyPkcs8!), ca: platform.certPem };
}

/** Starts an mTLS-capable API on a free port. */
export async function startApi(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<Api> {
  const tls = await serverCredentials();
  const server = createServer({ cert: tls.cert, key: tls.key, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' }, (req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    url: `https://localhost:${port}`,
    ca: tls.ca,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
