// The two loads of the comparison, both from this process (pinned to core 1 when taskset exists):
// keep-alive (autocannon, 32 mTLS connections) and a new TLS connection per request (a
// `tls.connect` loop at fixed concurrency; autocannon's reconnectRate records no responses over
// TLS). Both count only 2xx answers as served, and report latency percentiles in milliseconds.
import autocannon from 'autocannon';
import { connect } from 'node:tls';

/** Where and how the loader reaches a server. */
export interface Target {
  readonly port: number;
  readonly method: 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The client certificate (with its chain), key and the CA of the server certificate. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  /** A different Authorization header per request (a new token each time), when given. */
  readonly authorization?: () => string;
}

/** One measurement. */
export interface LoadResult {
  /** 2xx answers per second. */
  readonly rps: number;
  readonly ok: number;
  /** Answers other than 2xx, errors and timeouts: must be 0 for the figure to count. */
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly seconds: number;
}

/** Keep-alive: autocannon with `connections` mTLS connections for `seconds`. */
export async function keepAlive(target: Target, seconds: number, connections = 32): Promise<LoadResult> {
  // autocannon adds content-length itself (a second one makes every request fail).
  const headers = { ...target.headers };
  const next = target.authorization;
  const result = await autocannon({
    url: `https://127.0.0.1:${target.port}`,
    connections,
    pipelining: 1,
    duration: seconds,
    // autocannon checks for the end of the run once per sample: sample often enough that a short run ends on time.
    sampleInt: Math.min(1000, Math.max(100, (seconds * 1000) / 4)),
    servername: 'localhost',
    timeout: 30,
    tlsOptions: { cert: target.cert, key: target.key, ca: target.ca },
    requests: [
      {
        method: target.method,
        path: target.path,
        headers,
        body: target.body,
        ...(next ? { setupRequest: (request: Record<string, unknown>) => ({ ...request, headers: { ...headers, authorization: next() } }) } : {}),
      },
    ],
  });
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    seconds: result.duration,
  };
}

/** One request on a fresh TLS connection (full handshake, no session resumption); resolves with the status. */
function oneRequest(target: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: target.port, servername: 'localhost', cert: target.cert, key: target.key, ca: target.ca });
    const headers = { ...target.headers, ...(target.authorization ? { authorization: target.authorization() } : {}), host: `localhost:${target.port}`, 'content-length': String(Buffer.byteLength(target.body)), connection: 'close' };
    const head = `${target.method} ${target.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
    let answer = '';
    socket.setEncoding('utf8');
    // No half-close: the server ends the connection after answering (Connection: close).
    socket.once('secureConnect', () => socket.write(head + target.body));
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.once('error', reject);
    // A server that never closes would stall its loop for the rest of the run: counted as failed.
    socket.setTimeout(30_000, () => socket.destroy(new Error('timeout')));
    socket.once('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** New connection per request: `concurrency` loops of connect + request + close for `seconds`. */
export async function newConnections(target: Target, seconds: number, concurrency = 32): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const status = await oneRequest(target).catch(() => 0);
      if (status >= 200 && status < 300) latencies.push(performance.now() - t0);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, ok: latencies.length, failed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), seconds: elapsed };
}
