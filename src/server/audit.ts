import type { Logger } from 'pino';
import type { AuditEvent } from '../core/model.ts';
import type { Store } from '../storage/store.ts';

/** How to build an audit log. */
export interface AuditLogOptions {
  /** Where batches are written; only `appendAudit` is used. */
  readonly store: Pick<Store, 'appendAudit'>;
  /** Where each event is also logged at once, as one structured line; false for none. */
  readonly logger?: Logger | false;
  /** How often buffered events are written, in milliseconds. */
  readonly flushMs?: number;
  /** At most this many events per INSERT. */
  readonly maxBatch?: number;
  /** At most this many events wait in memory; beyond it the oldest are dropped. */
  readonly maxBuffered?: number;
  /** How long close() waits for its last write before giving up, in milliseconds. */
  readonly closeTimeoutMs?: number;
}

/** The token service's audit trail: recorded synchronously, written to the store in batches. */
export interface AuditLog {
  /** Logs the event and buffers it for the store. Never throws, never waits. */
  record(event: AuditEvent): void;
  /** Writes what is buffered; on a store failure keeps it for the next flush. Never rejects. */
  flush(): Promise<void>;
  /** Stops the timer and flushes what it can (bounded by `closeTimeoutMs`); later events wait for an explicit flush. */
  close(): Promise<void>;
  /** Events waiting for the store. */
  readonly pending: number;
  /** Events dropped, oldest first, because the buffer was full — since the log was created. */
  readonly dropped: number;
}

// One INSERT carries 11 parameters per event; PostgreSQL allows 65 535 per statement.
const MAX_BATCH_LIMIT = 5_000;

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw Object.assign(new RangeError(`${name} must be an integer from 1 to ${max}`), { code: 'ERR_OUT_OF_RANGE' });
  }
  return value;
}

// Defence in depth: callers build events from known-safe fields, but a detail key that names a credential is dropped anyway.
const SENSITIVE_KEY = /secret|password|authorization|private|credential|^(access_|refresh_|id_)?token$/i;
// PostgreSQL text and jsonb cannot hold NUL; an event with one would fail its batch on every retry.
const NUL = /\u0000/g;

const clean = (value: string): string => (value.includes('\u0000') ? value.replace(NUL, '') : value);
const cleanOrNull = (value: string | null | undefined): string | null => (value === undefined || value === null ? null : clean(value));

/** The event's detail as plain JSON data, without credential-named keys or NULs; null when it is not serialisable. */
function plainDetail(detail: Readonly<Record<string, unknown>>): Record<string, unknown> | null {
  try {
    const json = JSON.stringify(detail, (key, value: unknown) =>
      key !== '' && SENSITIVE_KEY.test(key) ? undefined : typeof value === 'string' ? clean(value) : value,
    );
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    // A cycle or a BigInt: the event is kept without its detail.
    return null;
  }
}

/** Guards the store against an event it would refuse on every retry: an invalid date, a NUL, detail that is not JSON. */
function normalize(event: AuditEvent): AuditEvent {
  return {
    at: event.at instanceof Date && !Number.isNaN(event.at.getTime()) ? event.at : new Date(),
    event: clean(String(event.event)),
    outcome: event.outcome === 'success' ? 'success' : 'denied',
    reason: cleanOrNull(event.reason),
    actor: cleanOrNull(event.actor),
    partnerId: cleanOrNull(event.partnerId),
    clientId: cleanOrNull(event.clientId),
    thumbprint: cleanOrNull(event.thumbprint),
    serial: cleanOrNull(event.serial),
    resource: cleanOrNull(event.resource),
    detail: event.detail === undefined || event.detail === null ? null : plainDetail(event.detail),
  };
}

/** The fields of an audit log line: the event as stored, with `at` as an ISO string. */
function logFields(event: AuditEvent): Record<string, unknown> {
  const fields: Record<string, unknown> = { event: event.event, outcome: event.outcome, at: event.at.toISOString() };
  for (const key of ['reason', 'actor', 'partnerId', 'clientId', 'thumbprint', 'serial', 'resource', 'detail'] as const) {
    const value = event[key];
    if (value !== undefined && value !== null) fields[key] = value;
  }
  return fields;
}

/**
 * Creates the audit log. Every event is logged at `info` the moment it is recorded — denials
 * included: a refused client is the service working, not a fault of it, and the `outcome`
 * field tells the two apart — and is written to the store by an unref'd timer in batches.
 * While the store fails, events wait in memory and are retried on the next flush; when
 * `maxBuffered` are waiting, the oldest are dropped and counted (one warning per flush).
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { store } = options;
  const logger = options.logger || null;
  const flushMs = positiveInteger('flushMs', options.flushMs ?? 250);
  const maxBatch = positiveInteger('maxBatch', options.maxBatch ?? 500, MAX_BATCH_LIMIT);
  const maxBuffered = positiveInteger('maxBuffered', options.maxBuffered ?? 50_000);
  const closeTimeoutMs = positiveInteger('closeTimeoutMs', options.closeTimeoutMs ?? 5_000);

  // A queue as an array and a head index: dropping or taking the oldest is O(1), amortised.
  let queue: AuditEvent[] = [];
  let head = 0;
  let dropped = 0;
  let unreported = 0;
  let failing = false;
  let running: Promise<void> | null = null;
  let closed = false;

  const size = () => queue.length - head;
  const compact = () => {
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
  };
  const trim = () => {
    const excess = size() - maxBuffered;
    if (excess > 0) {
      head += excess;
      dropped += excess;
      unreported += excess;
      compact();
    }
  };

  async function drain(): Promise<void> {
    while (size() > 0) {
      const batch = queue.slice(head, head + maxBatch);
      head += batch.length;
      compact();
      try {
        await store.appendAudit(batch);
      } catch (err) {
        // Keep the batch, ahead of what arrived meanwhile, for the next flush; the oldest go if that overflows.
        queue = batch.concat(queue.slice(head));
        head = 0;
        trim();
        if (!failing) logger?.warn({ err, pending: size() }, 'audit log: the store refused a write; events are kept and retried');
        failing = true;
        break;
      }
      if (failing) logger?.info({ pending: size() }, 'audit log: the store accepts writes again');
      failing = false;
    }
    if (unreported > 0) {
      logger?.warn({ dropped: unreported, droppedTotal: dropped }, 'audit log: buffer full, oldest events dropped');
      unreported = 0;
    }
  }

  function flush(): Promise<void> {
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
    if (running === null && size() > 0) void flush();
  }, flushMs);
  timer.unref();

  return {
    record(recorded) {
      let event: AuditEvent;
      try {
        event = normalize(recorded);
      } catch {
        // Only a caller ignoring the types gets here; what it recorded is kept in outline rather than thrown back.
        event = { at: new Date(), event: typeof recorded.event === 'string' ? recorded.event : 'unknown', outcome: recorded.outcome === 'success' ? 'success' : 'denied' };
      }
      try {
        logger?.info({ audit: logFields(event) }, 'audit');
      } catch {
        // A log line that cannot be written must not fail the request it records; the store still gets the event.
      }
      queue.push(event);
      trim();
    },
    flush,
    async close() {
      if (!closed) {
        closed = true;
        clearInterval(timer);
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
