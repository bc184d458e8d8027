// A minimal HTTPS client for tests: one fresh TLS connection per request, an optional
// client certificate, and the raw status, headers and body of the answer.
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export interface TlsIdentity {
  readonly cert?: string;
  readonly key?: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly form?: Record<string, string | readonly string[]>;
  /** Raw body; overrides `form`. */
  readonly body?: string | Buffer;
  readonly headers?: Record<string, string | string[]>;
  readonly identity?: TlsIdentity;
  readonly ca: string;
}

export interface Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

/** Reads a whole answer: status, headers, text, and the text as JSON when it is JSON. */
export function collect(res: IncomingMessage): Promise<Response> {
  return new Promise((resolve, reject) => {
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
  });
}

/** Encodes a form, repeating a name for array values. */
export function formBody(form: Record<string, string | readonly string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) {
    for (const v of typeof value === 'string' ? [value] : value) params.append(name, v);
  }
  return params.toString();
}

/** Sends one request to `url` (https://localhost:PORT/…) over a new connection to 127.0.0.1. */
export function send(url: string, options: RequestOptions): Promise<Response> {
  const target = new URL(url);
  const body = options.body ?? (options.form ? formBody(options.form) : undefined);
  const headers: Record<string, string | string[]> = {
    ...(options.form && options.body === undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        servername: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        headers: { host: target.host, ...headers },
        ca: options.ca,
        ...(options.identity?.cert ? { cert: options.identity.cert, key: options.identity.key } : {}),
        agent: false,
      },
      (res) => collect(res).then(resolve, reject),
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Decodes a JWT's payload without verifying it (tests verify separately with jose). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Decodes a JWT's protected header. */
export function jwtHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
