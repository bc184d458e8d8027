import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { TemporarilyUnavailable } from '../core/errors.ts';
import type { Thumbprint } from '../core/thumbprint.ts';
import { discover } from './discovery.ts';
import { boundFetch } from './fetcher.ts';
import type { IntrospectionOptions } from './options.ts';
import type { ReachOptions } from './fetcher.ts';

/** Asks the token service whether a token is still active (revocation bites before `exp`). */
export interface Introspector {
  active(token: string, claims: JWTPayload, bound: Thumbprint | undefined): Promise<boolean>;
  close(): Promise<void>;
}

const MAX_ENTRIES = 10_000;

/**
 * RFC 7662 introspection from the resource server, authenticating with its own certificate
 * (`tls_client_auth`) over the mTLS endpoint alias, with a short cache keyed by the token's
 * hash. An answer whose `cnf` differs from the token's counts as inactive (RFC 8705 §3.2).
 * The token service being unreachable is 503, never a guess.
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export function createIntrospector(issuer: string, options: IntrospectionOptions, reach: ReachOptions, timeoutMs: number): Introspector {
  // Its own agent: the connection must carry the resource server's certificate to authenticate.
  const http = boundFetch({ ...(reach.ca === undefined ? {} : { ca: reach.ca }), tls: { cert: options.cert, key: options.key } });
  const cacheSeconds = options.cacheSeconds ?? 30;
  const cache = new Map<string, { active: boolean; until: number }>();
  let endpoint: Promise<string> | undefined;

  const ask = async (token: string): Promise<Record<string, unknown>> => {
    endpoint ??= discover(issuer, http.fetch, timeoutMs).then(
      (found) => {
        if (!found.introspectionEndpoint) throw new TemporarilyUnavailable('the token service has no introspection endpoint');
        return found.introspectionEndpoint;
      },
      (err: unknown) => {
        endpoint = undefined;
        throw err;
      },
    );
    const url = await endpoint;
    try {
      const res = await http.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token, client_id: options.clientId, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`introspection answered ${res.status}`);
      }
      const answer: unknown = await res.json();
      if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) throw new Error('introspection answer is not an object');
      return answer as Record<string, unknown>;
    } catch (err) {
      throw new TemporarilyUnavailable('the token service cannot introspect the token now', { cause: err });
    }
  };

  return {
    async active(token, claims, bound) {
      const key = createHash('sha256').update(token).digest('base64url');
      const now = Date.now();
      const hit = cache.get(key);
      if (hit && hit.until > now) return hit.active;
      const answer = await ask(token);
      const cnf = answer['cnf'] as Record<string, unknown> | undefined;
      const active = answer['active'] === true && answer['jti'] === claims.jti && (bound === undefined || cnf?.['x5t#S256'] === bound);
      const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : now;
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(key, { active, until: Math.min(now + cacheSeconds * 1000, exp) });
      return active;
    },
    close: () => http.close(),
  };
}
