import type { BaseLogger } from 'pino';
import type { Gauge } from 'prom-client';
import type { Store } from '../storage/store.ts';
import { watchedCertificates, type WatchedCertificate } from './certificate-inventory.ts';

/** Days before expiry at which a warning is logged, once each per certificate. */
export const EXPIRY_WARNING_DAYS = [30, 7, 1] as const;
const DAY_MS = 86_400_000;

/** How to watch certificate expiry. */
export interface ExpiryWatchOptions {
  readonly store: Store;
  /** certbound_certificate_expiry_seconds{kind,name}. */
  readonly gauge: Gauge<'kind' | 'name'>;
  /** The certificate the token listener serves now (it may be another than the stored one: --tls-cert, a renewal). */
  readonly served: () => { readonly name: string; readonly certPem: string };
  readonly logger?: Pick<BaseLogger, 'warn'> | false | undefined;
  /** How often to look again (ms); hourly by default, 0 only when check() is called. */
  readonly intervalMs?: number;
  /** Clock, for tests. */
  readonly now?: () => Date;
}

/** A running expiry watch. */
export interface ExpiryWatch {
  /** Looks at every certificate now: gauges set, warnings logged. Never rejects. */
  check(): Promise<void>;
  stop(): void;
}

/** The lowest warning threshold (days) a certificate with `msLeft` has crossed, or null for none; 0 once expired. */
export function crossedThreshold(msLeft: number): number | null {
  if (msLeft <= 0) return 0;
  let crossed: number | null = null;
  for (const days of EXPIRY_WARNING_DAYS) if (msLeft <= days * DAY_MS) crossed = days;
  return crossed;
}

/**
 * Sets `certbound_certificate_expiry_seconds` for every watched certificate — per kind and name
 * the latest expiry, so that a client that already moved to a new certificate is not reported by
 * its old one — and logs a warning when a certificate comes within 30, 7 and 1 days of expiry
 * (and when it has expired), once per threshold for this process.
 */
export function startExpiryWatch(options: ExpiryWatchOptions): ExpiryWatch {
  const { store, gauge } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger || null;
  // Per certificate (kind, name, serial), the lowest threshold already warned about.
  const warned = new Map<string, number>();
  let running: Promise<void> = Promise.resolve();
  const pass = async (): Promise<void> => {
    let certificates: WatchedCertificate[];
    try {
      certificates = await watchedCertificates(store, options.served());
    } catch (err) {
      logger?.warn({ err }, 'expiry watch: the store could not be read; retried at the next check');
      return;
    }
    const at = now().getTime();
    const latest = new Map<string, WatchedCertificate>();
    for (const c of certificates) {
      const key = `${c.kind}\u0000${c.name}`;
      const seen = latest.get(key);
      if (!seen || seen.notAfter < c.notAfter) latest.set(key, c);
    }
    gauge.reset();
    for (const c of latest.values()) gauge.set({ kind: c.kind, name: c.name }, Math.round((c.notAfter.getTime() - at) / 1000));
    for (const c of latest.values()) {
      const threshold = crossedThreshold(c.notAfter.getTime() - at);
      const key = `${c.kind}\u0000${c.name}\u0000${c.serial ?? c.thumbprint ?? ''}`;
      if (threshold === null || (warned.get(key) ?? Number.POSITIVE_INFINITY) <= threshold) continue;
      warned.set(key, threshold);
      const details = { kind: c.kind, name: c.name, serial: c.serial, not_after: c.notAfter.toISOString(), days_left: Math.max(0, Math.floor((c.notAfter.getTime() - at) / DAY_MS)) };
      logger?.warn({ ...details, threshold_days: threshold }, threshold === 0 ? 'certificate has expired' : `certificate expires within ${threshold} day${threshold === 1 ? '' : 's'}`);
    }
  };
  const check = (): Promise<void> => (running = running.then(pass));
  const intervalMs = options.intervalMs ?? 3_600_000;
  const timer = intervalMs > 0 ? setInterval(() => void check(), intervalMs) : null;
  timer?.unref();
  return { check, stop: () => timer && clearInterval(timer) };
}
