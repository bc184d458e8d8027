// What the soak counts: requests by kind, outcomes that were not the expected one, and latency
// percentiles from a log-bucketed histogram (fixed memory however long the run: the soak must
// not itself grow while it checks that the servers do not).

/** Which side a kind of request is on: a legitimate client, or the attacker. */
export type Side = 'legit' | 'attack';

/** What a request got back, reduced to what an expectation compares. */
export interface Outcome {
  readonly status: number;
  /** The OAuth `error` code of the body; null when the body has none. */
  readonly error: string | null;
  /** The scheme of `WWW-Authenticate` (Basic, Bearer), or null without the header. */
  readonly challenge: string | null;
  /** A check of the body beyond status and error that failed (e.g. `cnf differs`); null when all held. */
  readonly mismatch?: string | null;
}

/** The exact answer a kind of request must get. */
export interface Expectation {
  readonly status: number;
  readonly error: string | null;
  readonly challenge: string | null;
}

/** Histogram buckets grow by 2 %: percentiles are exact to within that. */
const GROWTH = 1.02;
const FLOOR_MS = 0.01;
const BUCKETS = Math.ceil(Math.log(600_000 / FLOOR_MS) / Math.log(GROWTH)) + 1;

/** A latency histogram (milliseconds) with fixed memory. */
export class Histogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #total = 0;
  #max = 0;

  /** Records one latency. */
  add(ms: number): void {
    const index = ms <= FLOOR_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / FLOOR_MS) / Math.log(GROWTH)));
    this.#counts[index] = this.#counts[index]! + 1;
    this.#total++;
    if (ms > this.#max) this.#max = ms;
  }

  /** The latency under which `p` (0..1) of the recorded ones fall (the bucket's upper edge); null when empty. */
  percentile(p: number): number | null {
    if (this.#total === 0) return null;
    const rank = Math.max(1, Math.ceil(p * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(this.#max, FLOOR_MS * GROWTH ** i);
    }
    return this.#max;
  }

  get max(): number {
    return this.#max;
  }
}

/** One kind's figures, as the JSON summary carries them. */
export interface KindSummary {
  readonly side: Side;
  readonly expected: Expectation;
  readonly requests: number;
  readonly unexpected: number;
  /** Unexpected outcomes by what they were (`401 invalid_client Basic`, `transport ECONNRESET`), with the slowest one's latency. */
  readonly unexpectedBy: Readonly<Record<string, { readonly count: number; readonly slowestMs: number }>>;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

interface KindTally {
  readonly side: Side;
  readonly expected: Expectation;
  requests: number;
  unexpected: number;
  readonly unexpectedBy: Map<string, { count: number; slowestMs: number }>;
  readonly latency: Histogram;
}

/** How an outcome reads in a report: status, error code, challenge scheme, and a failed body check. */
export function describe(outcome: Outcome): string {
  return [String(outcome.status), outcome.error ?? '-', outcome.challenge ?? '-', ...(outcome.mismatch ? [outcome.mismatch] : [])].join(' ');
}

/** Whether an outcome is exactly the expected one. */
export function matches(outcome: Outcome, expected: Expectation): boolean {
  return outcome.status === expected.status && outcome.error === expected.error && outcome.challenge === expected.challenge && !outcome.mismatch;
}

/** Every kind's tally. Kinds are declared once, with their side and expected answer. */
export class Tally {
  readonly #kinds = new Map<string, KindTally>();

  /** Declares a kind of request and the answer it must get. */
  declare(kind: string, side: Side, expected: Expectation): void {
    this.#kinds.set(kind, { side, expected, requests: 0, unexpected: 0, unexpectedBy: new Map(), latency: new Histogram() });
  }

  /** The expectation of a declared kind. */
  expected(kind: string): Expectation {
    const tally = this.#kinds.get(kind);
    if (!tally) throw new Error(`undeclared request kind ${kind}`);
    return tally.expected;
  }

  /** Records a request's outcome (or its transport failure, as a string) and latency; returns whether it was the expected one. */
  record(kind: string, outcome: Outcome | string, ms: number): boolean {
    const tally = this.#kinds.get(kind);
    if (!tally) throw new Error(`undeclared request kind ${kind}`);
    tally.requests++;
    tally.latency.add(ms);
    const ok = typeof outcome !== 'string' && matches(outcome, tally.expected);
    if (!ok) {
      tally.unexpected++;
      const what = typeof outcome === 'string' ? `transport ${outcome}` : describe(outcome);
      // How long it took tells a timeout (a stalled server) from a refusal.
      const seen = tally.unexpectedBy.get(what) ?? { count: 0, slowestMs: 0 };
      tally.unexpectedBy.set(what, { count: seen.count + 1, slowestMs: Math.max(seen.slowestMs, round(ms)!) });
    }
    return ok;
  }

  /** Every kind's figures, in declaration order. */
  summary(): Record<string, KindSummary> {
    const out: Record<string, KindSummary> = {};
    for (const [kind, t] of this.#kinds) {
      out[kind] = {
        side: t.side,
        expected: t.expected,
        requests: t.requests,
        unexpected: t.unexpected,
        unexpectedBy: Object.fromEntries(t.unexpectedBy),
        p50Ms: round(t.latency.percentile(0.5)),
        p99Ms: round(t.latency.percentile(0.99)),
        maxMs: t.requests === 0 ? null : round(t.latency.max),
      };
    }
    return out;
  }
}

function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 100) / 100;
}

/** The per-kind table printed at the end of a run. */
export function kindTable(kinds: Record<string, KindSummary>): string {
  const expected = (e: Expectation) => `${e.status} ${e.error ?? '-'}`;
  const ms = (v: number | null) => (v === null ? '-' : v.toFixed(1));
  const lines = [`${'kind'.padEnd(22)} ${'side'.padEnd(6)} ${'expected'.padEnd(26)} ${'requests'.padStart(9)} ${'unexpected'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`];
  for (const [kind, k] of Object.entries(kinds)) {
    lines.push(
      `${kind.padEnd(22)} ${k.side.padEnd(6)} ${expected(k.expected).padEnd(26)} ${String(k.requests).padStart(9)} ${String(k.unexpected).padStart(10)} ${ms(k.p50Ms).padStart(8)} ${ms(k.p99Ms).padStart(8)}`,
    );
    for (const [what, n] of Object.entries(k.unexpectedBy)) lines.push(`${''.padEnd(31)}got ${what}: ${n.count} (slowest ${n.slowestMs.toFixed(0)} ms)`);
  }
  return lines.join('\n');
}
