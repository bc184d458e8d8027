import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { Thumbprint } from '../core/thumbprint.ts';
import { createCircuitBreaker, type CircuitState } from './circuit-breaker.ts';
import { discover } from './discovery.ts';
import { boundFetch } from './fetcher.ts';
import type { ReachOptions } from './fetcher.ts';
import type { GuardLogger, IntrospectionOptions } from './options.ts';
import { BackendUnavailable } from './unavailable.ts';
import { invalidArgValue } from '../core/argument-error.ts';

/** Asks the token service whether a token is still active (revocation bites before `exp`). */
export interface Introspector {
  active(token: string, claims: JWTPayload, bound: Thumbprint | undefined): Promise<boolean>;
  close(): Promise<void>;
}

/** What the introspector needs besides its options: the timeout, the clock, jitter, a logger. */
export interface IntrospectorRuntime {
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly random: () => number;
  readonly logger?: GuardLogger | undefined;
}

const MAX_ENTRIES = 10_000;
/** Retry-After while the circuit is closed: the next request asks again anyway. */
const CLOSED_RETRY_MS = 1000;

function positive(value: number | undefined, fallback: number, name: string, integer = false): number {
  const chosen = value ?? fallback;
  if (!Number.isFinite(chosen) || chosen <= 0 || (integer && !Number.isSafeInteger(chosen))) {
    throw invalidArgValue(`introspection.circuitBreaker.${name} must be a positive number`);
  }
  return chosen;
}

/**
 * RFC 7662 introspection from the resource server, authenticating with its own certificate
 * (`tls_client_auth`) over the mTLS endpoint alias, with a short cache keyed by the token's
 * hash. An answer whose `cnf` differs from the token's counts as inactive (RFC 8705 §3.2).
 * The token service failing is 503, never a guess, and a failure is never cached: behind a
 * circuit breaker (REL-08), a service that keeps failing is left alone for a growing cool-down
 * and answered 503 with `Retry-After` at once, then probed by one request.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export function createIntrospector(issuer: string, options: IntrospectionOptions, reach: ReachOptions, runtime: IntrospectorRuntime): Introspector {
  const settings = options.circuitBreaker ?? {};
  const base = positive(settings.cooldownMs, 5000, 'cooldownMs');
  const breaker = createCircuitBreaker({
    threshold: positive(settings.failureThreshold, 5, 'failureThreshold', true),
    base,
    cap: Math.max(base, positive(settings.maxCooldownMs, 60_000, 'maxCooldownMs')),
    now: runtime.now,
    random: runtime.random,
  });
  // Its own agent: the connection must carry the resource server's certificate to authenticate.
  const http = boundFetch({ ...(reach.ca === undefined ? {} : { ca: reach.ca }), tls: { cert: options.cert, key: options.key } });
  const cacheSeconds = options.cacheSeconds ?? 30;
  const cache = new Map<string, { active: boolean; until: number }>();
  let endpoint: Promise<string> | undefined;
  let reported: CircuitState = 'closed';

  /** Logs each change of the circuit's state once. */
  const observe = (): void => {
    if (breaker.state === reported || breaker.state === 'half-open') return;
    reported = breaker.state;
    if (reported === 'open') runtime.logger?.warn({ event: 'introspection', circuit: 'open' }, 'token service introspection failing: circuit open');
    else (runtime.logger?.info ?? runtime.logger?.warn)?.call(runtime.logger, { event: 'introspection', circuit: 'closed' }, 'token service introspection answering again: circuit closed');
  };

  const ask = async (token: string): Promise<Record<string, unknown>> => {
    endpoint ??= discover(issuer, http.fetch, runtime.timeoutMs).then(
      (found) => {
        if (!found.introspectionEndpoint) throw new Error('the token service has no introspection endpoint');
        return found.introspectionEndpoint;
      },
      (err: unknown) => {
        endpoint = undefined;
        throw err;
      },
    );
    const url = await endpoint;
    const res = await http.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ token, client_id: options.clientId, token_type_hint: 'access_token' }).toString(),
      signal: AbortSignal.timeout(runtime.timeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`introspection answered ${res.status}`);
    }
    const answer: unknown = await res.json();
    if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) throw new Error('introspection answer is not an object');
    return answer as Record<string, unknown>;
  };

  /** One introspection call through the breaker: the answer, or BackendUnavailable. */
  const guarded = async (token: string): Promise<Record<string, unknown>> => {
    const admission = breaker.admit();
    if ('retryInMs' in admission) throw new BackendUnavailable('the token service cannot introspect the token now', admission.retryInMs);
    try {
      const answer = await ask(token);
      breaker.record(admission, true);
      return answer;
    } catch (err) {
      breaker.record(admission, false);
      throw new BackendUnavailable('the token service cannot introspect the token now', Math.max(CLOSED_RETRY_MS, breaker.retryInMs()), { cause: err });
    } finally {
      observe();
    }
  };

  return {
    async active(token, claims, bound) {
      const key = createHash('sha256').update(token).digest('base64url');
      const now = runtime.now();
      const hit = cache.get(key);
      if (hit && hit.until > now) return hit.active;
      const answer = await guarded(token);
      const cnf = answer['cnf'] as Record<string, unknown> | undefined;
      const active = answer['active'] === true && answer['jti'] === claims.jti && (bound === undefined || cnf?.['x5t#S256'] === bound);
      const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : now;
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      // Only answers are cached: a failure above threw before this, so it never reads as inactive.
      cache.set(key, { active, until: Math.min(now + cacheSeconds * 1000, exp) });
      return active;
    },
    close: () => http.close(),
  };
}
