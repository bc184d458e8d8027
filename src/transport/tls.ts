import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { x5tS256, type Thumbprint } from '../core/thumbprint.ts';

/** The client certificate of a TLS connection, read once per connection. */
export interface PeerCertificate {
  readonly x509: X509Certificate;
  readonly thumbprint: Thumbprint;
  /** Whether the TLS stack validated the certificate's path to one of the listener's CAs. */
  readonly authorized: boolean;
  /** OpenSSL's reason when it did not (e.g. CERT_HAS_EXPIRED), else null. */
  readonly authorizationError: string | null;
}

const cache = new WeakMap<TLSSocket, PeerCertificate | null>();

/**
 * The certificate the client presented (and proved it holds the key of) in this connection's
 * handshake, or null. Computed once per socket: renegotiation is disabled on certbound's
 * listeners, so a connection's certificate cannot change.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3
 */
export function peerCertificate(socket: TLSSocket): PeerCertificate | null {
  const cached = cache.get(socket);
  if (cached !== undefined) return cached;
  // getPeerX509Certificate is much cheaper than getPeerCertificate(true) and parses nothing we do not use.
  const x509 = socket.getPeerX509Certificate();
  const peer: PeerCertificate | null = x509
    ? {
        x509,
        thumbprint: x5tS256(x509.raw),
        authorized: socket.authorized,
        authorizationError: socket.authorized ? null : String(socket.authorizationError ?? 'unknown'),
      }
    : null;
  cache.set(socket, peer);
  return peer;
}
