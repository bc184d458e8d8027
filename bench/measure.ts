// Shared measuring helpers of the benchmarks.

/** Seconds each measurement runs (BENCH_SECONDS, default 3). */
export const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
/** Keep-alive connections (and concurrent loops) for over-the-wire measurements. */
export const CONNECTIONS = 8;

/** Runs `op` in `concurrency` loops for `seconds`; returns operations per second. */
export async function rate(op: () => unknown, seconds: number, concurrency: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let count = 0;
  const loop = async () => {
    while (performance.now() < end) {
      await op();
      count++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return count / ((performance.now() - start) / 1000);
}

/** Prints one measurement beside its baseline, with their ratio. */
export function report(name: string, value: number, baselineName: string, baseline: number): void {
  const fmt = (n: number) => n.toFixed(0).padStart(8);
  console.log(`${name.padEnd(46)} ${fmt(value)}/s   ${baselineName.padEnd(34)} ${fmt(baseline)}/s   ratio ${(value / baseline).toFixed(2)}`);
}
