import { backoffDelay, type Backoff } from './backoff.ts';

/** Options of {@link createCircuitBreaker}; times in milliseconds. */
export interface CircuitBreakerOptions extends Backoff {
  /** Consecutive failures that open the circuit. */
  readonly threshold: number;
  readonly now: () => number;
  readonly random: () => number;
}

/** A call the breaker let through; `probe` marks the single trial call of a half-open circuit. */
export interface Admission {
  readonly probe: boolean;
}

/** The circuit's state, as reported to an operator. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Guards calls to a dependency that may fail for a while. */
export interface CircuitBreaker {
  /** An admission for a call, or the milliseconds until one may be tried. */
  admit(): Admission | { readonly retryInMs: number };
  /** Records how an admitted call ended. */
  record(admission: Admission, ok: boolean): void;
  /** Milliseconds until an open circuit lets a probe through; 0 otherwise. */
  retryInMs(): number;
  readonly state: CircuitState;
}

/**
 * A circuit breaker: closed, it counts consecutive failures and opens after `threshold`; open,
 * it refuses every call for a cool-down that doubles with each reopening (from `base`, capped,
 * jittered: see {@link backoffDelay}); then half-open, it lets exactly one probe through, whose
 * success closes the circuit and whose failure reopens it for the next, longer cool-down. A
 * result of a call admitted before the circuit opened does not move it: only the probe decides.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  let state: CircuitState = 'closed';
  let failures = 0;
  let openings = 0;
  let openUntil = 0;
  let probing = false;

  const open = (): void => {
    openings++;
    state = 'open';
    probing = false;
    openUntil = options.now() + backoffDelay(openings, options, options.random);
  };

  return {
    get state() {
      return state;
    },
    admit() {
      if (state === 'closed') return { probe: false };
      const now = options.now();
      if (state === 'open' && now < openUntil) return { retryInMs: openUntil - now };
      // One probe at a time: the others are refused until it answers, as they were while open.
      if (probing) return { retryInMs: options.base };
      state = 'half-open';
      probing = true;
      return { probe: true };
    },
    retryInMs() {
      return state === 'open' ? Math.max(0, openUntil - options.now()) : 0;
    },
    record(admission, ok) {
      if (admission.probe) {
        if (!ok) return open();
        state = 'closed';
        probing = false;
        failures = 0;
        openings = 0;
        return;
      }
      if (state !== 'closed') return;
      if (ok) failures = 0;
      else if (++failures >= options.threshold) {
        failures = 0;
        open();
      }
    },
  };
}
