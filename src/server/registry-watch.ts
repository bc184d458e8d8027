import type { Logger } from 'pino';
import { isDatabaseError, loggableError } from '../storage/database-error.ts';
import { registryVersion } from '../storage/registry-version.ts';
import type { RegistrySubscription, Store } from '../storage/store.ts';

/** What a log line says of a failure: a SQLSTATE, or the message alone — never a stack (the database being away is not a bug). */
function reason(err: unknown): Record<string, unknown> {
  if (isDatabaseError(err)) return loggableError(err);
  return { reason: err instanceof Error ? err.message : String(err) };
}

/** How a token service follows registry changes made elsewhere (another instance, the CLI on the database). */
export interface RegistryWatchOptions {
  /** Re-reads the registry; called one at a time, and once for any number of changes heard meanwhile. */
  readonly reload: () => Promise<void>;
  /** How often the version mark is polled (ms); 0 never. The safety net beside notifications. */
  readonly pollMs: number;
  /** Whether to subscribe to the store's change notifications (PostgreSQL `LISTEN`) where it has them. */
  readonly notifications: boolean;
  /** The version mark read before the registry in memory was loaded (undefined: unknown). */
  readonly loadedVersion: string | null | undefined;
  readonly logger?: Logger | false | undefined;
}

/** A running watch. */
export interface RegistryWatch {
  stop(): Promise<void>;
}

/**
 * Applies registry changes made anywhere on the store: at once when the store pushes them
 * (PostgreSQL `LISTEN`/`NOTIFY`, on a connection of its own that is re-made after a loss, with
 * one catch-up reload after each reconnection), and by polling the version mark every `pollMs`
 * as a safety net. Reloads never overlap: changes heard during one are applied by one more.
 */
export async function watchRegistry(store: Store, options: RegistryWatchOptions): Promise<RegistryWatch> {
  const log = options.logger || undefined;
  // What the registry in memory includes; undefined: not known (a failed read or reload), so
  // the next check reloads whatever it finds. Read before the load, so that a change committed
  // during it is not taken as included.
  let seen = options.loadedVersion;
  let running = false;
  let pending = false;
  let stopped = false;

  const apply = (): void => {
    if (stopped) return;
    if (running) {
      pending = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        pending = false;
        try {
          await options.reload();
        } catch (err) {
          // What is loaded keeps serving; the next change or poll tries again.
          seen = undefined;
          log?.warn(reason(err), 'could not reload the registry after a change');
        }
      } while (pending && !stopped);
      running = false;
    })();
  };

  let checking = false;
  let failing = false;
  /** Reloads when the version mark differs from the one in memory. */
  const check = (): void => {
    if (checking || stopped) return;
    checking = true;
    registryVersion(store)
      .then((version) => {
        if (failing) log?.info('the registry is reachable again');
        failing = false;
        if (version === seen) return;
        seen = version;
        apply();
      })
      // The database may be briefly away: keep serving what is loaded, say so once, try again next time.
      .catch((err: unknown) => {
        if (!failing) log?.warn(reason(err), 'could not check the registry for changes');
        failing = true;
      })
      .finally(() => {
        checking = false;
      });
  };

  let subscription: RegistrySubscription | null = null;
  if (options.notifications) {
    subscription = await store.listenRegistryChanges({
      onChange(version) {
        // This instance's own change (or one already applied) comes back too: nothing to do.
        if (version === seen) return;
        seen = version;
        apply();
      },
      onSubscribed(reconnected) {
        if (!reconnected) {
          // A change committed between the load and this subscription was announced to no one here.
          check();
          return;
        }
        log?.info('listening for registry changes again; reloading to catch up');
        apply();
      },
      onLost(err, retryInMs) {
        log?.warn({ ...reason(err), retry_in_ms: retryInMs }, 'lost the registry change subscription; retrying (polling meanwhile)');
      },
    });
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  if (options.pollMs > 0) {
    timer = setInterval(check, options.pollMs);
    timer.unref();
  }

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await subscription?.close();
    },
  };
}
