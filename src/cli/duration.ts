import { UsageError } from './context.ts';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration option such as `90s`, `30m`, `1h` or `30d` (a whole number and one unit), in
 * milliseconds, from `min` to `max` ms; a usage error naming the option and what it takes otherwise.
 */
export function parseDuration(option: string, value: string, min: number, max: number): number {
  const m = /^(\d{1,7})([smhd])$/.exec(value);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : Number.NaN;
  if (!(ms >= min && ms <= max)) {
    throw new UsageError(`--${option} takes a duration from ${describe(min)} to ${describe(max)} such as 30m, 1h or 30d; got '${value.slice(0, 40)}'`);
  }
  return ms;
}

function describe(ms: number): string {
  if (ms === 0) return '0';
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms % UNIT_MS[unit] === 0 && ms >= UNIT_MS[unit]) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}
