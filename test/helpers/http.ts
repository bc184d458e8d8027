// A minimal plain-HTTP client for tests of an app behind a TLS-terminating proxy: one fresh
// connection per request, from a chosen loopback address (the "proxy" or anyone else), with
// repeated header lines when a value is an array.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface PlainRequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string;
  /** The source address of the connection, e.g. 127.0.0.2 (Linux answers on all of 127.0.0.0/8). */
  readonly localAddress?: string;
}

export interface PlainResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** Sends one request to `url` (http://127.0.0.1:PORT/…) over a new connection. */
export function sendPlain(url: string, options: PlainRequestOptions = {}): Promise<PlainResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: options.headers ?? {},
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
