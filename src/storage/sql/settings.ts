import type { RegistryListener, RegistrySubscription, Store } from '../store.ts';
import { REGISTRY_CHANNEL, REGISTRY_VERSION_KEY } from '../registry-version.ts';
import type { SqlContext } from './context.ts';

async function settingOf(sql: SqlContext, key: string): Promise<string | null> {
  const [row] = await sql.rows<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
  return row?.value ?? null;
}

/** The Store's settings and registry-change operations. */
export type SettingsOperations = Pick<Store, 'getSetting' | 'setSetting' | 'claimSetting' | 'announceRegistryChange' | 'listenRegistryChanges'>;

/** Settings (key and value), and the registry version mark other instances reload on. */
export function settingsOperations(sql: SqlContext): SettingsOperations {
  return {
    getSetting(key: string): Promise<string | null> {
      return settingOf(sql, key);
    },

    async setSetting(key: string, value: string): Promise<void> {
      await sql.rows(
        'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
        [key, value],
      );
    },

    async claimSetting(key: string, value: string): Promise<string> {
      // A concurrent claim waits for the first one's commit, then does nothing.
      await sql.rows('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
      return (await settingOf(sql, key))!;
    },

    async announceRegistryChange(version: string): Promise<void> {
      await sql.transaction(async (tx) => {
        const q = tx.q;
        await q.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [REGISTRY_VERSION_KEY, version]);
        // Queued until commit: no listener reloads before the change is visible, nor for one rolled back.
        if (q.dialect === 'postgres') await q.query('SELECT pg_notify($1, $2)', [REGISTRY_CHANNEL, version]);
      });
    },

    async listenRegistryChanges(listener: RegistryListener): Promise<RegistrySubscription | null> {
      // Inside a transaction there is no database of its own to listen on; the embedded one cannot push.
      return sql.db?.listen ? sql.db.listen(REGISTRY_CHANNEL, listener) : null;
    },
  };
}
