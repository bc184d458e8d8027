// `certbound gateway` and `certbound authz`, each measured in one run against a baseline beside it:
// Each pair is measured in alternating rounds, medians kept.
//   1. requests/s and p99 latency through the gateway in front of a floor upstream (a node:http
//      server answering a fixed body), against a bare reverse proxy on the same TLS settings,
//      the same undici pool and the same header handling, with no token check, no routes, no
//      identity headers, no metrics and no access log (warm tokens, keep-alive mTLS);
//   2. authz answers/s (nginx form, warm token, keep-alive from the proxy's address), against a
//      node:http server answering 200 with no check.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { startAuthz } from '../src/gateway/authz.ts';
import { startGateway } from '../src/gateway/gateway.ts';
import { DEFAULT_IDENTITY_HEADERS } from '../src/gateway/identity.ts';
import { upstreamHeaders } from '../src/gateway/request-headers.ts';
import { parseRoute } from '../src/gateway/routes.ts';
import { createUpstream } from '../src/gateway/upstream.ts';
import { TLS_POLICY } from '../src/transport/tls-policy.ts';
import { serverCredentials } from '../test/helpers/api.ts';
import { partnerCas } from '../test/helpers/gateway.ts';
import { send } from '../test/helpers/https.ts';
import { API, authority, credentials, startWorld } from '../test/helpers/world.ts';
import { CONNECTIONS, report, SECONDS } from './measure.ts';

/** One measurement: operations per second, p99 latency (ms), and this process's CPU time per operation (µs). */
interface Measurement {
  readonly rate: number;
  readonly p99: number;
  readonly cpu: number;
}

/**
 * Runs `op` in `concurrency` loops for `seconds`. Everything (client, proxy, upstream) runs on
 * this one thread, so CPU time per operation is the cost that bounds throughput — and it is far
 * less disturbed than the rate by other processes on a shared machine.
 */
async function measure(op: () => Promise<unknown>, seconds: number, concurrency: number): Promise<Measurement> {
  const end = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  const loop = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await op();
      latencies.push(performance.now() - t);
    }
  };
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const used = process.cpuUsage(cpu);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((x, y) => x - y);
  return { rate: latencies.length / elapsed, p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN, cpu: (used.user + used.system) / latencies.length };
}

// Short alternating rounds: on a shared machine, a burst of someone else's load then hits both sides alike.
const ROUNDS = 9;
const ROUND_SECONDS = Math.max(SECONDS / 3, 0.5);
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** Measures `subject` and `baseline` in ROUNDS alternating rounds and keeps the median of each figure. */
async function sideBySide(subject: () => Promise<unknown>, baseline: () => Promise<unknown>): Promise<{ subject: Measurement; baseline: Measurement }> {
  const runs: { subject: Measurement[]; baseline: Measurement[] } = { subject: [], baseline: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['baseline', 'subject'] as const) : (['subject', 'baseline'] as const);
    for (const which of order) runs[which].push(await measure(which === 'subject' ? subject : baseline, ROUND_SECONDS, CONNECTIONS));
  }
  const summary = (r: Measurement[]): Measurement => ({ rate: median(r.map((x) => x.rate)), p99: median(r.map((x) => x.p99)), cpu: median(r.map((x) => x.cpu)) });
  return { subject: summary(runs.subject), baseline: summary(runs.baseline) };
}

/** Prints a figure where lower is better beside its baseline, with their ratio. */
function reportCost(name: string, value: number, unit: string, baselineName: string, baseline: number): void {
  const fmt = (n: number) => n.toFixed(2).padStart(8);
  console.log(`${name.padEnd(46)} ${fmt(value)}${unit.padEnd(4)} ${baselineName.padEnd(34)} ${fmt(baseline)}${unit.padEnd(4)} ratio ${(value / baseline).toFixed(2)}`);
}

function listen<S extends { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }>(server: S): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

const h = await startWorld();
const a = await credentials('acme-a');
const platformCa = (await authority('platform')).certPem;
const cas = await partnerCas();
const body = JSON.stringify({ orders: [] });
const floor = createHttpServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
});
const floorUrl = `http://127.0.0.1:${await listen(floor)}`;
const tls = await serverCredentials();
// The access log as in production: pino, asynchronous writes (here to /dev/null).
const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
const gateway = await startGateway({
  guard: { issuer: h.issuer, ca: platformCa, audience: API.acmeOrders },
  tls: { cert: tls.cert, key: tls.key, clientCa: cas.bundle },
  port: 0,
  upstream: { url: floorUrl },
  policy: { routes: ['GET /orders=orders:read', 'GET /orders/*=orders:read'].map(parseRoute), fallback: 'deny' },
  partners: cas.map,
  logger,
});

// The bare proxy: the same forward, no decision.
const bareUpstream = createUpstream({ url: floorUrl });
const forwarding = { identityNames: DEFAULT_IDENTITY_HEADERS, forwardAuthorization: false, forwarded: 'x-forwarded' } as const;
// The gateway's listener settings, so that only the decision differs.
const limits = { handshakeTimeout: 10_000, headersTimeout: 10_000, requestTimeout: 300_000, keepAliveTimeout: 30_000, connectionsCheckingInterval: 1_000 };
const bare = createHttpsServer({ ...TLS_POLICY, cert: tls.cert, key: tls.key, ca: cas.bundle, requestCert: true, rejectUnauthorized: false, ...limits }, (req: IncomingMessage, res: ServerResponse) => {
  void (async () => {
    // Forwarded from the next turn of the event loop: of the three dispatches tried (in the
    // 'request' event, from a microtask, from setImmediate) this one gave the bare proxy the
    // highest rate here, so the ratio never flatters the gateway.
    await new Promise((resolve) => setImmediate(resolve));
    const headers = upstreamHeaders(req.rawHeaders, { peer: req.socket.remoteAddress, peerTrusted: false, proto: 'https' }, [], forwarding);
    await bareUpstream.forward(req, res, req.url!, headers).catch(() => res.writeHead(502).end());
  })();
});
const barePort = await listen(bare);

const authz = await startAuthz({
  guard: { issuer: h.issuer, ca: platformCa, audience: API.acmeOrders, certificateSource: { from: 'proxy', format: 'nginx', trustedProxies: ['127.0.0.2'] } },
  form: 'nginx',
  port: 0,
  policy: { routes: [parseRoute('GET /orders=orders:read')], fallback: 'deny' },
  partners: cas.map,
  logger,
});
const plainAnswer = createHttpServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-length': '0' }).end();
});
const plainPort = await listen(plainAnswer);

try {
  const res = await send(`${h.issuer}/token`, { ca: platformCa, identity: a, form: { grant_type: 'client_credentials', client_id: 'acme-a' } });
  const token = String(res.json?.['access_token']);
  const mtls = new Agent({ connections: CONNECTIONS, connect: { cert: a.cert, key: a.key, ca: platformCa, servername: 'localhost' } });
  const get = (port: number) => {
    const url = `https://127.0.0.1:${port}/orders`;
    const headers = { host: 'localhost', authorization: `Bearer ${token}` };
    return async () => {
      const r = await request(url, { headers, dispatcher: mtls });
      if (r.statusCode !== 200) throw new Error(`answered ${r.statusCode}: ${await r.body.text()}`);
      await r.body.dump();
    };
  };
  const viaGateway = get(gateway.port);
  const viaBare = get(barePort);
  await measure(viaGateway, 2, CONNECTIONS); // warm-up: JWKS, JIT, both pools
  await measure(viaBare, 2, CONNECTIONS);
  const { subject: checked, baseline } = await sideBySide(viaGateway, viaBare);
  report('gateway GET /orders (mTLS keep-alive, warm token)', checked.rate, 'bare reverse proxy, same pool', baseline.rate);
  reportCost('  p99 latency', checked.p99, 'ms', 'bare reverse proxy', baseline.p99);
  reportCost('  CPU per request (client+proxy+upstream)', checked.cpu, 'µs', 'bare reverse proxy', baseline.cpu);
  await mtls.close();

  // authz as nginx asks it: from nginx's address, certificate header, original method and URI.
  const fromProxy = new Agent({ connections: CONNECTIONS, localAddress: '127.0.0.2' });
  const proxyHeaders = { authorization: `Bearer ${token}`, 'ssl-client-cert': encodeURIComponent(a.cert), 'x-original-method': 'GET', 'x-original-uri': '/orders' };
  const ask = (port: number) => async () => {
    const r = await request(`http://127.0.0.1:${port}/auth`, { headers: proxyHeaders, dispatcher: fromProxy });
    if (r.statusCode !== 200) throw new Error(`answered ${r.statusCode}: ${await r.body.text()}`);
    await r.body.dump();
  };
  await measure(ask(authz.port), 0.5, CONNECTIONS);
  await measure(ask(plainPort), 0.5, CONNECTIONS);
  const answers = await sideBySide(ask(authz.port), ask(plainPort));
  report('authz answers (nginx form, warm token)', answers.subject.rate, 'node:http answering 200, no check', answers.baseline.rate);
  reportCost('  CPU per answer (client+server)', answers.subject.cpu, 'µs', 'node:http answering 200', answers.baseline.cpu);
  await fromProxy.close();
} finally {
  await gateway.close();
  await authz.close();
  await bareUpstream.close();
  bare.closeAllConnections();
  bare.close();
  floor.closeAllConnections();
  floor.close();
  plainAnswer.closeAllConnections();
  plainAnswer.close();
  await h.close();
}
