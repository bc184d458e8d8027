import { X509Certificate } from 'node:crypto';
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
  /**
   * The certificates above the leaf on the path the TLS stack reports (those the peer sent,
   * completed from the listener's CAs by name), nearest issuer first; read on first use.
   * Candidates for path validation only: this is not the path OpenSSL validated.
   */
  readonly issuers?: () => readonly X509Certificate[];
}

interface DetailedCertificate {
  readonly raw?: Buffer;
  readonly fingerprint256?: string;
  readonly issuerCertificate?: DetailedCertificate;
}

/** The issuer chain of a connection's peer certificate, nearest first, without repeats. */
function issuerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert = (socket.getPeerCertificate(true) as DetailedCertificate).issuerCertificate;
  // A self-signed root is its own issuer: stop at the first repeat.
  while (cert?.raw && cert.fingerprint256 && !seen.has(cert.fingerprint256) && chain.length < 10) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
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
  let chain: X509Certificate[] | undefined;
  const peer: PeerCertificate | null = x509
    ? {
        x509,
        thumbprint: x5tS256(x509.raw),
        authorized: socket.authorized,
        authorizationError: socket.authorized ? null : String(socket.authorizationError ?? 'unknown'),
        issuers: () => (chain ??= issuerChain(socket)),
      }
    : null;
  cache.set(socket, peer);
  return peer;
}

/**
 * The TCP socket a server-side TLS connection was accepted on (the one the server's
 * `connection` event saw), or undefined where the runtime does not expose it.
 */
export function acceptedSocket(socket: TLSSocket): object | undefined {
  // Node keeps it as `_parent` (not a public API: read defensively).
  const parent: unknown = Reflect.get(socket, '_parent');
  return parent !== null && typeof parent === 'object' ? parent : undefined;
}

/**
 * How many bytes the peer has sent on this connection so far, TLS records included: read when
 * the handshake completes, it is the size of the client's handshake flights (its certificate
 * chain above all). Undefined where the runtime does not expose the underlying socket.
 */
export function bytesReceived(socket: TLSSocket): number | undefined {
  const parent = acceptedSocket(socket);
  const read = parent === undefined ? undefined : Reflect.get(parent, 'bytesRead');
  return typeof read === 'number' ? read : undefined;
}
