import type { Logger } from 'pino';
import { registryVersion } from '../storage/registry-version.ts';
import type { Store } from '../storage/store.ts';

/**
 * Polls the store's registry version every `intervalMs` and calls `reload` when it changes, so
 * that several instances sharing one PostgreSQL database all apply an admin change within an
 * interval. One small query per interval, off every request path. Returns a stop function.
 */
export async function watchRegistry(store: Store, intervalMs: number, reload: () => Promise<void>, logger?: Logger | false): Promise<() => void> {
  let seen = await registryVersion(store).catch(() => null);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    registryVersion(store)
      .then(async (version) => {
        if (version === seen) return;
        await reload();
        seen = version;
      })
      // The database may be briefly away: keep serving what is loaded and try again next time.
      .catch((err: unknown) => logger && logger.warn({ err }, 'could not check the registry for changes'))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
