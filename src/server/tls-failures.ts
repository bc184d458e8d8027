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
 * Counts and audits every handshake a listener refuses (`tlsClientError`): a peer OpenSSL turned
 * away — a malformed certificate, a protocol it does not speak, plain HTTP on the TLS port, a
 * handshake that timed out — otherwise leaves no trace, since no request ever reaches the app.
 * Only the peer address and the error code are kept.
 */
export function watchTlsFailures(server: TlsServer, sinks: TlsFailureSinks): void {
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    const reason = handshakeFailureReason(err);
    sinks.counter?.inc({ listener: sinks.listener, reason });
    // The socket may already be gone, and its address with it.
    const peer = socket.remoteAddress ?? 'unknown';
    sinks.audit?.recordUnauthenticated(
      { at: sinks.now(), event: TLS_HANDSHAKE_FAILED, outcome: 'denied', reason, detail: { listener: sinks.listener } },
      peer,
    );
  });
}
