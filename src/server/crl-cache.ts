/**
 * The CRLs of imported partner CAs, fetched from their configured sources and kept fresh in
 * memory, so that the token endpoint checks revocation without I/O.
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-6.3
 */
import type { Logger } from 'pino';
import { CertboundError } from '../core/certbound-error.ts';
import { parseCrl, type ParsedCrl } from '../pki/crl-parse.ts';
import { CRL_FETCH_TIMEOUT_MS, describeCrlSource, MAX_CRL_BYTES, readCrlSource } from './crl-source.ts';
import type { Anchor, RevocationLists } from './registry.ts';
import { outOfRange } from '../core/argument-error.ts';

/** How the cache fetches and refreshes. */
export interface CrlCacheOptions {
  /** How often each CRL is fetched again; 5 minutes by default. */
  readonly refreshMs?: number;
  /** How long one fetch may take; 5 seconds by default. */
  readonly fetchTimeoutMs?: number;
  /** CA certificates (PEM) trusted for https sources besides Node's bundled roots. */
  readonly fetchCa?: readonly string[];
  /** The largest CRL accepted; 10 MiB by default. */
  readonly maxBytes?: number;
  readonly logger?: Pick<Logger, 'warn'> | undefined;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** The CRLs of the anchors that have a CRL source. */
export interface CrlCache extends RevocationLists {
  /**
   * Makes these the anchors whose CRLs are kept and starts fetching the new sources; the
   * promise settles when those fetches are done (each within the fetch deadline). The token
   * service does not wait for it on a reload: the anchor fails closed until its CRL is at hand.
   */
  sync(anchors: Iterable<Anchor>): Promise<void>;
  /** Fetches every CRL again now, and waits. */
  refresh(): Promise<void>;
  /** Stops refreshing and aborts fetches in flight. */
  close(): void;
}

interface Entry {
  readonly source: string;
  anchor: Anchor;
  crl: ParsedCrl | null;
  /** When to fetch again (ms since the epoch). */
  dueAt: number;
  inflight: Promise<void> | null;
}

/** A failed fetch is retried at least this often, whatever the refresh interval. */
const RETRY_MS = 60_000;
/** How long after a CRL's nextUpdate its successor is fetched: publishers replace it around then. */
const AFTER_NEXT_UPDATE_MS = 1_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

const keyOf = (fingerprint: string, source: string) => `${fingerprint}\n${source}`;

/**
 * Creates the cache. A CRL is used from when it is accepted (see `parseCrl`) until its
 * nextUpdate; a failed fetch keeps the last valid one and logs a warning. With no valid CRL
 * at hand `revokedSerials` answers null, and the token service refuses the anchor's clients.
 */
export function createCrlCache(options: CrlCacheOptions = {}): CrlCache {
  const refreshMs = options.refreshMs ?? 300_000;
  const timeoutMs = options.fetchTimeoutMs ?? CRL_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? MAX_CRL_BYTES;
  if (!(refreshMs > 0) || !(timeoutMs > 0) || !(maxBytes > 0)) {
    throw outOfRange('refreshMs, fetchTimeoutMs and maxBytes must be positive');
  }
  const now = options.now ?? (() => new Date());
  const logger = options.logger;
  const entries = new Map<string, Entry>();
  const closing = new AbortController();
  let timer: NodeJS.Timeout | undefined;

  const usable = (crl: ParsedCrl | null, at: number): crl is ParsedCrl => crl !== null && crl.nextUpdate.getTime() > at;

  const fetchEntry = (entry: Entry): Promise<void> => {
    entry.inflight ??= (async () => {
      try {
        const bytes = await readCrlSource(entry.source, { timeoutMs, maxBytes, signal: closing.signal, ...(options.fetchCa ? { ca: options.fetchCa } : {}) });
        const crl = await parseCrl(bytes, entry.anchor.x509, now());
        // A stale mirror must not roll back to an older list than the one held.
        if (entry.crl === null || crl.thisUpdate.getTime() >= entry.crl.thisUpdate.getTime()) entry.crl = crl;
        entry.dueAt = Math.min(now().getTime() + refreshMs, entry.crl.nextUpdate.getTime() + AFTER_NEXT_UPDATE_MS);
      } catch (err) {
        const at = now().getTime();
        const held = entry.crl;
        const kept = usable(held, at);
        // Retry sooner than the refresh interval, and no later than just after the kept CRL expires.
        entry.dueAt = Math.min(at + Math.min(refreshMs, RETRY_MS), kept ? held.nextUpdate.getTime() + AFTER_NEXT_UPDATE_MS : Infinity);
        if (closing.signal.aborted) return;
        logger?.warn(
          {
            authority: entry.anchor.authorityId,
            source: describeCrlSource(entry.source),
            // Our own errors carry safe messages; anything else is named by type only.
            reason: err instanceof CertboundError ? err.message : err instanceof Error ? err.name : 'unknown error',
            keptUntil: kept ? held.nextUpdate.toISOString() : null,
          },
          kept
            ? 'CRL refresh failed: the last valid CRL is used until its nextUpdate'
            : "CRL refresh failed: no valid CRL at hand, the CA's clients are refused",
        );
      } finally {
        entry.inflight = null;
      }
    })();
    return entry.inflight;
  };

  const schedule = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (closing.signal.aborted || entries.size === 0) return;
    const next = Math.min(...[...entries.values()].map((e) => e.dueAt));
    const delay = Math.min(Math.max(next - now().getTime(), Math.min(1_000, refreshMs)), MAX_TIMER_MS);
    timer = setTimeout(() => void fetchDue(false).finally(schedule), delay);
    // Refreshing CRLs never keeps the process alive on its own.
    timer.unref();
  };

  const fetchDue = async (all: boolean): Promise<void> => {
    const at = now().getTime();
    const due = [...entries.values()].filter((e) => all || e.dueAt <= at || !usable(e.crl, at));
    await Promise.all(due.map(fetchEntry));
  };

  return {
    revokedSerials(anchor) {
      if (anchor.crlSource === null) return null;
      const crl = entries.get(keyOf(anchor.fingerprint, anchor.crlSource))?.crl ?? null;
      return usable(crl, now().getTime()) ? crl.serials : null;
    },
    async sync(anchors) {
      const wanted = new Map<string, Anchor>();
      for (const anchor of anchors) {
        if (anchor.crlSource !== null) wanted.set(keyOf(anchor.fingerprint, anchor.crlSource), anchor);
      }
      for (const key of entries.keys()) if (!wanted.has(key)) entries.delete(key);
      const added: Entry[] = [];
      for (const [key, anchor] of wanted) {
        const entry = entries.get(key);
        if (entry) entry.anchor = anchor;
        else {
          const fresh: Entry = { source: anchor.crlSource!, anchor, crl: null, dueAt: 0, inflight: null };
          entries.set(key, fresh);
          added.push(fresh);
        }
      }
      // Only a new source is waited for; known ones (failing ones included) are the timer's, so
      // an unreachable CRL server cannot hold up every registry change.
      await Promise.all(added.map(fetchEntry));
      schedule();
    },
    async refresh() {
      await fetchDue(true);
      schedule();
    },
    close() {
      closing.abort();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
