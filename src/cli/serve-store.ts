import { setTimeout as sleep } from 'node:timers/promises';
import { CertboundError } from '../core/certbound-error.ts';
import { openStore, type OpenStoreOptions } from '../storage/open.ts';
import type { Store } from '../storage/store.ts';
import type { Io } from './context.ts';

/** Waits between attempts to reach the database at start (ms): doubled from the first, up to the last. */
export const START_RETRY_MS = { first: 1_000, max: 30_000 } as const;

/**
 * Opens the store `serve` runs on. A PostgreSQL server that cannot be reached
 * (ERR_CERTBOUND_DATABASE_UNAVAILABLE) is tried again with backoff, each failure reported with
 * its reason (password redacted), until it answers — a service started before its database, or
 * during a database restart, comes up on its own. Returns null when `stopped` settles first.
 */
export async function openServeStore(dir: string, options: OpenStoreOptions, io: Io, stopped: Promise<unknown>): Promise<Store | null> {
  let wait: number = START_RETRY_MS.first;
  let stop = false;
  void stopped.then(() => (stop = true));
  for (;;) {
    try {
      return await openStore(dir, options);
    } catch (err) {
      const retryable = options.databaseUrl !== undefined && err instanceof CertboundError && err.code === 'ERR_CERTBOUND_DATABASE_UNAVAILABLE';
      if (!retryable) throw err;
      io.err(`certbound serve: ${err.message}; retrying in ${wait / 1000} s (Ctrl-C to stop)`);
    }
    const abort = new AbortController();
    await Promise.race([sleep(wait, undefined, { signal: abort.signal }).catch(() => {}), stopped]);
    abort.abort();
    if (stop) return null;
    wait = Math.min(wait * 2, START_RETRY_MS.max);
  }
}
