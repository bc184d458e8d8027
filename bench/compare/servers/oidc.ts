// oidc-provider (panva, the dev dependency), configured as certbound is used: client_credentials,
// RFC 8705 tls_client_auth and certificate-bound ES256 JWT access tokens (RFC 9068, through RFC
// 8707 resource indicators), on node:https with the shared certificates. Two ways to hand it the
// client certificate (argv[3]):
//   plain  - the straightforward features.mTLS.getCertificate: the peer certificate read from
//            the socket and turned into PEM on every call (several calls per request);
//   cached - the parsed certificate and its subject kept per TLS socket (a WeakMap), so a
//            keep-alive connection parses it once: the best-tuned configuration.
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { boundTokenProviderConfig } from '../../../test/helpers/oidc-provider.ts';
import { listenAndAnnounce, readConfig, tlsOptions } from './config.ts';

const config = readConfig();
const mode = process.argv[3] === 'cached' ? 'cached' : 'plain';

/** A subject DN in RFC 4514 order; Node lists the RDNs most significant first, one a line. */
const rfc4514 = (x509: X509Certificate) => x509.subject.split('\n').reverse().join(',');

function plainCertificate(ctx: KoaContextWithOIDC): string | undefined {
  const peer = (ctx.socket as TLSSocket).getPeerCertificate();
  if (!peer.raw) return undefined;
  return `-----BEGIN CERTIFICATE-----\n${peer.raw.toString('base64')}\n-----END CERTIFICATE-----\n`;
}

interface Parsed {
  readonly x509: X509Certificate;
  readonly subject: string;
}
// Keyed by the socket object: a certificate never outlives, or leaks to, another connection.
const perSocket = new WeakMap<TLSSocket, Parsed | null>();
function cachedCertificate(ctx: KoaContextWithOIDC): Parsed | undefined {
  const socket = ctx.socket as TLSSocket;
  let parsed = perSocket.get(socket);
  if (parsed === undefined) {
    const x509 = socket.getPeerX509Certificate();
    parsed = x509 ? { x509, subject: rfc4514(x509) } : null;
    perSocket.set(socket, parsed);
  }
  return parsed ?? undefined;
}

const getCertificate = mode === 'cached' ? (ctx: KoaContextWithOIDC) => cachedCertificate(ctx)?.x509 : plainCertificate;
const subjectOf =
  mode === 'cached'
    ? (ctx: KoaContextWithOIDC) => cachedCertificate(ctx)?.subject
    : (ctx: KoaContextWithOIDC) => {
        const pem = plainCertificate(ctx);
        return pem === undefined ? undefined : rfc4514(new X509Certificate(pem));
      };

const { privateKey } = await generateKeyPair('ES256', { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), kid: 'oidc-provider-es256', alg: 'ES256', use: 'sig' };
const server = createServer(tlsOptions(config));
server.once('listening', () => {
  const port = (server.address() as { port: number }).port;
  const provider = new Provider(
    `https://localhost:${port}`,
    boundTokenProviderConfig({
      clientId: config.clientId,
      subjectDn: config.subjectDn,
      resource: config.resource,
      scope: config.scope,
      signingKey,
      cookieKey: 'bench-cookie-key',
      tokenTtl: 600,
      getCertificate,
      subjectOf,
    }),
  );
  server.on('request', provider.callback());
});
listenAndAnnounce(server);
