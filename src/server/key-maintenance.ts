import type { BaseLogger } from 'pino';
import type { AuditEvent } from '../core/model.ts';
import { bumpRegistryVersion } from '../storage/registry-version.ts';
import type { Store } from '../storage/store.ts';
import { maintainSigningKeys, type MaintenanceResult, type RotationSchedule } from './key-rotation.ts';

/** How the token service keeps its signing keys rotated and retired. */
export interface KeyMaintenanceOptions {
  readonly store: Store;
  /** This instance's schedule (`serve --key-rotation`); the stored one (`keys rotate --schedule`) when absent. */
  readonly schedule?: RotationSchedule | undefined;
  /** How often to check, in milliseconds; every minute by default; 0 only when run() is called. */
  readonly intervalMs?: number;
  /** Applies a change to this instance (reload); the registry version tells the others. */
  readonly onChange: () => Promise<void>;
  readonly logger?: Pick<BaseLogger, 'info' | 'warn'> | false | undefined;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** A running key maintenance. */
export interface KeyMaintenance {
  /** One pass now: rotates when due, retires keys whose tokens have all expired. Never rejects. */
  run(): Promise<MaintenanceResult>;
  stop(): void;
}

const NOTHING: MaintenanceResult = { rotated: null, retired: [] };

/**
 * Runs signing-key maintenance on an unref'd timer (the first pass one interval after start:
 * nothing in a start-up waits on it). Each change is recorded
 * (`keys.rotated`, `keys.retired`, actor `schedule`), announced to every instance through the
 * registry version, and applied here at once.
 */
export function startKeyMaintenance(options: KeyMaintenanceOptions): KeyMaintenance {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger || null;
  // One pass at a time: a slow store never lets two passes rotate twice.
  let running: Promise<MaintenanceResult> = Promise.resolve(NOTHING);
  const pass = async (): Promise<MaintenanceResult> => {
    const at = now();
    try {
      const result = await maintainSigningKeys(store, at, options.schedule);
      if (result.rotated === null && result.retired.length === 0) return result;
      const events: AuditEvent[] = [];
      if (result.rotated) {
        events.push({ at, event: 'keys.rotated', outcome: 'success', actor: 'schedule', detail: { kid: result.rotated.kid, activates_at: result.rotated.activatesAt.toISOString() } });
        logger?.info({ kid: result.rotated.kid, activates_at: result.rotated.activatesAt.toISOString() }, 'signing key rotated: published now, signing from activates_at');
      }
      if (result.retired.length > 0) {
        events.push({ at, event: 'keys.retired', outcome: 'success', actor: 'schedule', detail: { kids: result.retired } });
        logger?.info({ kids: result.retired }, 'signing keys retired: every token they signed has expired');
      }
      await bumpRegistryVersion(store);
      await options.onChange();
      // Written at once, not buffered: a key change is rare and belongs in the record even if the process dies next.
      await store.appendAudit(events).catch((err: unknown) => logger?.warn({ err }, 'signing-key maintenance: the audit row could not be written'));
      return result;
    } catch (err) {
      // The next interval tries again; until then the keys in force stay in force.
      logger?.warn({ err }, 'signing-key maintenance failed; retried at the next interval');
      return NOTHING;
    }
  };
  const run = (): Promise<MaintenanceResult> => (running = running.then(pass));
  const intervalMs = options.intervalMs ?? 60_000;
  const timer = intervalMs > 0 ? setInterval(() => void run(), intervalMs) : null;
  timer?.unref();
  return { run, stop: () => timer && clearInterval(timer) };
}
