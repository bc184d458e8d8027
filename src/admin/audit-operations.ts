// The admin operations on the audit log: query it, and prune it (retention).
import { parseTimestamp } from '../core/timestamp.ts';
import { id, integer, object, string } from './input-schemas.ts';
import { defineOperation, InvalidAdminInput } from './operation.ts';

/**
 * `--since` / `--before`: an RFC 3339 time or ISO 8601 date (parsed strictly: no roll-over of
 * impossible dates), or a duration back from now such as `30m`, `12h`, `7d`.
 */
export function parseSince(value: string, now = new Date(), name = 'since'): Date {
  const m = /^(\d{1,6})([smhd])$/.exec(value);
  if (m) return new Date(now.getTime() - Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd']);
  const date = parseTimestamp(value);
  if (date === null) {
    throw new InvalidAdminInput(`${name} '${value}' is neither an existing date or RFC 3339 time (2026-02-01, 2026-02-01T12:00:00Z) nor a duration like 30m, 12h, 7d`);
  }
  return date;
}

/** The audit log operations, served at /v1/audit and run by `certbound audit`. */
export const AUDIT_OPERATIONS = [
  defineOperation({
    id: 'queryAudit', method: 'GET', path: '/v1/audit', summary: 'Audit events, newest last, filtered by partner, client, time and outcome', changes: false,
    input: object({ partner: id, client: id, since: string, outcome: { type: 'string', enum: ['success', 'denied'] }, limit: integer(1, 10_000) }, []),
    run: async (ctx, i) => {
      const events = await ctx.store.queryAudit({
        ...(i.partner === undefined ? {} : { partnerId: i.partner }),
        ...(i.client === undefined ? {} : { clientId: i.client }),
        ...(i.since === undefined ? {} : { since: parseSince(i.since) }),
        ...(i.outcome === undefined ? {} : { outcome: i.outcome }),
        ...(i.limit === undefined ? {} : { limit: i.limit }),
      });
      return events.map((e) => ({
        id: e.id, at: e.at.toISOString(), event: e.event, outcome: e.outcome, reason: e.reason ?? null, actor: e.actor ?? null,
        partner: e.partnerId ?? null, client: e.clientId ?? null, thumbprint: e.thumbprint ?? null, serial: e.serial ?? null,
        resource: e.resource ?? null, detail: e.detail ?? null,
      }));
    },
  }),
  defineOperation({
    id: 'pruneAudit', method: 'DELETE', path: '/v1/audit', changes: true,
    summary: 'Delete audit events older than a time or a duration back from now (retention)',
    input: object({ before: string }, ['before']),
    run: async (ctx, i) => {
      const before = parseSince(i.before, new Date(), 'before');
      return { before: before.toISOString(), deleted: await ctx.store.pruneAudit(before) };
    },
  }),
];
