import { UsageError } from './context.ts';

/** `serve`'s default audit retention: 90 days. */
export const DEFAULT_AUDIT_RETENTION = '90d';

const UNIT_MS = { h: 3_600_000, d: 86_400_000 } as const;
// A hundred years: longer is a typo, not a policy.
const MAX_MS = 36_500 * UNIT_MS.d;

/**
 * `--audit-retention`: a duration such as `90d` or `36h` (at least an hour), or `0` / `off` to
 * keep every event. The retention in milliseconds, 0 for none; a usage error that says what is
 * accepted otherwise.
 */
export function parseAuditRetention(value: string | undefined): number {
  const text = value ?? DEFAULT_AUDIT_RETENTION;
  if (text === '0' || text === 'off') return 0;
  const m = /^(\d{1,6})([hd])$/.exec(text);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : Number.NaN;
  if (!(ms >= UNIT_MS.h && ms <= MAX_MS)) {
    throw new UsageError(`--audit-retention takes a duration from 1h to 36500d such as 90d or 36h, or 0 or off to keep every event; got '${text.slice(0, 40)}'`);
  }
  return ms;
}
