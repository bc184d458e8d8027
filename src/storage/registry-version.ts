import { randomUUID } from 'node:crypto';
import type { Store } from './store.ts';

const KEY = 'registry_version';

/**
 * Marks the registry as changed, so that every token-service instance on this store reloads
 * it — not only the one whose admin API made the change.
 */
export async function bumpRegistryVersion(store: Store): Promise<void> {
  await store.setSetting(KEY, randomUUID());
}

/** The registry's current version mark (null before the first admin change). */
export function registryVersion(store: Store): Promise<string | null> {
  return store.getSetting(KEY);
}
