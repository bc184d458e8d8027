// Signing-key rotation: a new key is published (in /jwks) a lead time before it signs, so that
// every resource server caching the JWKS holds it before meeting a token it signed; the key it
// replaces stays published until every token it signed has expired, then is retired.
import type { SigningKey } from '../core/model.ts';
import { CertboundError } from '../core/certbound-error.ts';
import type { Store } from '../storage/store.ts';
import { generateSigningKey } from './signing-keys.ts';

/** The longest an access token lives: the bound every client's token lifetime is held to (24 h). */
export const MAX_TOKEN_LIFETIME_MS = 86_400_000;
/** Kept beyond the last token's expiry: clock skew between instances and resource servers. */
export const RETIRE_MARGIN_MS = 5 * 60_000;
/** How long a rotated key is published before it signs, unless told: 1 hour. */
export const DEFAULT_LEAD_TIME_MS = 3_600_000;
/** The setting an automatic rotation schedule is stored under (`keys rotate --schedule`). */
export const ROTATION_SETTING = 'signing_key_rotation';

/** Automatic rotation: a new key every `everyMs`, published `leadTimeMs` before it signs. */
export interface RotationSchedule {
  readonly everyMs: number;
  readonly leadTimeMs: number;
}

/** Where a key is in its life at a given time. */
export type KeyState = 'pending' | 'signing' | 'previous' | 'retired';

/** A signing key's place in the rotation: its state, and for a previous key when it may be retired. */
export interface KeyStatus {
  readonly key: SigningKey;
  readonly state: KeyState;
  /** When it stopped signing (its successor's activation); null while it signs or waits. */
  readonly lastSigningAt: Date | null;
  /** When every token it signed has expired, so that it may leave the JWKS; null until it stops signing. */
  readonly retiresAt: Date | null;
}

function byActivation(keys: readonly SigningKey[]): SigningKey[] {
  return keys.filter((k) => k.active).sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime());
}

/** Every key's state at `now` (published keys by activation, then retired ones). */
export function keyStatuses(keys: readonly SigningKey[], now: Date): KeyStatus[] {
  const published = byActivation(keys);
  const t = now.getTime();
  const activated = published.filter((k) => k.activatesAt.getTime() <= t);
  const signing = activated.at(-1) ?? published[0];
  const statuses = published.map((key, i): KeyStatus => {
    if (key === signing) return { key, state: 'signing', lastSigningAt: null, retiresAt: null };
    if (key.activatesAt.getTime() > t) return { key, state: 'pending', lastSigningAt: null, retiresAt: null };
    // It stopped signing when the next key by activation took over (already past: `signing` is later).
    const lastSigningAt = published[i + 1]!.activatesAt;
    return { key, state: 'previous', lastSigningAt, retiresAt: new Date(lastSigningAt.getTime() + MAX_TOKEN_LIFETIME_MS + RETIRE_MARGIN_MS) };
  });
  const retired = keys.filter((k) => !k.active).map((key): KeyStatus => ({ key, state: 'retired', lastSigningAt: null, retiresAt: key.retiredAt }));
  return [...statuses, ...retired];
}

/** Whether a scheduled rotation is due: the signing key was made to sign until `now + leadTime`, and nothing is waiting. */
export function rotationDue(keys: readonly SigningKey[], now: Date, schedule: RotationSchedule): boolean {
  const newest = byActivation(keys).at(-1);
  if (!newest) return false;
  // Started a lead time early, so that the new key signs exactly one period after the last one did.
  return newest.activatesAt.getTime() + schedule.everyMs - schedule.leadTimeMs <= now.getTime();
}

/** Checks a rotation schedule: a lead time shorter than the period, both whole positive milliseconds. */
export function assertSchedule(schedule: RotationSchedule): void {
  if (!(Number.isSafeInteger(schedule.leadTimeMs) && schedule.leadTimeMs >= 0 && Number.isSafeInteger(schedule.everyMs) && schedule.everyMs > schedule.leadTimeMs)) {
    throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', 'a rotation schedule needs a period longer than its lead time');
  }
}

/**
 * Adds a new signing key, published at once and signing from `now + leadTimeMs`; wrapped under
 * the store's KEK like every private key.
 */
export async function rotateSigningKey(store: Store, now: Date, leadTimeMs: number = DEFAULT_LEAD_TIME_MS): Promise<SigningKey> {
  if (!(Number.isSafeInteger(leadTimeMs) && leadTimeMs >= 0)) throw new CertboundError('ERR_CERTBOUND_INVALID_INPUT', 'the lead time must be zero or more milliseconds');
  const key = await generateSigningKey(new Date(now.getTime() + leadTimeMs));
  await store.addSigningKey(key);
  const stored = (await store.listSigningKeys()).find((k) => k.kid === key.kid);
  if (!stored) throw new CertboundError('ERR_CERTBOUND_NOT_FOUND', 'the new signing key was not stored');
  return stored;
}

/** Retires (withdraws from the JWKS) every previous key whose tokens have all expired at `now`; their kids. */
export async function retireExpiredKeys(store: Store, now: Date): Promise<string[]> {
  const due = keyStatuses(await store.listSigningKeys(), now).filter((s) => s.state === 'previous' && s.retiresAt!.getTime() <= now.getTime());
  const retired: string[] = [];
  for (const { key } of due) if (await store.retireSigningKey(key.kid, now)) retired.push(key.kid);
  return retired;
}

/** The stored rotation schedule (`keys rotate --schedule`), or null for none. */
export async function readRotationSchedule(store: Store): Promise<RotationSchedule | null> {
  const text = await store.getSetting(ROTATION_SETTING);
  if (text === null || text === 'off') return null;
  try {
    const { every_ms: everyMs, lead_time_ms: leadTimeMs } = JSON.parse(text) as { every_ms?: unknown; lead_time_ms?: unknown };
    if (typeof everyMs !== 'number' || typeof leadTimeMs !== 'number') return null;
    const schedule = { everyMs, leadTimeMs };
    assertSchedule(schedule);
    return schedule;
  } catch {
    // A malformed setting rotates nothing rather than rotating at a wrong pace.
    return null;
  }
}

/** Stores (or with null, clears) the automatic rotation schedule every instance on the store follows. */
export async function writeRotationSchedule(store: Store, schedule: RotationSchedule | null): Promise<void> {
  if (schedule) assertSchedule(schedule);
  await store.setSetting(ROTATION_SETTING, schedule === null ? 'off' : JSON.stringify({ every_ms: schedule.everyMs, lead_time_ms: schedule.leadTimeMs }));
}

/** What one maintenance pass changed. */
export interface MaintenanceResult {
  /** The key a scheduled rotation added, if any. */
  readonly rotated: SigningKey | null;
  readonly retired: readonly string[];
}

/**
 * One pass of key maintenance at `now`: rotates when `schedule` (or else the stored schedule)
 * says it is due, and retires the keys whose tokens have all expired. Several instances on one
 * store may run it: a second pass finds the rotation done (one transaction re-reads the keys).
 */
export async function maintainSigningKeys(store: Store, now: Date, schedule?: RotationSchedule | null): Promise<MaintenanceResult> {
  const plan = schedule === undefined ? await readRotationSchedule(store) : schedule;
  const rotated = plan === null ? null : await store.transaction(async (tx) => (rotationDue(await tx.listSigningKeys(), now, plan) ? rotateSigningKey(tx, now, plan.leadTimeMs) : null));
  return { rotated, retired: await retireExpiredKeys(store, now) };
}
