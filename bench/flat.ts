// `npm run bench:flat`: does certbound stay as fast with 100,000 registered clients and 1,000
// partners as with 10 and 1? (issue 11 §3: token rate and p99 within 10 % across the range, and
// start-up time with 100,000 clients). Each size is a data directory made like the comparison's
// (a real client through the CLI), plus partners with their own CAs and tls_client_auth clients
// added in one transaction; `certbound serve` runs on it as users run it (--ca-names roots: with
// 1,000 partner CAs the full list would not fit a TLS handshake), pinned to core 0, and the
// loader measures /token keep-alive from core 1. Ratios are against the smallest size.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { addPartner } from '../src/admin/partners.ts';
import { openStore } from '../src/storage/open.ts';
import { BIN } from './compare/cli.ts';
import { CLIENT_ID, makeFixture, PARTNER_ID, type Fixture } from './compare/fixture.ts';
import { keepAlive } from './compare/load.ts';
import { cpuSeconds, memory } from './compare/proc.ts';
import { freePort, tokenTarget } from './compare/servers.ts';
import { pinSelf, startServer } from './compare/spawn.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
/** Clients and partners per size; FLAT_MAX_CLIENTS caps the range (for a quick look). */
const ALL_SIZES: readonly (readonly [clients: number, partners: number])[] = [
  [10, 1],
  [1_000, 10],
  [10_000, 100],
  [100_000, 1_000],
];
const SIZES = ALL_SIZES.filter(([clients]) => clients <= Number(process.env['FLAT_MAX_CLIENTS'] ?? Infinity));

/** Adds partners (each with a CA certbound creates) and clients spread over them, up to the given counts. */
async function populate(fixture: Fixture, clients: number, partners: number): Promise<void> {
  const store = await openStore(fixture.dataDir);
  try {
    // The fixture has one partner and one client already.
    for (let p = 1; p < partners; p++) await addPartner(store, `partner-${p}`);
    const ids = Array.from({ length: partners }, (_, p) => (p === 0 ? PARTNER_ID : `partner-${p}`));
    await store.transaction(async (tx) => {
      for (let c = 1; c < clients; c++) {
        const partnerId = ids[c % partners]!;
        await tx.addClient({
          id: `client-${c}`,
          partnerId,
          authMethod: 'tls_client_auth',
          subject: { kind: 'subject_dn', value: `CN=client-${c},O=${partnerId}` },
          secretHash: null,
          scopes: [],
          resources: [],
          introspects: [],
          tokenTtl: 600,
          boundTokens: true,
        });
      }
    });
  } finally {
    await store.close();
  }
}

interface Row {
  readonly clients: number;
  readonly partners: number;
  readonly startMs: number;
  readonly rps: number;
  readonly p99Ms: number;
  readonly cpuUsPerToken: number;
  readonly rssMb: number;
}

async function measure(clients: number, partners: number): Promise<Row> {
  const fixture = await makeFixture();
  try {
    await populate(fixture, clients, partners);
    const port = await freePort();
    const started = performance.now();
    const server = await startServer({
      name: `certbound (${clients} clients)`,
      argv: [process.execPath, BIN, 'serve', '--dir', fixture.dataDir, '--port', String(port), '--no-admin', '--ca-names', 'roots'],
      cwd: fixture.home,
      readyPattern: /Stop with Ctrl-C/,
      logFile: join(fixture.home, 'serve.log'),
      timeoutMs: 300_000,
    });
    const startMs = performance.now() - started;
    try {
      const target = tokenTarget(fixture, port);
      // Warm-up: JIT, connections, and the start-up's tail (the first expiry check, the first GCs of a large registry).
      await keepAlive(target, 3);
      const cpu = cpuSeconds(server.pid);
      const load = await keepAlive(target, SECONDS);
      if (load.failed > 0) throw new Error(`${load.failed} token requests failed with ${clients} clients`);
      return {
        clients,
        partners,
        startMs,
        rps: load.rps,
        p99Ms: load.p99Ms,
        cpuUsPerToken: ((cpuSeconds(server.pid) - cpu) / load.ok) * 1e6,
        rssMb: memory(server.pid).rss / 2 ** 20,
      };
    } finally {
      await server.stop();
    }
  } finally {
    await rm(fixture.home, { recursive: true, force: true });
  }
}

pinSelf('1');
console.log(`certbound flatness: /token keep-alive (32 connections, ${SECONDS} s) as registered clients and partners grow; ${CLIENT_ID} asks\n`);
const rows: Row[] = [];
for (const [clients, partners] of SIZES) rows.push(await measure(clients, partners));
const base = rows[0]!;
const pct = (v: number, b: number) => `${v >= b ? '+' : ''}${(((v - b) / b) * 100).toFixed(1)} %`;
console.log('clients  partners  start-up   tokens/s  (vs first)  p99 ms  (vs first)  CPU µs/token  (vs first)  RSS MB');
for (const r of rows) {
  console.log(
    `${String(r.clients).padStart(7)}  ${String(r.partners).padStart(8)}  ${(r.startMs / 1000).toFixed(2).padStart(6)} s  ${r.rps.toFixed(0).padStart(9)}  ${pct(r.rps, base.rps).padStart(10)}  ${r.p99Ms.toFixed(0).padStart(6)}  ${pct(r.p99Ms, base.p99Ms).padStart(10)}  ${r.cpuUsPerToken.toFixed(0).padStart(12)}  ${pct(r.cpuUsPerToken, base.cpuUsPerToken).padStart(10)}  ${r.rssMb.toFixed(0).padStart(6)}`,
  );
}
const worstCpu = Math.max(...rows.map((r) => Math.abs(r.cpuUsPerToken - base.cpuUsPerToken) / base.cpuUsPerToken));
console.log(`\nflat within 10 % (CPU per token, the steadier figure on a shared machine): ${worstCpu <= 0.1 ? 'met' : 'missed'} (largest change ${(worstCpu * 100).toFixed(1)} %)`);
