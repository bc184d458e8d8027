import type { AuditEvent, StoredAuditEvent } from '../../core/model.ts';
import type { Queryable } from '../database.ts';
import type { AuditQuery, Store } from '../store.ts';
import { INSERT_AUDIT_BATCH } from '../sql-dialect.ts';
import { toAuditEvent, type AuditRow } from '../sql-rows.ts';
import type { SqlContext } from './context.ts';

/** The Store's audit-log operations. */
export type AuditOperations = Pick<Store, 'appendAudit' | 'pruneAudit' | 'queryAudit'>;

/** The audit log: batched appends, pruning by age, and queries (newest last). */
export function auditOperations(sql: SqlContext): AuditOperations {
  return {
    async appendAudit(events: readonly AuditEvent[]): Promise<void> {
      if (events.length === 0) return;
      const rows = events.map((e) => [
        e.at.toISOString(), e.event, e.outcome, e.reason ?? null, e.actor ?? null, e.partnerId ?? null, e.clientId ?? null,
        e.thumbprint ?? null, e.serial ?? null, e.resource ?? null, e.detail ? JSON.stringify(e.detail) : null,
      ]);
      const insert = async (q: Queryable): Promise<void> => {
        const statement = INSERT_AUDIT_BATCH[q.dialect];
        // PostgreSQL takes the batch as eleven column arrays, SQLite as one JSON array of rows.
        await q.query(statement, q.dialect === 'postgres' ? rows[0]!.map((_, i) => rows.map((row) => row[i] ?? null)) : [JSON.stringify(rows)]);
      };
      // No client waits on an audit batch being on disk: it may be committed with relaxed durability.
      if (sql.db) await sql.db.transaction(insert, { durability: 'relaxed' });
      else await insert(sql.q);
    },

    async pruneAudit(before: Date): Promise<number> {
      return (await sql.rows('DELETE FROM audit_events WHERE at < $1 RETURNING id', [before])).length;
    },

    async queryAudit(query: AuditQuery): Promise<StoredAuditEvent[]> {
      const where: string[] = [];
      const params: (string | Date | number)[] = [];
      const add = (sql: string, value: string | Date) => {
        params.push(value);
        where.push(sql.replace('?', `$${params.length}`));
      };
      if (query.partnerId !== undefined) add('partner_id = ?', query.partnerId);
      if (query.clientId !== undefined) add('client_id = ?', query.clientId);
      if (query.since !== undefined) add('at >= ?', query.since);
      if (query.outcome !== undefined) add('outcome = ?', query.outcome);
      params.push(query.limit ?? 1000);
      const rows = await sql.rows<AuditRow>(
        `SELECT * FROM (SELECT * FROM audit_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY id DESC LIMIT $${params.length}) newest ORDER BY id`,
        params,
      );
      return rows.map(toAuditEvent);
    },
  };
}
