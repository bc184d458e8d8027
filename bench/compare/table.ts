// The comparison as text: one row per server and load, then every target met or missed. Pure.
import type { BenchResult, Measurement, Target } from './results.ts';

const MB = 1024 * 1024;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

function range(m: Measurement): string {
  if (m.rounds.length < 2) return '';
  return `${int(Math.min(...m.rounds))}–${int(Math.max(...m.rounds))}`;
}

function fmtTarget(t: Target): string {
  // Three decimals where two would round onto the bound and hide which side of it the value is.
  const digits = t.value !== null && Math.abs(t.value - t.target) < 0.01 ? 3 : 2;
  const value = t.value === null ? 'n/a' : t.unit === 'x' ? `${t.value.toFixed(digits)}×` : `${t.value.toFixed(0)} ${t.unit}`;
  const bound = t.unit === 'x' ? `${t.target}×` : `${t.target} ${t.unit}`;
  const verdict = t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED';
  return `  ${verdict.padEnd(6)} ${t.description}: ${value} (target ${t.comparison} ${bound})${t.note ? ` — ${t.note}` : ''}`;
}

/** The whole report as printed by `npm run bench`. */
export function formatReport(r: BenchResult): string {
  const widths = [58, 7, 13, 7, 7, 10, 9, 9];
  const lines: string[] = [];
  lines.push(`certbound vs oidc-provider — ${r.date}, ${r.machine.cpus} (${r.machine.cores} cores), node ${r.versions['node']}`);
  lines.push(`${r.settings.seconds}s per measurement, ${r.settings.rounds} interleaved round(s), ${r.settings.connections} keep-alive connections, ${r.settings.newConnectionConcurrency} concurrent new connections; server ${r.machine.pinned ? 'pinned to core 0, loader to core 1' : 'NOT pinned (no taskset)'}; load average ${r.machine.loadAverage.map((l) => l.toFixed(1)).join(' → ')}`);
  lines.push('');
  lines.push(row(['server / load', 'req/s', 'range', 'p50 ms', 'p99 ms', 'CPU µs/req', 'RSS idle', 'RSS load'], widths));
  for (const s of r.servers) {
    for (const [kind, m] of [['keep-alive', s.keepAlive], ['new conn.', s.newConnection]] as const) {
      if (!m) continue;
      const mem = kind === 'keep-alive' ? [`${(s.rssIdleBytes / MB).toFixed(0)} MB`, `${(s.rssLoadBytes / MB).toFixed(0)} MB`] : ['', ''];
      lines.push(row([`${s.label}, ${kind}${m.failed ? ` (${m.failed} FAILED)` : ''}`, int(m.rps), range(m), ms(m.p50Ms), ms(m.p99Ms), int(m.cpuUsPerRequest), ...mem], widths));
    }
  }
  lines.push('');
  const c = r.crypto;
  lines.push(`node:crypto on the server core: ES256 sign ${int(c.es256Sign)}/s, verify ${int(c.es256Verify)}/s; EdDSA (Ed25519) sign ${int(c.ed25519Sign)}/s, verify ${int(c.ed25519Verify)}/s (EdDSA/ES256 sign ${(c.ed25519Sign / c.es256Sign).toFixed(2)}×, verify ${(c.ed25519Verify / c.es256Verify).toFixed(2)}×)`);
  lines.push(`limits from this run: 1/(1/floor + 1/sign) = ${int(r.limits.floorPlusSign)}/s, 1/(1/floor + 1/verify) = ${int(r.limits.floorPlusVerify)}/s`);
  // The floor's req/s is often the loader's limit, not the server's: the same limits from the
  // floor's server CPU per request say what one server core could do.
  const floorCpu = r.servers.find((s) => s.id === 'floor')?.keepAlive?.cpuUsPerRequest;
  if (floorCpu) {
    const perCore = (op: number) => int(1e6 / (floorCpu + 1e6 / op));
    lines.push(`the same from server CPU (floor ${int(floorCpu)} µs/req): ${perCore(c.es256Sign)}/s with a signature, ${perCore(c.es256Verify)}/s with a verification, per core`);
  }
  lines.push(r.workers ? `certbound serve --workers 2 vs 1, on PostgreSQL (loader shares the cores): keep-alive ${r.workers.keepAlive.toFixed(2)}×, new connection ${r.workers.newConnection.toFixed(2)}×` : 'certbound serve --workers 2 vs 1: n/a (more than one worker needs PostgreSQL: set BENCH_DATABASE_URL)');
  lines.push('');
  lines.push('CLI on the embedded store (wall, peak RSS):');
  const short = (c: string) => (c.length > 64 ? `${c.slice(0, 63)}…` : c);
  for (const cmd of r.cli) lines.push(`  ${short(cmd.command).padEnd(64)} ${ms(cmd.wallMs).padStart(7)} ms  ${cmd.maxRssBytes === null ? 'n/a' : `${(cmd.maxRssBytes / MB).toFixed(0)} MB`}`);
  lines.push('');
  lines.push('Targets (issue 11 §3):');
  for (const t of r.targets) lines.push(fmtTarget(t));
  return lines.join('\n');
}
