import type { Server as TlsServer, TLSSocket } from 'node:tls';
import type { Counter } from 'prom-client';
import type { AuditLog } from './audit.ts';

/** The audit event of a refused TLS handshake. */
export const TLS_HANDSHAKE_FAILED = 'tls.handshake_failed';

/** Which listener a handshake failed on: a label value, so a fixed set. */
export type TlsListenerName = 'token' | 'admin';

// OpenSSL's and Node's own error codes form a finite set fixed by the code, not by the peer; anything else is `other`.
const KNOWN_CODE = /^(?:ERR_SSL_|ERR_TLS_|ERR_OSSL_)[A-Z0-9_]{1,64}$/;
const SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * The bounded reason of a failed handshake: the OpenSSL (or Node) error code, such as
 * `ERR_SSL_HTTP_REQUEST` or `ERR_SSL_UNSUPPORTED_PROTOCOL`, or `other`. Never the message,
 * which may quote what the peer sent.
 */
export function handshakeFailureReason(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return 'other';
  return KNOWN_CODE.test(code) || SOCKET_CODES.has(code) ? code : 'other';
}

/** Where a failed handshake is counted and recorded. */
export interface TlsFailureSinks {
  readonly listener: TlsListenerName;
  /** `certbound_tls_handshake_failures_total{listener,reason}`; none when absent. */
  readonly counter?: Counter<'listener' | 'reason'> | undefined;
  /** Aggregated per peer address and reason, like other unauthenticated refusals; none when absent. */
  readonly audit?: AuditLog | undefined;
  readonly now: () => Date;
}

/**
 * Counts and audits every handshake a listener refuses: a peer OpenSSL turned away — a
 * protocol it does not speak, plain HTTP on the TLS port, a handshake that timed out
 * (`tlsClientError`) — or whose connection OpenSSL fails right after the handshake, as it does
 * for a client certificate with a forged signature over TLS 1.2 (`ERR_SSL_PROVIDER_SIGNATURE_FAILURE`
 * on the socket, no request ever parsed). Neither reaches the app, so neither otherwise leaves a
 * trace. Only the peer address and the error code are kept; a connection is counted once.
 */
export function watchTlsFailures(server: TlsServer, sinks: TlsFailureSinks): void {
  const refused = (reason: string, peer: string) => {
    sinks.counter?.inc({ listener: sinks.listener, reason });
    sinks.audit?.recordUnauthenticated(
      { at: sinks.now(), event: TLS_HANDSHAKE_FAILED, outcome: 'denied', reason, detail: { listener: sinks.listener } },
      peer,
    );
  };
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    // The socket may already be gone, and its address with it.
    refused(handshakeFailureReason(err), socket.remoteAddress ?? 'unknown');
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    // Read now: once OpenSSL fails the connection, the address is gone.
    const peer = socket.remoteAddress ?? 'unknown';
    let counted = false;
    socket.on('error', (err: Error) => {
      const reason = handshakeFailureReason(err);
      // A peer that resets an established connection is no refusal; only an OpenSSL failure is.
      if (counted || !KNOWN_CODE.test(reason)) return;
      counted = true;
      refused(reason, peer);
    });
  });
}
