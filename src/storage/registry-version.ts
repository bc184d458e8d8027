import { randomUUID } from 'node:crypto';
import type { Store } from './store.ts';

/** The settings key of the registry's version mark. */
export const REGISTRY_VERSION_KEY = 'registry_version';

/** The PostgreSQL `LISTEN`/`NOTIFY` channel a registry change is announced on; the payload is its new version mark. */
export const REGISTRY_CHANNEL = 'certbound_registry';

/**
 * Marks the registry as changed, so that every token-service instance on this store reloads
 * it — not only the one whose admin API made the change. On PostgreSQL the new mark is also
 * announced with `NOTIFY`, in the same transaction (joined when called inside one), so that
 * listeners hear of it on commit only. Returns the new mark.
 * @see https://www.postgresql.org/docs/current/sql-notify.html
 */
export async function bumpRegistryVersion(store: Store): Promise<string> {
  const version = randomUUID();
  await store.announceRegistryChange(version);
  return version;
}

/** The registry's current version mark (null before the first admin change). */
export function registryVersion(store: Store): Promise<string | null> {
  return store.getSetting(REGISTRY_VERSION_KEY);
}
