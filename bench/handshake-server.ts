// Worker thread of bench/handshake.ts: the TLS listeners it handshakes with, on a thread of their
// own so the server's CPU time per handshake can be read apart from the client's (main thread).
// Each listener is configured like the token service's (src/server/http.ts): requestCert: true,
// rejectUnauthorized: false, minVersion TLSv1.2; only the trust configuration differs.
import { once } from 'node:events';
import { createServer, setDefaultCACertificates, type SecureContextOptions, type Server } from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';

/** What bench/handshake.ts hands the worker: the server's credentials and the CAs to trust. */
export interface ServerSetup {
  readonly key: string;
  readonly cert: string;
  readonly root: string;
  readonly partners: readonly string[];
}

/**
 * The trust configurations compared:
 * - `one`: `ca` = root + 1 partner CA (the baseline; 2 names in the CertificateRequest);
 * - `all`: `ca` = root + every partner CA (what the token service does today; N + 1 names);
 * - `store`: no `ca`; the same N + 1 CAs made this thread's default CA store with
 *   `tls.setDefaultCACertificates` (validated against, but no names sent);
 * - `root`: `ca` = the root only (1 name); clients must send their partner CA in their chain.
 */
export type Variant = 'one' | 'all' | 'store' | 'root';

/** Every variant, in the order they are reported. */
export const VARIANTS: readonly Variant[] = ['one', 'all', 'store', 'root'];

/** Handshakes a listener completed (and whether the client certificate validated) or failed. */
export interface Counts {
  authorized: number;
  unauthorized: number;
  failed: number;
}

/** A request of the main thread to the worker. */
export type Request =
  | { readonly id: number; readonly type: 'snapshot' }
  | { readonly id: number; readonly type: 'reload'; readonly reps: number };

/** The worker's messages: `ready` once, then one answer per request. */
export type Reply =
  | { readonly type: 'ready'; readonly ports: Record<Variant, number> }
  | { readonly id: number; readonly type: 'snapshot'; readonly cpuMicros: number; readonly counts: Record<Variant, Counts> }
  | { readonly id: number; readonly type: 'reload'; readonly medianMs: Record<Variant, number> };

/** The HTTP answer every listener writes as soon as the handshake completes: the client waits for it. */
export function cannedResponse(authorized: boolean): string {
  return `HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\n${authorized ? 'A' : 'U'}`;
}

const port = parentPort;
if (port) {
  const setup = workerData as ServerSetup;
  const all = [setup.root, ...setup.partners];
  const contextOptions = (variant: Variant): SecureContextOptions => {
    const base = { key: setup.key, cert: setup.cert, minVersion: 'TLSv1.2' as const };
    switch (variant) {
      case 'one': return { ...base, ca: all.slice(0, 2) };
      case 'all': return { ...base, ca: all };
      case 'root': return { ...base, ca: [setup.root] };
      case 'store': return base;
    }
  };
  // Only this thread's default store changes (the Node docs say so; the main thread keeps its own).
  setDefaultCACertificates(all);

  const counts = {} as Record<Variant, Counts>;
  const servers = {} as Record<Variant, Server>;
  const ports = {} as Record<Variant, number>;
  for (const variant of VARIANTS) {
    const count: Counts = { authorized: 0, unauthorized: 0, failed: 0 };
    const server = createServer({ ...contextOptions(variant), requestCert: true, rejectUnauthorized: false, noDelay: true }, (socket) => {
      if (socket.authorized) count.authorized++;
      else count.unauthorized++;
      socket.on('error', () => {}); // the client hangs up as soon as it has the answer
      socket.end(cannedResponse(socket.authorized));
    });
    server.on('tlsClientError', () => count.failed++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    counts[variant] = count;
    servers[variant] = server;
    ports[variant] = (server.address() as { port: number }).port;
  }

  // What a registry change costs (src/server/service.ts reload()): a new secure context, built synchronously.
  const timeReload = (variant: Variant, reps: number): number => {
    const samples: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const start = performance.now();
      if (variant === 'store') setDefaultCACertificates(all);
      servers[variant].setSecureContext(contextOptions(variant));
      if (i > 0) samples.push(performance.now() - start); // the first is a warm-up
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
  };

  port.on('message', (request: Request) => {
    let reply: Reply;
    if (request.type === 'snapshot') {
      const cpu = process.threadCpuUsage();
      reply = { id: request.id, type: 'snapshot', cpuMicros: cpu.user + cpu.system, counts: structuredClone(counts) };
    } else {
      const medianMs = {} as Record<Variant, number>;
      for (const variant of VARIANTS) medianMs[variant] = timeReload(variant, request.reps);
      reply = { id: request.id, type: 'reload', medianMs };
    }
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready', ports } satisfies Reply);
}
