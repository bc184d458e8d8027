/**
 * Strict RFC 3339 timestamps and ISO 8601 calendar dates, for times an operator types
 * (`audit --since`, `audit prune --before`). `Date.parse` rolls impossible dates over —
 * `2026-02-30` becomes 2 March — and reads other forms by locale; here they are refused.
 * @see https://www.rfc-editor.org/rfc/rfc3339#section-5.6
 */

// full-date, or full-date "T" full-time with a mandatory offset: a time without one would be
// read in the server's zone, which the operator may not know.
const FORM = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2})))?$/;

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (year: number, month: number): number => (month === 2 && isLeap(year) ? 29 : DAYS[month - 1]!);

/** Milliseconds since the epoch of a UTC calendar time; Date.UTC alone maps years 0–99 to 1900–1999. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year);
  return date.getTime();
}

/**
 * Parses `YYYY-MM-DD` (midnight UTC) or an RFC 3339 date-time (`2026-02-01T12:00:00Z`,
 * `…+02:00`, fractional seconds allowed); null for anything else, including a date that does
 * not exist (month 13, 30 February, hour 24, second 60).
 * @see https://www.rfc-editor.org/rfc/rfc3339#section-5.7
 */
export function parseTimestamp(text: string): Date | null {
  const m = FORM.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (m[4] === undefined) return new Date(utc(year, month, day));
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  // RFC 3339 allows a leap second (60); a Date cannot hold one, so it is refused rather than rolled over.
  if (hour > 23 || minute > 59 || second > 59) return null;
  // Milliseconds from the first three digits (by text: 0.29 * 1000 is not 290 in floating point).
  const ms = m[7] === undefined ? 0 : Number(`${m[7].slice(1)}00`.slice(0, 3));
  let offsetMin = 0;
  if (m[8] === undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return null;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(utc(year, month, day, hour, minute, second, ms) - offsetMin * 60_000);
  return Number.isNaN(date.getTime()) ? null : date;
}
