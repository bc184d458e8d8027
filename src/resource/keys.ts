import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { TemporarilyUnavailable } from '../core/errors.ts';
import { discover } from './discovery.ts';
import type { BoundFetch } from './fetcher.ts';
import type { KeySource } from './options.ts';

/**
 * The key resolver for jwtVerify: a static JWKS, or a remote one (named, or found through
 * RFC 8414 discovery) cached by jose, refetched for an unknown `kid` at most once per
 * cooldown. Failing to reach the token service is 503 `temporarily_unavailable` — never
 * mistaken for a bad token; an unknown key is left to jose (invalid_token).
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function createKeyResolver(source: KeySource, fetch: BoundFetch, timing: { timeout: number; cooldown: number }): JWTVerifyGetKey {
  if (source.jwks) return createLocalJWKSet(source.jwks);
  let remote: Promise<JWTVerifyGetKey> | undefined;
  const load = async (): Promise<JWTVerifyGetKey> => {
    const uri = source.jwksUri ?? (await discover(source.issuer, fetch, timing.timeout)).jwksUri;
    return createRemoteJWKSet(new URL(uri), {
      timeoutDuration: timing.timeout,
      cooldownDuration: timing.cooldown,
      [customFetch]: (url, init) => fetch(url, { headers: Object.fromEntries(new Headers(init.headers).entries()), signal: init.signal }),
    });
  };
  return async (header, token) => {
    // Discovery is retried on the next request if it failed (no permanent failure cached).
    remote ??= load().catch((err: unknown) => {
      remote = undefined;
      throw err;
    });
    const jwks = await remote;
    try {
      return await jwks(header, token);
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) throw err;
      throw new TemporarilyUnavailable('the token service keys are unavailable', { cause: err });
    }
  };
}
