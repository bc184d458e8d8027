import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { backoffDelay } from './backoff.ts';
import { discover } from './discovery.ts';
import type { BoundFetch } from './fetcher.ts';
import type { GuardLogger, KeySource } from './options.ts';
import { BackendUnavailable } from './unavailable.ts';

/** How the key set is kept: times in milliseconds, and the clock and jitter source. */
export interface KeyTiming {
  /** Timeout of each metadata or JWKS request. */
  readonly timeout: number;
  /** Shortest interval between two fetches for an unknown `kid`; the first wait after a failure. */
  readonly cooldown: number;
  /** Age after which the key set is refreshed before use. */
  readonly maxAge: number;
  /** Age after which the key set is no longer used at all (REL-09). */
  readonly maxStale: number;
  /** Longest wait between two attempts while the service fails. */
  readonly retryCap: number;
  readonly now: () => number;
  readonly random: () => number;
  readonly logger?: GuardLogger | undefined;
}

type Health = 'ok' | 'unavailable' | 'stale' | 'expired';

/** jwtVerify's key resolver, and a promise of the end of the JWKS fetch under way, if any. */
export type KeyResolver = JWTVerifyGetKey & { settled(): Promise<void> };

/**
 * The key resolver for jwtVerify: a static JWKS, or a remote one (named, or found through
 * RFC 8414 discovery), kept by the guard. A key set older than `maxAge` is refreshed before use.
 * When the token service cannot be reached (REL-09) the last good set keeps verifying until it is
 * `maxStale` old, the service is asked again at most once per backoff interval (exponential from
 * `cooldown` to `retryCap`, jittered) without holding requests up, and past `maxStale` every
 * token is 503 `temporarily_unavailable`: the guard fails closed rather than trust keys it
 * cannot confirm. A `kid` the held set lacks is refetched at most once per cooldown and is
 * invalid_token when still unknown — also during an outage, as the catalogue asks (REL-09).
 * Each change of health is logged once.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function createKeyResolver(source: KeySource, fetch: BoundFetch, timing: KeyTiming): KeyResolver {
  if (source.jwks) return Object.assign(createLocalJWKSet(source.jwks), { settled: async () => {} });
  let held: { readonly keys: JWTVerifyGetKey; readonly fetchedAt: number } | null = null;
  let jwksUri: string | undefined = source.jwksUri;
  let pending: Promise<boolean> | null = null;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let failures = 0;
  let retryAt = Number.NEGATIVE_INFINITY;
  let health: Health = 'ok';

  const healthAt = (now: number): Health => {
    if (failures === 0) return 'ok';
    if (held === null) return 'unavailable';
    return now < held.fetchedAt + timing.maxStale ? 'stale' : 'expired';
  };
  /** Logs a change of health once, with no detail beyond ages and counts. */
  const observe = (now: number): void => {
    const next = healthAt(now);
    if (next === health) return;
    const previous = health;
    health = next;
    const details = {
      event: 'jwks',
      health: next,
      failures,
      ...(held === null ? {} : { ageSeconds: Math.floor((now - held.fetchedAt) / 1000), maxStaleSeconds: Math.floor(timing.maxStale / 1000) }),
    };
    if (next === 'ok') (timing.logger?.info ?? timing.logger?.warn)?.call(timing.logger, { ...details, previous }, 'token service keys reachable again');
    else if (next === 'stale') timing.logger?.warn(details, 'token service keys unreachable: verifying with the last good key set');
    else if (next === 'expired') timing.logger?.warn(details, 'token service keys unreachable for longer than the maximum staleness: refusing tokens');
    else timing.logger?.warn(details, 'token service keys unreachable');
  };

  const load = async (): Promise<void> => {
    jwksUri ??= (await discover(source.issuer, fetch, timing.timeout)).jwksUri;
    const res = await fetch(jwksUri, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timing.timeout),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`the JWKS answered ${res.status}`);
    }
    // createLocalJWKSet refuses anything that is not a JWK Set.
    const keys = createLocalJWKSet((await res.json()) as JSONWebKeySet);
    held = { keys, fetchedAt: timing.now() };
  };

  /** One fetch at a time; resolves whether it succeeded, never rejects (it may run unawaited). */
  const refresh = (): Promise<boolean> =>
    (pending ??= (async () => {
      lastAttempt = timing.now();
      try {
        await load();
        failures = 0;
        retryAt = Number.NEGATIVE_INFINITY;
        return true;
      } catch {
        // Discovery is retried too: its failure is not kept, only the time of the next attempt.
        if (source.jwksUri === undefined && held === null) jwksUri = undefined;
        failures++;
        retryAt = timing.now() + backoffDelay(failures, { base: timing.cooldown, cap: timing.retryCap }, timing.random);
        return false;
      } finally {
        pending = null;
        observe(timing.now());
      }
    })());

  const unavailable = (now: number): BackendUnavailable => new BackendUnavailable('the token service keys are unavailable', retryAt - now);

  const resolve: JWTVerifyGetKey = async (header, token) => {
    let now = timing.now();
    if (held === null || now >= held.fetchedAt + timing.maxAge) {
      const usable = held !== null && now < held.fetchedAt + timing.maxStale;
      // Healthy so far: refresh before use, as a fresh set is what a rotation needs.
      if (!usable || failures === 0) {
        if (now >= retryAt) await refresh();
      } else if (now >= retryAt) {
        // During an outage nobody waits for the next attempt: the held keys answer meanwhile.
        void refresh();
      }
      now = timing.now();
      observe(now);
    }
    // Fail closed: keys nobody could confirm for longer than maxStale may have been withdrawn.
    if (held === null || now >= held.fetchedAt + timing.maxStale) throw unavailable(now);
    try {
      return await held.keys(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      // A kid not held: perhaps a key published since. Wait for the fetch under way, or ask again —
      // at most once per cooldown and never while backing off.
      const inFlight = pending;
      const refreshed = inFlight ? await inFlight : now >= lastAttempt + timing.cooldown && now >= retryAt && (await refresh());
      if (!refreshed) throw err;
      return await held.keys(header, token);
    }
  };
  // A refresh may run unawaited during an outage; settled() lets its owner wait for it to end.
  return Object.assign(resolve, { settled: async () => void (await pending) });
}
