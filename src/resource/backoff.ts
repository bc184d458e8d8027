/** The bounds of an exponential backoff, in milliseconds. */
export interface Backoff {
  /** The first wait, and the shortest any wait may be. */
  readonly base: number;
  /** The longest wait. */
  readonly cap: number;
}

/**
 * The wait after `failures` consecutive failures: the ceiling doubles from `base` up to `cap`,
 * and the wait is drawn between half the ceiling and the ceiling (`random` in [0, 1)), never
 * below `base`. The jitter keeps many resource servers that saw one outage from retrying in step;
 * the floor keeps a failing service asked at most once per `base`.
 */
export function backoffDelay(failures: number, backoff: Backoff, random: () => number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const ceiling = Math.min(backoff.cap, backoff.base * 2 ** exponent);
  return Math.max(backoff.base, ceiling * (0.5 + random() / 2));
}
