// `npm run bench`'s comparison: certbound serve, oidc-provider (two ways) and the guard beside a
// bare node:https floor, on the same certificates, with the same loader, in interleaved rounds.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BIN, runCliOk } from './cli.ts';
import type { CryptoRates } from './crypto-rates.ts';
import { makeFixture, type Fixture } from './fixture.ts';
import { keepAlive, newConnections, type LoadResult, type Target } from './load.ts';
import { mintTokens } from './mint.ts';
import { cpuSeconds, sampleRss } from './proc.ts';
import { limits, targets } from './ratios.ts';
import type { BenchResult, CliCost, Measurement, ServerResult } from './results.ts';
import { freePort, startAll, stopAll, tokenTarget, type Running } from './servers.ts';
import { HAS_TASKSET, pinSelf, startServer } from './spawn.ts';

/** How long and how hard. */
export interface Settings {
  readonly seconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly newConnectionConcurrency: number;
  /** Distinct tokens for the cold guard: more than the guard's verified-token cache (10 000), so cycling through them never hits it. */
  readonly tokenPool: number;
  /** Seconds of unrecorded load before each server's first timed run (JIT, caches, connections); 0 for none. */
  readonly warmup: number;
  /** Keep the temporary directory (data directory, every server's log) instead of removing it. */
  readonly keep: boolean;
  /** Progress lines go here (stderr by default). */
  readonly progress?: (line: string) => void;
}

type Mode = 'keepAlive' | 'newConnection';

interface Tally {
  results: LoadResult[];
  cpu: number;
}

function versionOf(pkg: string): string {
  const path = fileURLToPath(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

async function cryptoRates(fixture: Fixture, seconds: number): Promise<CryptoRates> {
  const script = fileURLToPath(new URL('./crypto-rates.ts', import.meta.url));
  const child = await startServer({ name: 'crypto rates', argv: [process.execPath, script, String(seconds)], cwd: fixture.home, readyPattern: /READY (\{.*\})\n/, logFile: `${fixture.home}/crypto.log`, timeoutMs: 60_000 });
  await child.stop();
  return JSON.parse(child.ready[1]!) as CryptoRates;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : 0;
};

function summarise(t: Tally | undefined): Measurement | null {
  if (!t || t.results.length === 0) return null;
  const ok = t.results.reduce((n, r) => n + r.ok, 0);
  const seconds = t.results.reduce((n, r) => n + r.seconds, 0);
  return {
    rps: ok / seconds,
    rounds: t.results.map((r) => r.rps),
    p50Ms: median(t.results.map((r) => r.p50Ms)),
    p99Ms: median(t.results.map((r) => r.p99Ms)),
    cpuUsPerRequest: ok ? (t.cpu * 1e6) / ok : 0,
    ok,
    failed: t.results.reduce((n, r) => n + r.failed, 0),
  };
}

/** Runs one load against one server, with its CPU and peak RSS. */
async function measure(s: Running, target: Target, mode: Mode, settings: Settings): Promise<{ result: LoadResult; cpu: number; peak: number }> {
  const sampler = sampleRss(s.process.pid);
  const before = cpuSeconds(s.process.pid);
  const result = mode === 'keepAlive' ? await keepAlive(target, settings.seconds, settings.connections) : await newConnections(target, settings.seconds, settings.newConnectionConcurrency);
  const cpu = cpuSeconds(s.process.pid) - before;
  return { result, cpu, peak: sampler.stop() };
}

/**
 * `serve --workers 2` against `--workers 1`, both on the PostgreSQL database of
 * BENCH_DATABASE_URL (more than one worker needs it) with a fixture of their own, unpinned: two
 * workers need both cores, which the loader shares (reported as such). Null without a database.
 */
async function workersRatio(settings: Settings, say: (line: string) => void): Promise<BenchResult['workers']> {
  const databaseUrl = process.env['BENCH_DATABASE_URL'];
  if (!databaseUrl) return null;
  const fixture = await makeFixture(databaseUrl);
  try {
    const rates: { keepAlive: number; newConnection: number }[] = [];
    for (const workers of [1, 2]) {
      const port = await freePort();
      const argv = [process.execPath, BIN, 'serve', '--dir', fixture.dataDir, ...fixture.storeArgs, '--port', String(port), '--no-admin', '--workers', String(workers)];
      const serve = await startServer({ name: `certbound serve --workers ${workers}`, argv, cwd: fixture.home, readyPattern: /Stop with Ctrl-C\./, logFile: `${fixture.home}/certbound-workers-${workers}.log`, cpus: null });
      try {
        const target = tokenTarget(fixture, port);
        if (settings.warmup > 0) await keepAlive(target, settings.warmup, settings.connections);
        const ka = await keepAlive(target, settings.seconds, settings.connections);
        const nc = await newConnections(target, settings.seconds, settings.newConnectionConcurrency);
        say(`PostgreSQL, --workers ${workers}: keep-alive ${Math.round(ka.rps)}/s, new connection ${Math.round(nc.rps)}/s`);
        rates.push({ keepAlive: ka.rps, newConnection: nc.rps });
      } finally {
        await serve.stop();
      }
    }
    return { keepAlive: rates[1]!.keepAlive / rates[0]!.keepAlive, newConnection: rates[1]!.newConnection / rates[0]!.newConnection };
  } finally {
    await rm(fixture.home, { recursive: true, force: true });
  }
}

/** Runs the whole comparison and returns its figures. */
export async function runComparison(settings: Settings): Promise<BenchResult> {
  const say = settings.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  pinSelf('1');
  const loadAtStart = loadavg()[0]!;
  const fixture = await makeFixture();
  try {
    const cli: CliCost[] = fixture.cliRuns.map(({ command, wallMs, maxRssBytes }) => ({ command, wallMs, maxRssBytes }));
    for (const args of [['serve', '--help'], ['partner', 'list', '--dir', fixture.dataDir]]) {
      const r = await runCliOk(args, fixture.home);
      cli.push({ command: r.command, wallMs: r.wallMs, maxRssBytes: r.maxRssBytes });
    }
    say('measuring node:crypto signature rates on the server core');
    const crypto = await cryptoRates(fixture, Math.min(1, settings.seconds));
    say('starting the servers');
    const { servers, certbound } = await startAll(fixture);
    const tallies = new Map<string, Tally>();
    const peaks = new Map<string, number>();
    let workers: BenchResult['workers'] = null;
    try {
      say(`minting ${settings.tokenPool} tokens for the cold guard`);
      const pool = await mintTokens(certbound.target, settings.tokenPool);
      let next = 0;
      const cold: Target = { ...servers.find((s) => s.id === 'guard-cold')!.target, authorization: () => `Bearer ${pool[next++ % pool.length]}` };
      const targetOf = (s: Running) => (s.id === 'guard-cold' ? cold : s.target);
      for (let round = 1; round <= settings.rounds; round++) {
        for (const mode of ['keepAlive', 'newConnection'] as const) {
          for (const s of servers) {
            // The first round warms each server up (JIT, caches, connections) before it is timed.
            if (round === 1 && settings.warmup > 0) await (mode === 'keepAlive' ? keepAlive(targetOf(s), settings.warmup, settings.connections) : newConnections(targetOf(s), settings.warmup / 2, settings.newConnectionConcurrency));
            const { result, cpu, peak } = await measure(s, targetOf(s), mode, settings);
            const key = `${s.id}/${mode}`;
            const tally = tallies.get(key) ?? { results: [], cpu: 0 };
            tally.results.push(result);
            tally.cpu += cpu;
            tallies.set(key, tally);
            peaks.set(s.id, Math.max(peaks.get(s.id) ?? 0, peak));
            say(`round ${round}: ${s.label}, ${mode === 'keepAlive' ? 'keep-alive' : 'new connection'}: ${Math.round(result.rps)}/s${result.failed ? ` (${result.failed} failed)` : ''}`);
          }
        }
      }
    } finally {
      await stopAll(servers);
    }
    const results: ServerResult[] = servers.map((s) => ({
      id: s.id,
      label: s.label,
      keepAlive: summarise(tallies.get(`${s.id}/keepAlive`)),
      newConnection: summarise(tallies.get(`${s.id}/newConnection`)),
      rssIdleBytes: s.rssIdleBytes,
      rssLoadBytes: peaks.get(s.id) ?? 0,
      verified: { ok: s.verified.ok, status: s.verified.status, ...(s.verified.alg ? { alg: s.verified.alg } : {}), ...(s.verified.cnfMatches !== undefined ? { cnfMatches: s.verified.cnfMatches } : {}) },
    }));
    workers = await workersRatio(settings, say);
    const lim = limits(results.find((r) => r.id === 'floor')?.keepAlive?.rps ?? 0, crypto);
    return {
      version: 1,
      date: new Date().toISOString(),
      machine: { cpus: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, memoryBytes: totalmem(), os: `${type()} ${release()}`, pinned: HAS_TASKSET, loadAverage: [loadAtStart, loadavg()[0]!] },
      versions: { node: process.version, openssl: process.versions.openssl ?? 'unknown', certbound: (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version, 'oidc-provider': versionOf('oidc-provider'), autocannon: versionOf('autocannon'), fastify: versionOf('fastify'), jose: versionOf('jose') },
      settings: { seconds: settings.seconds, rounds: settings.rounds, connections: settings.connections, newConnectionConcurrency: settings.newConnectionConcurrency, tokenPool: settings.tokenPool, warmup: settings.warmup },
      crypto,
      limits: lim,
      servers: results,
      cli,
      workers,
      targets: targets(results, lim, cli),
    };
  } finally {
    if (settings.keep) say(`kept ${fixture.home} (data directory and every server's log)`);
    else await rm(fixture.home, { recursive: true, force: true });
  }
}
