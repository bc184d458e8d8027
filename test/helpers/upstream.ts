// A plain node:http upstream that knows nothing of OAuth, for the gateway and authz tests:
// it counts and records the requests it gets and answers by path —
//   /slow       never answers (until the test releases it, or closes the server)
//   /hold       answers 200 when the test calls release()
//   /upload     reads the whole body, answers its length and SHA-256
//   /download?bytes=N  streams N bytes of a fixed pattern
//   /hop        answers with a hop-by-hop field named in its Connection header
//   anything else: the method, path and headers it received, as JSON.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the upstream received. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
}

export interface Upstream {
  readonly server: Server;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly seen: Seen[];
  /** Answers every request waiting on /hold. */
  release(): void;
  /** Resolves when a /download answer is next cut before its end (its reader went away). */
  downloadCut(): Promise<void>;
  close(): Promise<void>;
}

/** The byte at offset i of a /download body. */
export function patternByte(i: number): number {
  return (i * 31 + 7) & 0xff;
}

/** Starts the upstream on a free port of 127.0.0.1. */
export async function startUpstream(): Promise<Upstream> {
  const seen: Seen[] = [];
  let held: ServerResponse[] = [];
  let cut: (() => void)[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (url.pathname === '/slow') return;
    if (url.pathname === '/hold') {
      held.push(res);
      return;
    }
    if (url.pathname === '/upload') {
      const hash = createHash('sha256');
      let length = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        length += chunk.length;
      });
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ length, sha256: hash.digest('hex') })));
      return;
    }
    if (url.pathname === '/download') {
      const total = Number(url.searchParams.get('bytes'));
      let sent = 0;
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.once('close', () => {
        if (res.writableFinished) return;
        for (const resolve of cut) resolve();
        cut = [];
      });
      // Written as the reader drains it: the gateway's backpressure paces this loop.
      const pump = () => {
        while (sent < total) {
          const n = Math.min(64 * 1024, total - sent);
          const chunk = Buffer.alloc(n);
          for (let i = 0; i < n; i++) chunk[i] = patternByte(sent + i);
          sent += n;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (url.pathname === '/hop') {
      res.writeHead(200, { connection: 'x-upstream-hop', 'x-upstream-hop': 'secret', 'keep-alive': 'timeout=5', 'x-end-to-end': 'kept', 'content-type': 'text/plain' }).end('hop');
      return;
    }
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    release() {
      for (const res of held) res.writeHead(200, { 'content-type': 'text/plain' }).end('released');
      held = [];
    },
    downloadCut: () => new Promise<void>((resolve) => cut.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
