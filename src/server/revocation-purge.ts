import type { BaseLogger } from 'pino';
import type { Store } from '../storage/store.ts';

/**
 * How long after its expiry a revoked token's row is kept: longer than the clock skew any
 * verifier tolerates (the guard allows at most 300 s), so no instance with a slow clock can see
 * an unexpired token whose revocation was already purged.
 */
export const REVOKED_TOKEN_GRACE_MS = 10 * 60_000;

/** How to keep the revoked-token table to the tokens that could still be presented. */
export interface RevocationPurgeOptions {
  readonly store: Pick<Store, 'pruneRevokedTokens'>;
  /** How often to purge, in milliseconds; hourly by default. */
  readonly intervalMs?: number;
  readonly logger?: Pick<BaseLogger, 'warn'> | false | undefined;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** A running purge: at start and then every interval, until stopped. */
export interface RevocationPurge {
  /** Deletes the rows of tokens expired more than the grace period ago; the number deleted, or 0 when the store failed. Never rejects. */
  purge(): Promise<number>;
  stop(): void;
}

/**
 * Purges revoked-token rows once their tokens have expired, on an unref'd timer: an expired token
 * is refused for its `exp` before any revocation lookup, so the row protects nothing, and without
 * the purge the table (one row per RFC 7009 revocation) would only grow. Several instances on one
 * database may all purge; a second purge finds nothing.
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2
 */
export function startRevocationPurge(options: RevocationPurgeOptions): RevocationPurge {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger || null;
  const purge = async (): Promise<number> => {
    try {
      return await store.pruneRevokedTokens(new Date(now().getTime() - REVOKED_TOKEN_GRACE_MS));
    } catch (err) {
      // The next interval tries again; the table only grows meanwhile, and lookups stay correct.
      logger?.warn({ err }, 'revocation purge: the store refused to delete expired rows; retried at the next interval');
      return 0;
    }
  };
  void purge();
  const timer = setInterval(() => void purge(), options.intervalMs ?? 3_600_000);
  timer.unref();
  return { purge, stop: () => clearInterval(timer) };
}
