import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors as joseErrors, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
import { TemporarilyUnavailable } from '../core/errors.ts';
import { discover } from './discovery.ts';
import type { BoundFetch } from './fetcher.ts';
import type { KeySource } from './options.ts';

/**
 * The key resolver for jwtVerify: a static JWKS, or a remote one (named, or found through
 * RFC 8414 discovery) cached by jose, refetched for an unknown `kid` at most once per
 * cooldown. Failing to reach the token service is 503 `temporarily_unavailable` — never
 * mistaken for a bad token — and after a failure the service is not asked again for one
 * cooldown; an unknown key is left to jose (invalid_token), also when the refetch it
 * triggers fails while the keys held are still fresh.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function createKeyResolver(source: KeySource, fetch: BoundFetch, timing: { timeout: number; cooldown: number }): JWTVerifyGetKey {
  if (source.jwks) return createLocalJWKSet(source.jwks);
  let remote: Promise<RemoteJWKSet> | undefined;
  // jose records only successful fetches, so without this an outage would turn every request
  // (or every unknown kid) into a call to the failing service (JT-04, REL-09).
  let failedAt = Number.NEGATIVE_INFINITY;
  const backingOff = () => Date.now() < failedAt + timing.cooldown;
  const keysFetch: BoundFetch = async (url, init) => {
    if (backingOff()) throw new Error('the last fetch failed less than a cooldown ago');
    try {
      const res = await fetch(url, init);
      if (res.status !== 200) failedAt = Date.now();
      return res;
    } catch (err) {
      failedAt = Date.now();
      throw err;
    }
  };
  const load = async (): Promise<RemoteJWKSet> => {
    const uri = source.jwksUri ?? (await discover(source.issuer, keysFetch, timing.timeout)).jwksUri;
    return createRemoteJWKSet(new URL(uri), {
      timeoutDuration: timing.timeout,
      cooldownDuration: timing.cooldown,
      [customFetch]: (url, init) => keysFetch(url, { headers: Object.fromEntries(new Headers(init.headers).entries()), signal: init.signal }),
    });
  };
  return async (header, token) => {
    // Discovery is retried after a failure, once the cooldown has passed (no permanent failure cached).
    remote ??= load().catch((err: unknown) => {
      remote = undefined;
      throw err;
    });
    const jwks = await remote;
    try {
      return await jwks(header, token);
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) throw err;
      // Keys still fresh means jose fetched only because the kid is not among them: the token is unknown, not the service (REL-09).
      if (jwks.fresh) throw new joseErrors.JWKSNoMatchingKey(undefined, { cause: err });
      throw new TemporarilyUnavailable('the token service keys are unavailable', { cause: err });
    }
  };
}
