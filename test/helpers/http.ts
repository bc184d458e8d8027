// A minimal plain-HTTP client for tests of an app behind a TLS-terminating proxy: one fresh
// connection per request, from a chosen loopback address (the "proxy" or anyone else), with
// repeated header lines when a value is an array.
import { request as httpRequest } from 'node:http';
import { collect, type Response } from './https.ts';

export interface PlainRequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string;
  /** The source address of the connection, e.g. 127.0.0.2 (Linux answers on all of 127.0.0.0/8). */
  readonly localAddress?: string;
}

/** The answer, as the HTTPS helper reads it. */
export type PlainResponse = Response;

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
      (res) => collect(res).then(resolve, reject),
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
