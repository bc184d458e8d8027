// certbound side by side with oidc-provider and a bare mTLS floor (issue 11 §2–3): prints the
// table and every target, and writes the figures as JSON.
//
//   node bench/compare.ts [--json bench/results/latest.json] [--no-json]
//   BENCH_SECONDS (default 5) per measurement, BENCH_ROUNDS (default 2) interleaved rounds,
//   BENCH_TOKEN_POOL (default 15000) distinct tokens for the cold guard, BENCH_WARMUP (default 1)
//   seconds of untimed load per server first, BENCH_CONNECTIONS (default 32) keep-alive
//   connections, BENCH_NEW_CONNECTIONS (default 16) concurrent new-connection loops; BENCH_KEEP=1
//   keeps the temporary directory (data directory, server logs).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runComparison } from './compare/run.ts';
import { formatReport } from './compare/table.ts';

const { values } = parseArgs({ options: { json: { type: 'string' }, 'no-json': { type: 'boolean', default: false } } });

function positive(name: string, fallback: number, zero = false): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zero)) throw new TypeError(`${name}: a positive number, got '${raw}'`);
  return n;
}

const result = await runComparison({
  seconds: positive('BENCH_SECONDS', 5),
  rounds: Math.round(positive('BENCH_ROUNDS', 2)),
  connections: Math.round(positive('BENCH_CONNECTIONS', 32)),
  newConnectionConcurrency: Math.round(positive('BENCH_NEW_CONNECTIONS', 16)),
  tokenPool: Math.round(positive('BENCH_TOKEN_POOL', 15_000)),
  warmup: positive('BENCH_WARMUP', 1, true),
  keep: process.env['BENCH_KEEP'] === '1',
});
console.log(formatReport(result));
if (!values['no-json']) {
  const path = values.json ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nfigures written to ${path}`);
}
