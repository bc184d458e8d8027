/** A token as the client keeps it. */
export interface CachedToken {
  readonly accessToken: string;
  /** Epoch milliseconds after which it is not used any more (renewal happens before). */
  readonly renewAt: number;
  readonly response: Readonly<Record<string, unknown>>;
}

/**
 * Tokens per (scope, resource): a cached token is reused until shortly before it expires;
 * concurrent callers of the same key share one in-flight request.
 */
export class TokenCache {
  readonly #tokens = new Map<string, CachedToken>();
  readonly #inFlight = new Map<string, Promise<CachedToken>>();

  /** The cached token for `key`, or the result of `fetch` (one request for all concurrent callers). */
  async get(key: string, fetch: () => Promise<CachedToken>, now = Date.now()): Promise<CachedToken> {
    const cached = this.#tokens.get(key);
    if (cached && cached.renewAt > now) return cached;
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = fetch().then(
        (token) => {
          this.#tokens.set(key, token);
          return token;
        },
      ).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return pending;
  }

  /** Forgets the token for `key` if it is still `accessToken` (another caller may have renewed it already). */
  drop(key: string, accessToken: string): void {
    if (this.#tokens.get(key)?.accessToken === accessToken) this.#tokens.delete(key);
  }

  /** Forgets every token (their certificate changed). */
  clear(): void {
    this.#tokens.clear();
  }
}

/**
 * When to renew a token that lives `expiresIn` seconds from `issuedAt` (ms): ahead of
 * expiry by a tenth of its life, at least 5 and at most 60 seconds.
 */
export function renewalTime(issuedAt: number, expiresIn: number): number {
  const margin = Math.min(60, Math.max(5, expiresIn / 10));
  return issuedAt + Math.max(0, expiresIn - margin) * 1000;
}
