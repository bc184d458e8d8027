// The one bounded poll of the test suite, for waits on another party that offers nothing to
// await (another process, another instance's timer, a server's own bookkeeping), and the bound
// for events that are awaited. Where the code under test takes a clock, or its timers can be
// mocked, tests advance time instead of waiting for it.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';

// Captured at load: a test that enables `mock.timers` (setTimeout, Date) must not freeze the
// poll itself, nor its deadline.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const monotonicNow = () => performance.now();

/** Options of `until`. */
export interface UntilOptions {
  /** The generous deadline (ms): nothing here asserts timing, it only bounds a hang. */
  readonly timeoutMs?: number;
  /** The pause between two checks (ms). */
  readonly intervalMs?: number;
}

/**
 * Checks `check` until it holds, pausing `intervalMs` between checks; fails the test, naming
 * `what`, once `timeoutMs` have passed. Uses the real timers even while `mock.timers` is on.
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, options: UntilOptions = {}): Promise<void> {
  const { timeoutMs = 15_000, intervalMs = 20 } = options;
  const end = monotonicNow() + timeoutMs;
  while (!(await check())) {
    if (monotonicNow() > end) assert.fail(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => realSetTimeout(resolve, intervalMs));
  }
}

/**
 * Waits for `event` (a promise an event resolves); fails the test, naming `what`, if it has not
 * come after `timeoutMs`, so that an event that never comes fails instead of hanging the run.
 */
export async function within<T>(what: string, event: Promise<T>, timeoutMs = 15_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => reject(new assert.AssertionError({ message: `not within ${timeoutMs} ms: ${what}` })), timeoutMs);
  });
  try {
    return await Promise.race([event, late]);
  } finally {
    realClearTimeout(timer);
  }
}
