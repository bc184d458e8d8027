// The shape of one comparison run, as printed and as written to bench/results/latest.json.
import type { CryptoRates } from './crypto-rates.ts';

/** One server under one load, over every round. */
export interface Measurement {
  /** 2xx answers per second over all rounds (answers / seconds). */
  readonly rps: number;
  /** requests/s of each round, in order. */
  readonly rounds: readonly number[];
  /** Median over the rounds of each round's percentile, in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU (user + system, every process of the server) per 2xx answer, in µs. */
  readonly cpuUsPerRequest: number;
  readonly ok: number;
  /** Non-2xx answers, errors and timeouts: anything but 0 makes the figure suspect. */
  readonly failed: number;
}

/** One server of the comparison. */
export interface ServerResult {
  readonly id: string;
  readonly label: string;
  readonly keepAlive: Measurement | null;
  readonly newConnection: Measurement | null;
  /** RSS of the process tree once ready and checked, before any load (bytes). */
  readonly rssIdleBytes: number;
  /** Largest RSS sampled (every 100 ms) under either load (bytes). */
  readonly rssLoadBytes: number;
  /** The check made before timing (token bound to the client certificate, or a 200). */
  readonly verified: { readonly ok: boolean; readonly status: number; readonly alg?: string; readonly cnfMatches?: boolean };
}

/** One CLI command's cost. */
export interface CliCost {
  readonly command: string;
  readonly wallMs: number;
  readonly maxRssBytes: number | null;
}

/** A §3 target of issue 11: the ratio measured, the bound, and whether it was met. */
export interface Target {
  readonly id: string;
  readonly description: string;
  /** null when this run could not measure it. */
  readonly value: number | null;
  readonly comparison: '>=' | '<=';
  readonly target: number;
  readonly unit: 'x' | 'MB' | 'ms';
  readonly met: boolean | null;
  readonly note?: string;
}

export interface BenchResult {
  readonly version: 1;
  readonly date: string;
  /** loadAverage: the 1-minute load average at the start and at the end (other work on the machine skews every figure). */
  readonly machine: { readonly cpus: string; readonly cores: number; readonly memoryBytes: number; readonly os: string; readonly pinned: boolean; readonly loadAverage: readonly [number, number] };
  readonly versions: Readonly<Record<string, string>>;
  readonly settings: { readonly seconds: number; readonly rounds: number; readonly connections: number; readonly newConnectionConcurrency: number; readonly tokenPool: number; readonly warmup: number };
  readonly crypto: CryptoRates;
  /** The limits the targets use: 1/(1/floor + 1/sign) and 1/(1/floor + 1/verify), requests/s. */
  readonly limits: { readonly floorPlusSign: number; readonly floorPlusVerify: number };
  readonly servers: readonly ServerResult[];
  readonly cli: readonly CliCost[];
  /** `serve --workers 2` against 1 worker, when serve has --workers (else null). */
  readonly workers: { readonly keepAlive: number; readonly newConnection: number } | null;
  readonly targets: readonly Target[];
}
