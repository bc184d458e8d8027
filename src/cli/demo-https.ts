import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';

/** How to send one request: the CA to trust, an optional client certificate, headers and body. */
export interface PlainRequest {
  readonly ca: string;
  /** The client certificate and key (PEM); none means a TLS connection without a client certificate. */
  readonly identity?: { readonly cert: string; readonly key: string };
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** An answer: status, headers, and the body parsed as a JSON object (empty when it is not one). */
export interface PlainResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly json: Readonly<Record<string, unknown>>;
}

const TIMEOUT_MS = 5000;

function jsonObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Sends one HTTPS request over a fresh connection — what someone with a copied token and
 * curl does, outside the certbound client SDK (which always presents its own certificate).
 */
export function plainRequest(url: string, options: PlainRequest): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: { ...options.headers },
        ca: options.ca,
        ...(options.identity ? { cert: options.identity.cert, key: options.identity.key } : {}),
        agent: false,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: jsonObject(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.once('timeout', () => req.destroy(new Error(`${new URL(url).origin} did not answer within ${TIMEOUT_MS / 1000} s`)));
    req.once('error', reject);
    req.end(options.body);
  });
}
