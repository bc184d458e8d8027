// TLS connections the tests control: resumed sessions (TLS 1.2 and 1.3), and one HTTP/1.1 request
// written by hand on such a connection, so a test sees exactly which handshake a request rode on.
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';

/** What came back on a hand-written request, and how the connection was made. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
  readonly json: Record<string, unknown> | undefined;
  /** Whether the TLS session was resumed rather than fully negotiated. */
  readonly resumed: boolean;
}

/** Opens a TLS connection to 127.0.0.1:port (SNI localhost); resolves once it is secure. */
export function open(port: number, options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one request (Connection: close) on `socket` and reads the answer until the server closes. */
export function rawRequest(socket: TLSSocket, method: string, path: string, headers: Record<string, string>, body = ''): Promise<RawAnswer> {
  // Read now: once the connection is closed Node no longer knows.
  const resumed = socket.isSessionReused();
  return new Promise((resolve, reject) => {
    const lines = [`${method} ${path} HTTP/1.1`, 'host: localhost', 'connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body !== '') lines.push(`content-length: ${Buffer.byteLength(body)}`);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.once('error', reject);
    socket.once('close', () => {
      const [head = '', ...rest] = received.split('\r\n\r\n');
      let text = rest.join('\r\n\r\n');
      // Chunked answers: keep the chunk data only.
      if (/transfer-encoding: chunked/i.test(head)) text = dechunk(text);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head, body: text, json, resumed });
    });
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  });
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/**
 * A TLS session to resume: makes a full handshake with `options`, sends one request so that a
 * TLS 1.3 server has sent its tickets, and returns the last session the client was given.
 */
export async function sessionFor(port: number, options: ConnectionOptions): Promise<Buffer> {
  let session: Buffer | undefined;
  const socket = await new Promise<TLSSocket>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => resolve(s));
    // Listening from the start: a TLS 1.2 session arrives during the handshake, TLS 1.3 tickets after it.
    s.on('session', (value: Buffer) => (session = value));
    s.once('error', reject);
  });
  await rawRequest(socket, 'GET', '/', {});
  if (!session) throw new Error('the server issued no session to resume');
  return session;
}
