import type { BaseLogger } from 'pino';
import type { AuditEvent } from '../core/model.ts';
import { loggableError } from '../storage/database-error.ts';
import type { Store } from '../storage/store.ts';
import { createAuditAggregator } from './audit-aggregate.ts';
import { auditLogFields, normalizeAuditEvent, outlineAuditEvent } from './audit-normalize.ts';
import { outOfRange } from '../core/argument-error.ts';

/** How to build an audit log. */
export interface AuditLogOptions {
  /** Where batches are written; only `appendAudit` is used. */
  readonly store: Pick<Store, 'appendAudit'>;
  /** Where each event is also logged, as one structured line; false for none. */
  readonly logger?: Pick<BaseLogger, 'info' | 'warn'> | false;
  /** How often buffered events are written, in milliseconds. */
  readonly flushMs?: number;
  /** At most this many events per INSERT. */
  readonly maxBatch?: number;
  /** At most this many events wait in memory; beyond it denials are dropped first, oldest first. */
  readonly maxBuffered?: number;
  /** How long close() waits for its last write before giving up, in milliseconds. */
  readonly closeTimeoutMs?: number;
  /** The interval over which unauthenticated refusals are aggregated, in milliseconds (60 s by default). */
  readonly aggregateMs?: number;
  /** At most this many (event, reason, peer) keys aggregated per interval; further peers are counted as `*`. */
  readonly maxAggregateKeys?: number;
}

/** The token service's audit trail: recorded synchronously, written to the store in batches. */
export interface AuditLog {
  /** Logs the event and buffers it for the store. Never throws, never waits. */
  record(event: AuditEvent): void;
  /**
   * Counts a refusal of a peer that proved no identity (no valid certificate, an unknown client,
   * no credentials, a failed TLS handshake): one event per event name, reason, registered client
   * and peer address per interval, with `detail.count` and `detail.last_at`, buffered when the
   * interval ends (or at the next explicit flush). Logged twice: the first of the interval at once
   * (`aggregate: "first"`), the total when buffered (`aggregate: "total"`). Never throws, never waits.
   */
  recordUnauthenticated(event: AuditEvent, peer: string): void;
  /** Writes what is buffered, aggregates included; on a store failure keeps it for the next flush. Never rejects. */
  flush(): Promise<void>;
  /** Stops the timers and flushes what it can (bounded by `closeTimeoutMs`); later events wait for an explicit flush. */
  close(): Promise<void>;
  /** Events waiting for the store (aggregates not yet emitted excluded). */
  readonly pending: number;
  /** Events dropped because the buffer was full — denials first — since the log was created. */
  readonly dropped: number;
}

const MAX_BATCH_LIMIT = 5_000;

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw outOfRange(`${name} must be an integer from 1 to ${max}`);
  }
  return value;
}

interface Queued {
  readonly seq: number;
  readonly event: AuditEvent;
}

/** A FIFO as an array and a head index: taking or dropping the oldest is O(1), amortised. */
class Fifo {
  #items: Queued[] = [];
  #head = 0;
  get size(): number {
    return this.#items.length - this.#head;
  }
  push(item: Queued): void {
    this.#items.push(item);
  }
  peek(): Queued | undefined {
    return this.#items[this.#head];
  }
  shift(): Queued | undefined {
    const item = this.#items[this.#head];
    if (item === undefined) return undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  /** Puts back, ahead of everything, items shifted earlier (in their order). */
  unshift(items: readonly Queued[]): void {
    this.#items = items.concat(this.#items.slice(this.#head));
    this.#head = 0;
  }
}

/**
 * Creates the audit log. An event is logged at `info` as it is recorded — denials included: a
 * refused client is the service working, and `outcome` tells the two apart — or, for an
 * aggregated refusal, once per interval; it is written to the store by an unref'd timer in
 * batches, in the order recorded. While the store fails, events wait in memory and are retried
 * on the next flush. When `maxBuffered` are waiting, denials go first, oldest first: a flood of
 * refusals never evicts a `token.issued` or `token.revoked` (each drop counted, one warning per flush).
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { store } = options;
  const logger = options.logger || null;
  const flushMs = positiveInteger('flushMs', options.flushMs ?? 250);
  const maxBatch = positiveInteger('maxBatch', options.maxBatch ?? 500, MAX_BATCH_LIMIT);
  const maxBuffered = positiveInteger('maxBuffered', options.maxBuffered ?? 50_000);
  const closeTimeoutMs = positiveInteger('closeTimeoutMs', options.closeTimeoutMs ?? 5_000);
  const aggregateMs = positiveInteger('aggregateMs', options.aggregateMs ?? 60_000);
  const aggregator = createAuditAggregator(positiveInteger('maxAggregateKeys', options.maxAggregateKeys ?? 1_000));

  // Successes (and other events that must stay) and denials wait apart, so denials can be dropped first.
  const kept = new Fifo();
  const denials = new Fifo();
  let seq = 0;
  let dropped = 0;
  let unreported = 0;
  let failing = false;
  let running: Promise<void> | null = null;
  let closed = false;

  const size = () => kept.size + denials.size;
  const trim = () => {
    while (size() > maxBuffered) {
      (denials.size > 0 ? denials : kept).shift();
      dropped++;
      unreported++;
    }
  };
  const log = (event: AuditEvent, aggregate?: 'first' | 'total') => {
    try {
      logger?.info({ audit: auditLogFields(event), ...(aggregate ? { aggregate } : {}) }, 'audit');
    } catch {
      // A log line that cannot be written must not fail the request it records; the store still gets the event.
    }
  };
  const enqueue = (event: AuditEvent, aggregate?: 'total') => {
    log(event, aggregate);
    (event.outcome === 'success' ? kept : denials).push({ seq: seq++, event });
    trim();
  };
  const emitAggregates = () => {
    for (const event of aggregator.take()) enqueue(event, 'total');
  };

  /** The oldest `maxBatch` events of both queues, in the order recorded. */
  const takeBatch = (): Queued[] => {
    const batch: Queued[] = [];
    while (batch.length < maxBatch) {
      const a = kept.peek();
      const b = denials.peek();
      const from = a === undefined ? denials : b === undefined || a.seq < b.seq ? kept : denials;
      const item = from.shift();
      if (item === undefined) break;
      batch.push(item);
    }
    return batch;
  };

  async function drain(): Promise<void> {
    while (size() > 0) {
      const batch = takeBatch();
      try {
        await store.appendAudit(batch.map((q) => q.event));
      } catch (err) {
        // Keep the batch, ahead of what arrived meanwhile, for the next flush; denials go if that overflows.
        kept.unshift(batch.filter((q) => q.event.outcome === 'success'));
        denials.unshift(batch.filter((q) => q.event.outcome !== 'success'));
        trim();
        if (!failing) logger?.warn({ ...loggableError(err), pending: size() }, 'audit log: the store refused a write; events are kept and retried');
        failing = true;
        break;
      }
      if (failing) logger?.info({ pending: size() }, 'audit log: the store accepts writes again');
      failing = false;
    }
    if (unreported > 0) {
      logger?.warn({ dropped: unreported, droppedTotal: dropped }, 'audit log: buffer full, events dropped (denials first)');
      unreported = 0;
    }
  }

  function write(): Promise<void> {
    // One writer at a time, so batches land in order; a flush asked for meanwhile runs after it.
    const previous = running ?? Promise.resolve();
    const next = previous.then(drain).catch(() => undefined);
    running = next;
    void next.then(() => {
      if (running === next) running = null;
    });
    return next;
  }

  const timer = setInterval(() => {
    // While a write hangs (a database that does not answer), ticks do not pile up behind it.
    if (running === null && size() > 0) void write();
  }, flushMs);
  timer.unref();
  const window = setInterval(emitAggregates, aggregateMs);
  window.unref();

  const flush = () => {
    emitAggregates();
    return write();
  };

  return {
    record(recorded) {
      let event: AuditEvent;
      try {
        event = normalizeAuditEvent(recorded);
      } catch {
        // Only a caller ignoring the types gets here; what it recorded is kept in outline rather than thrown back.
        event = outlineAuditEvent(recorded);
      }
      enqueue(event);
    },
    recordUnauthenticated(recorded, peer) {
      let event: AuditEvent;
      try {
        event = normalizeAuditEvent(recorded);
      } catch {
        event = outlineAuditEvent(recorded);
      }
      const address = typeof peer === 'string' ? peer.slice(0, 64) : 'unknown';
      // The first of each key in an interval is logged at once, so a refusal shows without waiting; the total follows.
      if (aggregator.add(event, address)) log({ ...event, detail: { ...event.detail, peer: address } }, 'first');
    },
    flush,
    async close() {
      if (!closed) {
        closed = true;
        clearInterval(timer);
        clearInterval(window);
      }
      let timeout: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<boolean>((resolve) => {
        timeout = setTimeout(() => resolve(true), closeTimeoutMs);
        timeout.unref();
      });
      const late = await Promise.race([flush().then(() => false), gaveUp]);
      clearTimeout(timeout);
      if (late || size() > 0) logger?.warn({ lost: size() }, 'audit log: closed with events the store did not take');
    },
    get pending() {
      return size();
    },
    get dropped() {
      return dropped;
    },
  };
}
