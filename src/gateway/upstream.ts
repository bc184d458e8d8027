/**
 * The connection pool to the upstream and one forward through it: the request body streamed to
 * the upstream and the answer streamed back, each side paced by the other (backpressure), with
 * a size limit on what is sent and a time limit on each wait for the upstream.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { Pool } from 'undici';
import { hopByHopNamesOf } from './hop-by-hop.ts';
import { BadGateway, BodyTooLarge, GatewayTimeout } from './upstream-errors.ts';

/** Where and how to reach the upstream. */
export interface UpstreamOptions {
  /** `http://host:port` or `https://host:port` (an origin: no path). */
  readonly url: string;
  /** Most connections kept to the upstream (default 128). */
  readonly connections?: number;
  /** Longest wait for the answer's headers, and between two chunks of its body, in ms (default 30000). */
  readonly timeoutMs?: number;
  /** Largest request body forwarded, in bytes (default 10 MiB). */
  readonly maxBodyBytes?: number;
  /** CA certificate(s) of an https upstream, when not a public CA. */
  readonly ca?: string;
}

/** The upstream: forwards one request, closes its pool. */
export interface Upstream {
  /**
   * Sends `req` (its body streamed) as `method path` with `headers` (flat name/value list) and
   * streams the answer into `res`; resolves with the status sent once the answer is complete.
   * Rejects with BadGateway, GatewayTimeout or BodyTooLarge when nothing was sent yet.
   */
  forward(req: IncomingMessage, res: ServerResponse, path: string, headers: string[]): Promise<number>;
  close(): Promise<void>;
}

/** Throws TypeError ERR_INVALID_ARG_VALUE for an upstream that is not an http(s) origin. */
export function upstreamOrigin(url: string): URL {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '' || parsed.hash !== '') {
    throw Object.assign(new TypeError('upstream must be an http:// or https:// origin, without path'), { code: 'ERR_INVALID_ARG_VALUE' });
  }
  return parsed;
}

/** Counts bytes on their way to the upstream and fails the stream past the limit. */
function limited(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > max) done(new BodyTooLarge());
      else done(null, chunk);
    },
  });
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Streams the upstream's body into the answer, paced by the client (Readable#pipe applies
 * backpressure); resolves when the answer is complete or the exchange is over. Hand-written
 * rather than stream.pipeline, which builds and aborts an AbortController (a DOMException) per
 * call: measured here at about a tenth of the gateway's CPU per request.
 */
function relay(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    // Headers are sent: a failure now (upstream reset, body timeout) can only end the connection.
    body.once('error', () => {
      res.destroy();
      resolve();
    });
    res.once('finish', resolve);
    res.once('close', () => {
      // The client went away first: stop reading the upstream (undici frees or drops the connection).
      if (!res.writableFinished) body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}

/** Maps what undici reports to the answer the client gets. */
function upstreamError(err: unknown): Error {
  if (err instanceof BodyTooLarge) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return new GatewayTimeout({ cause: err });
  return new BadGateway({ cause: err });
}

/**
 * Creates the upstream pool: keep-alive connections, one request per connection at a time.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6
 */
export function createUpstream(options: UpstreamOptions): Upstream {
  const origin = upstreamOrigin(options.url);
  const timeout = options.timeoutMs ?? 30_000;
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const pool = new Pool(origin.origin, {
    connections: options.connections ?? 128,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    connectTimeout: Math.min(timeout, 10_000),
    ...(options.ca === undefined ? {} : { connect: { ca: options.ca } }),
  });

  return {
    async forward(req, res, path, headers) {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBody) throw new BodyTooLarge();
      const aborted = new AbortController();
      // The client went away: stop the upstream request too (and free its connection).
      const onClose = () => {
        if (!res.writableFinished) aborted.abort();
      };
      res.once('close', onClose);
      let body: Readable | null = null;
      if (hasBody(req)) {
        const limit = limited(maxBody);
        body = limit;
        req.pipe(limit);
        // The client's own stream error ends the upstream body with it.
        req.once('error', (err) => limit.destroy(err));
      }
      let answer: Awaited<ReturnType<Pool['request']>>;
      try {
        answer = await pool.request({ method: req.method as 'GET', path, headers, body, signal: aborted.signal });
      } catch (err) {
        res.off('close', onClose);
        throw upstreamError(err);
      }
      const dropped = hopByHopNamesOf(answer.headers);
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined && !dropped.has(name)) out[name] = value;
      }
      res.writeHead(answer.statusCode, out);
      res.off('close', onClose);
      await relay(answer.body, res);
      return answer.statusCode;
    },
    close: () => pool.close(),
  };
}
