import type { AuditEvent } from '../core/model.ts';

/**
 * Folds refusals of peers that proved no identity into one event per (event, reason, registered
 * client named if any, peer address) and interval, with a count: such a peer can send as many attempts as it likes, and
 * each must not cost a row. Memory is bounded too: past `maxKeys` distinct keys, further peers
 * are counted under the peer `*` (per event name), however many addresses they come from.
 */
export interface AuditAggregator {
  /** Counts the event under its key; true when it opened the key (the first of its interval). Never throws. */
  add(event: AuditEvent, peer: string): boolean;
  /** The aggregated events since the last call, oldest first, and a fresh interval. */
  take(): AuditEvent[];
  /** Keys held in the current interval. */
  readonly size: number;
}

/** The peer under which events past the key limit are counted. */
export const OVERFLOW_PEER = '*';

// Fields kept in the aggregate only when every event of the interval agrees on them.
const SHARED = ['reason', 'partnerId', 'clientId', 'thumbprint', 'serial', 'resource'] as const;

interface Entry {
  first: AuditEvent;
  shared: Record<(typeof SHARED)[number], string | null>;
  detail: Record<string, unknown>;
  peer: string;
  count: number;
  last: Date;
}

/** Creates an aggregator holding at most `maxKeys` peers' keys (plus one overflow key per event name). */
export function createAuditAggregator(maxKeys: number): AuditAggregator {
  let entries = new Map<string, Entry>();

  return {
    add(event, peer) {
      // A registered client is part of the key (their number is bounded): wrong secrets for two clients stay two rows.
      let key = `${event.event}\n${event.reason ?? ''}\n${event.clientId ?? ''}\n${peer}`;
      let entry = entries.get(key);
      if (!entry && entries.size >= maxKeys) {
        // Too many distinct peers this interval: count the rest together rather than grow.
        peer = OVERFLOW_PEER;
        key = `${event.event}\n\n\n${OVERFLOW_PEER}`;
        entry = entries.get(key);
      }
      if (!entry) {
        const shared = Object.fromEntries(SHARED.map((f) => [f, event[f] ?? null])) as Entry['shared'];
        entries.set(key, { first: event, shared, detail: { ...event.detail }, peer, count: 1, last: event.at });
        return true;
      }
      entry.count++;
      entry.last = event.at;
      for (const f of SHARED) if (entry.shared[f] !== (event[f] ?? null)) entry.shared[f] = null;
      for (const [k, v] of Object.entries(entry.detail)) if (event.detail?.[k] !== v) delete entry.detail[k];
      return false;
    },
    take() {
      const taken = [...entries.values()].map((e): AuditEvent => ({
        ...e.first,
        ...e.shared,
        detail: { ...e.detail, peer: e.peer, count: e.count, last_at: e.last.toISOString() },
      }));
      entries = new Map();
      return taken;
    },
    get size() {
      return entries.size;
    },
  };
}
