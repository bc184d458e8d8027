import type { Duplex } from 'node:stream';

/** An HTTP-level failure the server answered before any route ran. */
export interface ClientErrorInfo {
  /** The status answered (400, 408, 413 or 431), or null when nothing was written (the peer was gone, or the error was below HTTP). */
  readonly status: number | null;
  /** Node's or llhttp's error code, e.g. `HPE_INVALID_METHOD`, `HPE_HEADER_OVERFLOW`. */
  readonly code: string;
}

/** Told of every HTTP-level client error (for metrics or an audit trail); must not throw. */
export type ClientErrorHook = (info: ClientErrorInfo, socket: Duplex) => void;

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' };

/** The status and description for a parser or timeout error; the parser's own message is never sent. */
function classify(code: string): { status: number; description: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, description: 'request headers too large' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, description: 'request not received in time' };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, description: 'request body framing too large' };
  return { status: 400, description: 'malformed HTTP request' };
}

/**
 * Answers a request Node's HTTP parser refused (malformed request line or headers, headers too
 * large, headers or body not received in time) with an OAuth error body, like every other error,
 * instead of a bare status line or a framework's own shape; then closes the connection, since
 * the parser has lost its place in the stream.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex, hook?: ClientErrorHook): void {
  const code = typeof err.code === 'string' ? err.code : 'UNKNOWN';
  // A reset or already-destroyed peer has nothing to read an answer with; an error below HTTP (a
  // refused TLS renegotiation, say) gets no HTTP answer either: the connection is simply dropped.
  const httpLevel = code.startsWith('HPE_') || code === 'ERR_HTTP_REQUEST_TIMEOUT';
  // An answer already under way on this connection cannot be followed by another (Node checks the same).
  const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (!httpLevel || answering || socket.destroyed || !socket.writable) {
    hook?.({ status: null, code }, socket);
    socket.destroy();
    return;
  }
  const { status, description } = classify(code);
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  hook?.({ status, code }, socket);
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      'Cache-Control: no-store\r\n' +
      'Connection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // end() flushes the answer and half-closes; destroy soon after so a peer that never reads cannot hold the socket.
  socket.once('finish', () => socket.destroy());
}

/** A `clientError` listener (Fastify's `clientErrorHandler`) answering with {@link answerClientError}. */
export function clientErrorHandler(hook?: ClientErrorHook): (err: Error & { code?: string }, socket: Duplex) => void {
  return (err, socket) => answerClientError(err, socket, hook);
}
