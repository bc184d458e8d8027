// `npm run soak`: a bounded soak of a real token service and a guarded API (bench/soak-server.ts,
// a child process on 127.0.0.1), driven by many clients with their own certificates and, at the
// same time, an attacker (bench/soak-traffic.ts). Every request must get exactly its expected
// answer; the server process's file descriptors must come back to where they started.
//
//   node bench/soak.ts [--duration 10m] [--clients 32] [--concurrency 12] [--json summary.json]
//                      [--max-requests 5000000] [--settle 45] [--fd-margin 16] [--keep-alive 30]
//
// --keep-alive: the token service's idle keep-alive timeout in seconds (default 30, as in production).
// The guards' connections to it close only when it expires, so the file-descriptor settle waits that
// long; a bounded run (the test) shortens it.
//
// Exit code: 0 when every outcome was the expected one and file descriptors settled; 1 otherwise;
// 2 when the run did not finish in time or the servers failed.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Agent } from 'undici';
import { agentFor, forge } from './soak-http.ts';
import type { FromServer, ProcessStats, SoakWorld, ToServer } from './soak-protocol.ts';
import { kindTable, Tally } from './soak-stats.ts';
import { attackLoop, KINDS, legitLoop, Loot, type Traffic } from './soak-traffic.ts';

/** Parses `90`, `90s`, `10m`, `1h` into seconds. */
function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!m) throw new TypeError(`--duration: expected e.g. 60s or 10m, got '${text}'`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

function positive(name: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new TypeError(`--${name}: a whole number from 1 to ${max}`);
  return n;
}

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10m' },
    clients: { type: 'string', default: '32' },
    concurrency: { type: 'string', default: '12' },
    json: { type: 'string' },
    'max-requests': { type: 'string', default: '5000000' },
    settle: { type: 'string', default: '45' },
    'fd-margin': { type: 'string', default: '16' },
    'keep-alive': { type: 'string', default: '30' },
  },
});
const seconds = parseDuration(args.duration);
const clientCount = Math.max(2, positive('clients', args.clients, 200));
const concurrency = Math.max(2, positive('concurrency', args.concurrency, 64));
const maxRequests = positive('max-requests', args['max-requests'], 100_000_000);
const settleSeconds = positive('settle', args.settle, 300);
const fdMargin = positive('fd-margin', args['fd-margin'], 10_000);
const keepAliveSeconds = positive('keep-alive', args['keep-alive'], 300);

/** The server process and a request/answer over its IPC channel. */
function serverProcess(): { child: ChildProcess; ready: Promise<SoakWorld>; stats(collect: boolean, reset?: boolean): Promise<ProcessStats> } {
  // --expose-gc: the start and end figures are taken after a full collection, so they compare.
  const child = fork(new URL('./soak-server.ts', import.meta.url), [String(clientCount), String(keepAliveSeconds)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, (stats: ProcessStats) => void>();
  let nextId = 0;
  const ready = new Promise<SoakWorld>((resolve, reject) => {
    child.on('message', (message: FromServer) => {
      if (message.type === 'ready') resolve(message.world);
      else if (message.type === 'failed') reject(new Error(`the servers failed to start: ${message.message}`));
      else waiting.get(message.id)?.(message.stats);
    });
    child.on('exit', (code) => reject(new Error(`the server process exited (${code})`)));
  });
  const stats = (collect: boolean, reset = false) =>
    new Promise<ProcessStats>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error('the server process did not report its resource use')), 30_000);
      waiting.set(id, (s) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(s);
      });
      child.send({ type: 'stats', id, collect, reset } satisfies ToServer);
    });
  return { child, ready, stats };
}

/** Open descriptors other than the data directory's files; null without /proc. */
const outsideData = (s: ProcessStats): number | null => (s.fds === null ? null : s.fds - (s.fdKinds?.['data'] ?? 0));

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

async function main(): Promise<number> {
  const server = serverProcess();
  // Bounded whatever happens: a run that hangs is killed and fails.
  const watchdog = setTimeout(() => {
    console.error(`soak: not finished ${seconds + settleSeconds + 180} s after starting; stopping`);
    server.child.kill('SIGKILL');
    process.exit(2);
  }, (seconds + settleSeconds + 180) * 1000);
  watchdog.unref();
  const setupStart = performance.now();
  const world = await server.ready;
  const tally = new Tally();
  for (const [kind, side, expected] of KINDS) tally.declare(kind, side, expected);
  const agents = world.clients.map((c) => agentFor(world.ca, c));
  const victims = [0, 1];
  const forgeries = (await Promise.all(victims.map(async (victim) => (await forge(world.clients[victim]!)).map((forgery) => ({ forgery, victim })))))
    .flat()
    .map((f) => ({ ...f, agent: agentFor(world.ca, f.forgery) }));
  const anonymous = agentFor(world.ca);
  const allAgents: Agent[] = [...agents, anonymous, ...forgeries.map((f) => f.agent)];

  // The event-loop delay is measured from here: set-up (key generation, migrations) is not the soak.
  const start = await server.stats(true, true);
  const startedAt = new Date();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let requests = 0;
  const traffic: Traffic = {
    world,
    loot: new Loot(),
    tally,
    agents,
    anonymous,
    forgeries,
    take: () => performance.now() < deadline && requests++ < maxRequests,
    running: () => performance.now() < deadline && requests < maxRequests,
  };
  const legitLoops = Math.ceil((concurrency * 2) / 3);
  const attackLoops = concurrency - legitLoops;
  console.log(
    `soak: ${seconds}s, ${world.clients.length} clients of ${new Set(world.clients.map((c) => c.partnerId)).size} partners, ` +
      `${legitLoops} client and ${attackLoops} attacker loops; token service ${world.issuer}, API ${world.api}; ` +
      `set up in ${((performance.now() - setupStart) / 1000).toFixed(1)}s; server process rss ${mb(start.rssBytes)} MB, ${start.fds ?? '?'} fds`,
  );
  const samples: (ProcessStats & { atSeconds: number })[] = [];
  const sampleMs = Math.max(5_000, (seconds * 1000) / 60);
  // Each sample after a full collection: the heap's trend is then its live size, not where GC happened to be.
  const sampler = setInterval(() => {
    server.stats(true).then((s) => samples.push({ ...s, atSeconds: Math.round((performance.now() - t0) / 1000) }), () => {});
  }, sampleMs);
  await Promise.all([
    ...Array.from({ length: legitLoops }, (_, i) => legitLoop(traffic, i, legitLoops)),
    ...Array.from({ length: attackLoops }, (_, i) => attackLoop(traffic, i * 5)),
  ]);
  clearInterval(sampler);
  const elapsed = (performance.now() - t0) / 1000;
  const underLoad = await server.stats(false);
  await Promise.all(allAgents.map((a) => a.close()));

  // Settle: the servers see the clients' connections close, and the guards' keep-alive connections
  // to the token service time out (undici follows the token service's keep-alive hint, --keep-alive).
  // Waits for all of them to close (not merely to fall within the margin), so the figure reported is settled.
  const settleUntil = performance.now() + settleSeconds * 1000;
  while ((outsideData(await server.stats(false)) ?? 0) > (outsideData(start) ?? 0) && performance.now() < settleUntil) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const end = await server.stats(true);
  server.child.send({ type: 'stop' } satisfies ToServer);
  // The grace timer is unref'd: once the server has exited, nothing else may keep this process waiting.
  await Promise.race([once(server.child, 'exit'), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
  clearTimeout(watchdog);

  const kinds = tally.summary();
  const sideTotals = (side: 'legit' | 'attack') => {
    const of = Object.values(kinds).filter((k) => k.side === side);
    return { requests: of.reduce((n, k) => n + k.requests, 0), unexpected: of.reduce((n, k) => n + k.unexpected, 0) };
  };
  const legit = sideTotals('legit');
  const attack = sideTotals('attack');
  const fdGrowth = start.fds === null || end.fds === null ? null : end.fds - start.fds;
  const [startOutside, endOutside] = [outsideData(start), outsideData(end)];
  // The embedded database's files are opened once per table and index, and stay open: not a leak.
  const fdLeak = startOutside === null || endOutside === null ? null : endOutside - startOutside;
  const peak = { rssBytes: Math.max(start.rssBytes, end.rssBytes, ...samples.map((s) => s.rssBytes)), fds: Math.max(start.fds ?? 0, end.fds ?? 0, ...samples.map((s) => s.fds ?? 0)) };
  const unexercised = Object.entries(kinds).filter(([, k]) => k.requests === 0).map(([kind]) => kind);
  const failures = [
    ...(legit.unexpected > 0 ? [`${legit.unexpected} legitimate requests did not get their expected answer`] : []),
    ...(attack.unexpected > 0 ? [`${attack.unexpected} attacker requests did not get exactly the expected refusal`] : []),
    ...(legit.requests === 0 ? ['no legitimate request was made'] : []),
    ...(attack.requests === 0 ? ['no attacker request was made'] : []),
    ...(fdLeak !== null && fdLeak > fdMargin ? [`the server process holds ${fdLeak} more file descriptors (besides its database files) than at the start (margin ${fdMargin})`] : []),
  ];
  const summary = {
    ok: failures.length === 0,
    failures,
    startedAt: startedAt.toISOString(),
    node: process.version,
    options: { durationSeconds: seconds, clients: world.clients.length, concurrency, legitLoops, attackLoops, maxRequests, settleSeconds, fdMargin, keepAliveSeconds },
    elapsedSeconds: Math.round(elapsed * 10) / 10,
    unexercised,
    totals: { legit, attack, requestsPerSecond: Math.round((legit.requests + attack.requests) / elapsed) },
    kinds,
    server: { start, end, peak, eventLoopDelayMs: underLoad.eventLoopDelayMs, cpuSeconds: Math.round((underLoad.cpuSeconds - start.cpuSeconds) * 10) / 10, fdGrowth, fdGrowthOutsideData: fdLeak, rssGrowthBytes: end.rssBytes - start.rssBytes, samples },
  };
  console.log(`\n${kindTable(kinds)}\n`);
  console.log(
    `legit: ${legit.requests} requests, ${legit.unexpected} unexpected; attack: ${attack.requests} requests, ${attack.unexpected} not refused as expected; ` +
      `${summary.totals.requestsPerSecond} requests/s over ${summary.elapsedSeconds}s`,
  );
  console.log(
    `server process: rss ${mb(start.rssBytes)} → ${mb(end.rssBytes)} MB (peak ${mb(peak.rssBytes)}), heap ${mb(start.heapUsedBytes)} → ${mb(end.heapUsedBytes)} MB, ` +
      `fds ${start.fds ?? '?'} → ${end.fds ?? '?'} (peak ${peak.fds}; change ${fdGrowth ?? '?'}, ${fdLeak ?? '?'} besides database files; ` +
      `${JSON.stringify(start.fdKinds)} → ${JSON.stringify(end.fdKinds)})`,
  );
  if (unexercised.length > 0) console.log(`not exercised (run too short or budget too small): ${unexercised.join(', ')}`);
  const delay = underLoad.eventLoopDelayMs;
  console.log(
    `server process under load: event loop delay p50 ${delay.p50} ms, p99 ${delay.p99} ms, max ${delay.max} ms; ` +
      `${summary.server.cpuSeconds} s of CPU in ${summary.elapsedSeconds} s`,
  );
  console.log(summary.ok ? 'soak: OK' : `soak: FAILED\n  ${failures.join('\n  ')}`);
  if (args.json) await writeFile(args.json, `${JSON.stringify(summary, null, 2)}\n`);
  return summary.ok ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.error(`soak: ${err instanceof Error ? err.message : String(err)}`);
  // Not waiting for open agents or the child: it stops and removes its data directory when the channel closes.
  process.exit(2);
}
