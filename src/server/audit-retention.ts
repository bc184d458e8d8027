import type { BaseLogger } from 'pino';
import type { Store } from '../storage/store.ts';
import type { AuditLog } from './audit.ts';
import { outOfRange } from '../core/argument-error.ts';

/** The audit event of a periodic prune. */
export const AUDIT_PRUNED = 'audit.pruned';

/** How to keep the audit table to a retention period. */
export interface AuditRetentionOptions {
  readonly store: Pick<Store, 'pruneAudit'>;
  /** Events older than this are deleted, in milliseconds. */
  readonly retentionMs: number;
  /** How often to prune, in milliseconds; hourly by default. */
  readonly intervalMs?: number;
  /** Where each prune that deleted something is recorded (`audit.pruned`, actor `retention`). */
  readonly audit?: AuditLog | undefined;
  readonly logger?: Pick<BaseLogger, 'warn'> | false | undefined;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** A running retention: prunes at start and then every interval, until stopped. */
export interface AuditRetention {
  /** Deletes the events older than the retention period now; the number deleted, or 0 when the store failed. Never rejects. */
  prune(): Promise<number>;
  stop(): void;
}

/**
 * Prunes the audit table on an unref'd timer (the store's `pruneAudit`, as `audit prune --before`
 * does): one DELETE an interval, however much arrived, so the table stays bounded by the
 * retention period. Several instances on one database may all prune; a second prune finds nothing.
 */
export function startAuditRetention(options: AuditRetentionOptions): AuditRetention {
  const { store, retentionMs, audit } = options;
  if (!Number.isInteger(retentionMs) || retentionMs < 1) {
    throw outOfRange('retentionMs must be a positive integer');
  }
  const now = options.now ?? (() => new Date());
  const logger = options.logger || null;
  const prune = async (): Promise<number> => {
    const at = now();
    const before = new Date(at.getTime() - retentionMs);
    try {
      const deleted = await store.pruneAudit(before);
      if (deleted > 0) {
        audit?.record({ at, event: AUDIT_PRUNED, outcome: 'success', actor: 'retention', detail: { before: before.toISOString(), deleted } });
      }
      return deleted;
    } catch (err) {
      // The next interval tries again; the table only grows meanwhile.
      logger?.warn({ err }, 'audit retention: the store refused to prune; retried at the next interval');
      return 0;
    }
  };
  void prune();
  const timer = setInterval(() => void prune(), options.intervalMs ?? 3_600_000);
  timer.unref();
  return { prune, stop: () => clearInterval(timer) };
}
