import type { AuditEvent } from '../core/model.ts';

// Defence in depth: callers build events from known-safe fields, but a detail key that names a credential is dropped anyway.
const SENSITIVE_KEY = /secret|password|authorization|private|credential|^(access_|refresh_|id_)?token$/i;
// PostgreSQL text and jsonb cannot hold NUL; an event with one would fail its batch on every retry.
const NUL = /\u0000/g;

const clean = (value: string): string => (value.includes('\u0000') ? value.replace(NUL, '') : value);
const cleanOrNull = (value: string | null | undefined): string | null => (value === undefined || value === null ? null : clean(value));

/** A value that is JSON as it stands: no NUL to strip, nothing to serialise (an infinite number is not). */
const isPlainScalar = (value: unknown): boolean =>
  value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && !value.includes('\u0000'));

/** The event's detail as plain JSON data, without credential-named keys or NULs; null when it is not serialisable. */
function plainDetail(detail: Readonly<Record<string, unknown>>): Record<string, unknown> | null {
  // The common case — a flat record of scalars, as every event of the token path builds — is copied
  // as it is; the JSON round trip below (a third of the cost of recording an event) is for the rest.
  if (Object.getPrototypeOf(detail) === Object.prototype) {
    const copy: Record<string, unknown> = {};
    let flat = true;
    for (const key of Object.keys(detail)) {
      const value = detail[key];
      if (value === undefined || SENSITIVE_KEY.test(key)) continue;
      if (!isPlainScalar(value)) {
        flat = false;
        break;
      }
      copy[key] = value;
    }
    if (flat) return copy;
  }
  try {
    const json = JSON.stringify(detail, (key, value: unknown) =>
      key !== '' && SENSITIVE_KEY.test(key) ? undefined : typeof value === 'string' ? clean(value) : value,
    );
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    // A cycle or a BigInt: the event is kept without its detail.
    return null;
  }
}

/** Guards the store against an event it would refuse on every retry: an invalid date, a NUL, detail that is not JSON. */
export function normalizeAuditEvent(event: AuditEvent): AuditEvent {
  return {
    at: event.at instanceof Date && !Number.isNaN(event.at.getTime()) ? event.at : new Date(),
    event: clean(String(event.event)),
    outcome: event.outcome === 'success' ? 'success' : 'denied',
    reason: cleanOrNull(event.reason),
    actor: cleanOrNull(event.actor),
    partnerId: cleanOrNull(event.partnerId),
    clientId: cleanOrNull(event.clientId),
    thumbprint: cleanOrNull(event.thumbprint),
    serial: cleanOrNull(event.serial),
    resource: cleanOrNull(event.resource),
    detail: event.detail === undefined || event.detail === null ? null : plainDetail(event.detail),
  };
}

/** The event in outline, for a caller that ignored the types: what normalizeAuditEvent could not read. */
export function outlineAuditEvent(recorded: AuditEvent): AuditEvent {
  return { at: new Date(), event: typeof recorded.event === 'string' ? recorded.event : 'unknown', outcome: recorded.outcome === 'success' ? 'success' : 'denied' };
}

/** The fields of an audit log line: the event as stored, with `at` as an ISO string. */
export function auditLogFields(event: AuditEvent): Record<string, unknown> {
  const fields: Record<string, unknown> = { event: event.event, outcome: event.outcome, at: event.at.toISOString() };
  for (const key of ['reason', 'actor', 'partnerId', 'clientId', 'thumbprint', 'serial', 'resource', 'detail'] as const) {
    const value = event[key];
    if (value !== undefined && value !== null) fields[key] = value;
  }
  return fields;
}
